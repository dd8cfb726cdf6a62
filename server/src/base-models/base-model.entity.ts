import "reflect-metadata";
import { GraphQLJSONObject } from "graphql-scalars";
import { Field, ID, ObjectType, registerEnumType } from "type-graphql";
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from "typeorm";
import { bigintAsNumber } from "../db/transformers.js";

export enum BaseModelSource {
  /** A core preset (MODEL_PRESETS) or a config.json sent with createBaseModel: random weights. */
  PRESET = "PRESET",
  /** Produced by a PRETRAIN run; its MODEL artifact holds the weights. */
  PRETRAINED = "PRETRAINED",
  /** A Hugging Face folder on the runner hosts. */
  HOST_PATH = "HOST_PATH",
  /** An adapter merged into its base (mergeAdapter); its MERGE run's MODEL artifact holds the weights. */
  MERGED = "MERGED",
}
registerEnumType(BaseModelSource, { name: "BaseModelSource" });

export enum BaseModelStatus {
  READY = "READY",
  /** Waiting for the run that makes its weights (PRETRAIN or MERGE). */
  PENDING = "PENDING",
  /** That run failed or was cancelled. */
  FAILED = "FAILED",
}
registerEnumType(BaseModelStatus, { name: "BaseModelStatus" });

@ObjectType({ description: "A model experiments fine-tune: a config.json and, when trained here, weights." })
@Entity({ name: "base_model" })
export class BaseModel {
  @Field(() => ID)
  @PrimaryGeneratedColumn("uuid")
  id!: string;

  @Column({ type: "bigint", insert: false, update: false, transformer: bigintAsNumber })
  seq!: number;

  @Field()
  @Column("text")
  name!: string;

  @Field(() => GraphQLJSONObject, { description: "The Hugging Face config.json (validated by core)." })
  @Column("jsonb")
  config!: Record<string, unknown>;

  @Field(() => String, { nullable: true, description: "The core preset it came from, if any." })
  @Column("text", { nullable: true })
  preset!: string | null;

  @Field(() => BaseModelSource)
  @Column("text")
  source!: BaseModelSource;

  @Field(() => String, { nullable: true, description: "HOST_PATH: the folder on the runner hosts." })
  @Column("text", { name: "host_path", nullable: true })
  hostPath!: string | null;

  @Field(() => BaseModelStatus)
  @Column("text")
  status!: BaseModelStatus;

  @Field(() => ID, {
    nullable: true,
    description: "The MODEL artifact holding the weights, once pretrained or merged.",
  })
  @Column("uuid", { name: "weights_artifact_id", nullable: true })
  weightsArtifactId!: string | null;

  @Field(() => ID, { nullable: true, description: "The PRETRAIN run that produces this model." })
  @Column("uuid", { name: "pretrain_run_id", nullable: true })
  pretrainRunId!: string | null;

  @Field(() => ID, { nullable: true, description: "MERGED: the adapter merged into its base model." })
  @Column("uuid", { name: "merged_adapter_id", nullable: true })
  mergedAdapterId!: string | null;

  @Field(() => ID, { nullable: true, description: "MERGED: the MERGE run that writes its weights." })
  @Column("uuid", { name: "merge_run_id", nullable: true })
  mergeRunId!: string | null;

  @Field()
  @CreateDateColumn({ name: "created_at", type: "timestamptz", precision: 3 })
  createdAt!: Date;
}
