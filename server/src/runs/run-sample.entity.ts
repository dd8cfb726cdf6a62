import "reflect-metadata";
import { Field, ID, Int, ObjectType } from "type-graphql";
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from "typeorm";
import { bigintAsNumber } from "../db/transformers.js";

/** A generation from one of the experiment's samplePrompts at a training step. */
@ObjectType({ description: "What the model generated for a sample prompt at a training step." })
@Entity({ name: "sample" })
export class RunSample {
  @Field(() => ID)
  @PrimaryGeneratedColumn("uuid")
  id!: string;

  @Column({ type: "bigint", insert: false, update: false, transformer: bigintAsNumber })
  seq!: number;

  @Field(() => ID)
  @Column("uuid", { name: "run_id" })
  runId!: string;

  @Field(() => Int)
  @Column("integer")
  step!: number;

  @Field()
  @Column("text")
  prompt!: string;

  @Field()
  @Column("text")
  output!: string;

  @Field()
  @CreateDateColumn({ name: "created_at", type: "timestamptz", precision: 3 })
  createdAt!: Date;
}
