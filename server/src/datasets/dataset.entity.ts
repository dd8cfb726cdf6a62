import "reflect-metadata";
import { Field, Float, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from "typeorm";
import { bigintAsNumber } from "../db/transformers.js";

export enum DatasetFormat {
  JSONL = "JSONL",
  CSV = "CSV",
}
registerEnumType(DatasetFormat, {
  name: "DatasetFormat",
  description: "How createDataset's content is encoded.",
});

export enum DatasetKind {
  /** Rows of {text}: the loss covers every token. */
  TEXT = "TEXT",
  /** Rows of {prompt, completion}: the loss covers the completion only. */
  PROMPT_COMPLETION = "PROMPT_COMPLETION",
}
registerEnumType(DatasetKind, { name: "DatasetKind" });

/**
 * One version of a dataset: its rows never change. The same content with the same split is the same
 * version (unique on content hash, eval fraction and seed).
 */
@ObjectType({ description: "An immutable version of a training dataset, split into train and eval rows." })
@Entity({ name: "dataset" })
export class Dataset {
  @Field(() => ID)
  @PrimaryGeneratedColumn("uuid")
  id!: string;

  /** Insertion order, strictly increasing: what lists sort and cursors point at. */
  @Column({ type: "bigint", insert: false, update: false, transformer: bigintAsNumber })
  seq!: number;

  @Field()
  @Column("text")
  name!: string;

  @Field(() => DatasetFormat)
  @Column("text")
  format!: DatasetFormat;

  @Field(() => DatasetKind)
  @Column("text")
  kind!: DatasetKind;

  @Field({ description: "sha256 of the content as uploaded, hex." })
  @Column("text", { name: "content_hash" })
  contentHash!: string;

  @Field(() => Float, { description: "Size of the content as uploaded, in bytes (UTF-8)." })
  @Column("bigint", { name: "size_bytes", transformer: bigintAsNumber })
  sizeBytes!: number;

  @Field(() => Int)
  @Column("integer", { name: "row_count" })
  rowCount!: number;

  @Field(() => Int)
  @Column("integer", { name: "train_row_count" })
  trainRowCount!: number;

  @Field(() => Int)
  @Column("integer", { name: "eval_row_count" })
  evalRowCount!: number;

  @Field(() => Float, {
    description: "Characters in all rows' fields (token counts come with the tokenizer).",
  })
  @Column("bigint", { name: "char_count", transformer: bigintAsNumber })
  charCount!: number;

  @Field(() => Float)
  @Column("double precision", { name: "eval_fraction" })
  evalFraction!: number;

  @Field(() => Int)
  @Column("integer", { name: "split_seed" })
  splitSeed!: number;

  @Field()
  @CreateDateColumn({ name: "created_at", type: "timestamptz", precision: 3 })
  createdAt!: Date;
}
