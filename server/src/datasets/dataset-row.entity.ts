import "reflect-metadata";
import { Field, Int, ObjectType, registerEnumType } from "type-graphql";
import { Column, Entity, PrimaryColumn } from "typeorm";

export enum DatasetSplit {
  TRAIN = "TRAIN",
  EVAL = "EVAL",
}
registerEnumType(DatasetSplit, { name: "DatasetSplit" });

/** One example of a dataset; `text` is set for TEXT datasets, `prompt` and `completion` otherwise. */
@ObjectType()
@Entity({ name: "dataset_row" })
export class DatasetRow {
  @PrimaryColumn("uuid", { name: "dataset_id" })
  datasetId!: string;

  @Field(() => Int, { description: "Position in the uploaded content, from 0." })
  @PrimaryColumn("integer")
  index!: number;

  @Field(() => Int, { description: "Line of the uploaded content the row came from, from 1." })
  @Column("integer")
  line!: number;

  @Field(() => DatasetSplit)
  @Column("text")
  split!: DatasetSplit;

  @Field(() => String, { nullable: true })
  @Column("text", { nullable: true })
  text!: string | null;

  @Field(() => String, { nullable: true })
  @Column("text", { nullable: true })
  prompt!: string | null;

  @Field(() => String, { nullable: true })
  @Column("text", { nullable: true })
  completion!: string | null;

  @Field(() => Int)
  @Column("integer", { name: "char_count" })
  charCount!: number;
}
