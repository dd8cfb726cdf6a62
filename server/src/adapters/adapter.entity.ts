import "reflect-metadata";
import { GraphQLJSONObject } from "graphql-scalars";
import { Field, Float, ID, ObjectType, registerEnumType } from "type-graphql";
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from "typeorm";
import { bigintAsNumber } from "../db/transformers.js";

export enum AdapterSource {
  /** Uploaded by a run of this platform at its end. */
  RUN = "RUN",
  /** A PEFT folder brought in through importAdapter. */
  IMPORT = "IMPORT",
}
registerEnumType(AdapterSource, { name: "AdapterSource" });

/**
 * A trained adapter for one base model. Its files are an ADAPTER artifact (the run's upload, or the
 * imported folder with no run); metrics come from its run when it has one.
 */
@ObjectType({
  description: "A PEFT adapter (or bottleneck adapter) for a base model: trained here or imported.",
})
@Entity({ name: "adapter" })
export class Adapter {
  @Field(() => ID)
  @PrimaryGeneratedColumn("uuid")
  id!: string;

  @Column({ type: "bigint", insert: false, update: false, transformer: bigintAsNumber })
  seq!: number;

  @Field(() => ID, { description: "The artifact holding the files (adapter_config.json + weights)." })
  @Column("uuid", { name: "artifact_id" })
  artifactId!: string;

  @Field(() => ID)
  @Column("uuid", { name: "base_model_id" })
  baseModelId!: string;

  @Field({ description: 'The method\'s name: "lora", "dora", "prefix", …' })
  @Column("text")
  method!: string;

  @Field(() => GraphQLJSONObject, { description: "The method's full config, every default filled in." })
  @Column("jsonb", { name: "method_config" })
  methodConfig!: Record<string, unknown>;

  @Field(() => Float, { description: "Trainable parameters of the method on this base (core's count)." })
  @Column("bigint", { name: "trainable_params", transformer: bigintAsNumber })
  trainableParams!: number;

  @Field(() => Float, { description: "All files together, bytes." })
  @Column("bigint", { name: "size_bytes", transformer: bigintAsNumber })
  sizeBytes!: number;

  @Field(() => AdapterSource)
  @Column("text")
  source!: AdapterSource;

  @Field(() => ID, { nullable: true, description: "The run that trained it (source RUN)." })
  @Column("uuid", { name: "run_id", nullable: true })
  runId!: string | null;

  @Field(() => String, { nullable: true, description: "The name of the API key that imported it." })
  @Column("text", { name: "imported_by", nullable: true })
  importedBy!: string | null;

  @Field(() => String, { nullable: true, description: "What the importer said about it." })
  @Column("text", { nullable: true })
  note!: string | null;

  @Field({ description: "When it was uploaded by its run, or imported." })
  @CreateDateColumn({ name: "created_at", type: "timestamptz", precision: 3 })
  createdAt!: Date;
}
