import "reflect-metadata";
import { Field, Float, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn } from "typeorm";
import { bigintAsNumber } from "../db/transformers.js";

export enum ArtifactKind {
  /** Training state to resume from (weights + optimizer), uploaded every checkpointEvery steps. */
  CHECKPOINT = "CHECKPOINT",
  /**
   * An adapter folder: PEFT's (adapter_config.json + adapter_model.safetensors) or, for bottleneck
   * adapters, the adapters library's (adapter_config.json + adapter.safetensors).
   */
  ADAPTER = "ADAPTER",
  /** A whole model folder (FULL and PRETRAIN runs). */
  MODEL = "MODEL",
}
registerEnumType(ArtifactKind, { name: "ArtifactKind" });

/** A folder of files a run uploaded; the bytes live in artifact_file.content (bytea). */
@ObjectType({ description: "Files a run uploaded: a checkpoint, a PEFT adapter or a model folder." })
@Entity({ name: "artifact" })
export class Artifact {
  @Field(() => ID)
  @PrimaryGeneratedColumn("uuid")
  id!: string;

  @Column({ type: "bigint", insert: false, update: false, transformer: bigintAsNumber })
  seq!: number;

  @Field(() => ID, { nullable: true, description: "Null for an imported adapter's files." })
  @Column("uuid", { name: "run_id", nullable: true })
  runId!: string | null;

  @Field(() => ID, { nullable: true })
  @Column("uuid", { name: "job_id", nullable: true })
  jobId!: string | null;

  @Field(() => ArtifactKind)
  @Column("text")
  kind!: ArtifactKind;

  @Field(() => Int, { nullable: true, description: "Training step (checkpoints)." })
  @Column("integer", { nullable: true })
  step!: number | null;

  @Field(() => Float, { description: "All files together, bytes." })
  @Column("bigint", { name: "size_bytes", transformer: bigintAsNumber })
  sizeBytes!: number;

  @Field()
  @CreateDateColumn({ name: "created_at", type: "timestamptz", precision: 3 })
  createdAt!: Date;
}

/** One file of an artifact. `content` is never selected unless asked for (downloads). */
@ObjectType({ description: "One file of an artifact." })
@Entity({ name: "artifact_file" })
export class ArtifactFile {
  @Field(() => ID)
  @PrimaryColumn("uuid", { name: "artifact_id" })
  artifactId!: string;

  @Field()
  @PrimaryColumn("text")
  name!: string;

  @Field(() => Float)
  @Column("bigint", { name: "size_bytes", transformer: bigintAsNumber })
  sizeBytes!: number;

  @Field({ description: "sha256 of the bytes, hex." })
  @Column("text")
  sha256!: string;

  @Column("bytea", { select: false })
  content?: Buffer;
}
