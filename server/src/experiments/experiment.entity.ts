import "reflect-metadata";
import { GraphQLJSONObject } from "graphql-scalars";
import { Field, ID, ObjectType, registerEnumType } from "type-graphql";
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from "typeorm";
import { bigintAsNumber } from "../db/transformers.js";
import { Sweep } from "./sweep.types.js";

export enum ExperimentKind {
  /** Each variant fine-tunes the base model: quality and cost. */
  TRAIN = "TRAIN",
  /** Each variant is a cost profile: a few steps on random tokens, measuring memory and speed only. */
  PROFILE = "PROFILE",
  /** Runs of kind EVALUATE: existing adapters (and the base alone) measured on one dataset, nothing trained. */
  EVALUATION = "EVALUATION",
}
registerEnumType(ExperimentKind, { name: "ExperimentKind" });

/** One dataset + one base model + shared hyperparameters, and one run per method variant. */
@ObjectType({
  description: "Method variants trained on one dataset and base model with shared hyperparameters.",
})
@Entity({ name: "experiment" })
export class Experiment {
  @Field(() => ID)
  @PrimaryGeneratedColumn("uuid")
  id!: string;

  @Column({ type: "bigint", insert: false, update: false, transformer: bigintAsNumber })
  seq!: number;

  @Field()
  @Column("text")
  name!: string;

  @Field()
  @Column("text", { default: "" })
  description!: string;

  @Field(() => ExperimentKind, {
    description:
      "TRAIN runs fine-tune; PROFILE runs measure costs only; EVALUATION runs measure existing adapters.",
  })
  @Column("text", { default: ExperimentKind.TRAIN })
  kind!: ExperimentKind;

  @Field(() => ID, { nullable: true, description: "Null for a PROFILE experiment without one." })
  @Column("uuid", { name: "dataset_id", nullable: true })
  datasetId!: string | null;

  @Field(() => ID, { nullable: true, description: "General-text dataset measuring forgetting, if any." })
  @Column("uuid", { name: "general_dataset_id", nullable: true })
  generalDatasetId!: string | null;

  @Field(() => ID)
  @Column("uuid", { name: "base_model_id" })
  baseModelId!: string;

  @Field(() => GraphQLJSONObject, { description: "The hyperparameters every run shares, as validated." })
  @Column("jsonb")
  hyperparameters!: Record<string, unknown>;

  @Field(() => Sweep, { nullable: true, description: "The sweep its runs were generated from, if any." })
  @Column("jsonb", { nullable: true })
  sweep!: Sweep | null;

  @Field()
  @CreateDateColumn({ name: "created_at", type: "timestamptz", precision: 3 })
  createdAt!: Date;
}
