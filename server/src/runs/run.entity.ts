import "reflect-metadata";
import { GraphQLJSONObject } from "graphql-scalars";
import { Field, Float, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from "typeorm";
import { bigintAsNumber } from "../db/transformers.js";
import { CostProfile } from "./cost-profile.type.js";

export enum RunStatus {
  QUEUED = "QUEUED",
  ASSIGNED = "ASSIGNED",
  RUNNING = "RUNNING",
  SUCCEEDED = "SUCCEEDED",
  FAILED = "FAILED",
  CANCELLED = "CANCELLED",
}
registerEnumType(RunStatus, { name: "RunStatus" });

/** Statuses a run can still leave by itself (a runner holds it or will). */
export const activeStatuses: readonly RunStatus[] = [RunStatus.QUEUED, RunStatus.ASSIGNED, RunStatus.RUNNING];
export const finishedStatuses: readonly RunStatus[] = [
  RunStatus.SUCCEEDED,
  RunStatus.FAILED,
  RunStatus.CANCELLED,
];

export enum RunKind {
  /** Fine-tunes a base model with one method. */
  TRAIN = "TRAIN",
  /** Trains a base model from random weights (method full). */
  PRETRAIN = "PRETRAIN",
  /** A few steps on random tokens to measure what a method costs (costProfile); nothing learnt is kept. */
  PROFILE = "PROFILE",
  /**
   * Trains nothing: eval loss, forgetting and samples of an existing adapter (`inputAdapterId`), or of the
   * base model alone when it names none (the reference row of an evaluation).
   */
  EVALUATE = "EVALUATE",
  /** Folds an adapter (`inputAdapterId`) into its base's weights and uploads the merged model folder. */
  MERGE = "MERGE",
  /** The playground: completions of prompts by the base with an adapter (`inputAdapterId`) or alone. */
  GENERATE = "GENERATE",
}
registerEnumType(RunKind, { name: "RunKind" });

/** One method variant of an experiment (or a pretraining), through all its attempts. */
@ObjectType({ description: "One training of one method variant, with its lifecycle, prediction and result." })
@Entity({ name: "run" })
export class Run {
  @Field(() => ID)
  @PrimaryGeneratedColumn("uuid")
  id!: string;

  @Column({ type: "bigint", insert: false, update: false, transformer: bigintAsNumber })
  seq!: number;

  @Field(() => ID, { nullable: true, description: "Null for a PRETRAIN run." })
  @Column("uuid", { name: "experiment_id", nullable: true })
  experimentId!: string | null;

  @Field(() => RunKind)
  @Column("text", { default: RunKind.TRAIN })
  kind!: RunKind;

  @Field()
  @Column("text")
  name!: string;

  @Field(() => ID)
  @Column("uuid", { name: "base_model_id" })
  baseModelId!: string;

  @Field(() => ID, {
    nullable: true,
    description: "Null for a PROFILE run without one (random tokens), and for MERGE and GENERATE runs.",
  })
  @Column("uuid", { name: "dataset_id", nullable: true })
  datasetId!: string | null;

  @Field(() => ID, {
    nullable: true,
    description:
      "The adapter an EVALUATE, MERGE or GENERATE run works on (null: the base model alone). Not what a " +
      "training run produced: that is `adapter`.",
  })
  @Column("uuid", { name: "adapter_id", nullable: true })
  inputAdapterId!: string | null;

  @Field({ description: 'The method\'s name: "full", "lora", "qlora", …' })
  @Column("text")
  method!: string;

  @Field(() => GraphQLJSONObject, {
    description: "The method object with every default filled in (PEFT keys).",
  })
  @Column("jsonb", { name: "method_config" })
  methodConfig!: Record<string, unknown>;

  @Field(() => GraphQLJSONObject)
  @Column("jsonb")
  hyperparameters!: Record<string, unknown>;

  @Field(() => GraphQLJSONObject, {
    nullable: true,
    description:
      "The swept fields this run was given (`{ r: 4, learningRate: 0.0001 }`); null outside a sweep.",
  })
  @Column("jsonb", { name: "sweep_values", nullable: true })
  sweepValues!: Record<string, unknown> | null;

  @Field(() => [String], { description: "A runner must carry all of these labels." })
  @Column("text", { name: "required_labels", array: true, default: () => "'{}'" })
  requiredLabels!: string[];

  @Field(() => RunStatus)
  @Column("text")
  status!: RunStatus;

  @Field(() => String, { nullable: true, description: "Why it is in its status (e.g. no runner fits)." })
  @Column("text", { name: "status_reason", nullable: true })
  statusReason!: string | null;

  @Field(() => Date, { nullable: true })
  @Column({ type: "timestamptz", name: "cancel_requested_at", precision: 3, nullable: true })
  cancelRequestedAt!: Date | null;

  @Field(() => String, { nullable: true })
  @Column("text", { name: "cancel_reason", nullable: true })
  cancelReason!: string | null;

  @Field(() => Int, { description: "Attempts started so far (jobs created for this run)." })
  @Column("integer", { name: "attempt_count", default: 0 })
  attemptCount!: number;

  @Field(() => Int)
  @Column("integer", { name: "max_attempts", default: 3 })
  maxAttempts!: number;

  @Column({ type: "timestamptz", name: "not_before", precision: 3, nullable: true })
  notBefore!: Date | null;

  @Field(() => ID, { nullable: true, description: "The runner of the current or last attempt." })
  @Column("uuid", { name: "runner_id", nullable: true })
  runnerId!: string | null;

  @Field(() => Float, { description: "Predicted trainable parameters (core.countParameters)." })
  @Column("bigint", { name: "trainable_params", transformer: bigintAsNumber })
  trainableParams!: number;

  @Field(() => Float)
  @Column("bigint", { name: "total_params", transformer: bigintAsNumber })
  totalParams!: number;

  @Field(() => Float, { description: "Predicted training memory, bytes (core.estimateMemory total)." })
  @Column("bigint", { name: "predicted_total_bytes", transformer: bigintAsNumber })
  predictedTotalBytes!: number;

  @Field(() => GraphQLJSONObject, {
    description: "{ trainable, total, memory: core MemoryEstimate (bytes, term by term) }.",
  })
  @Column("jsonb")
  predicted!: Record<string, unknown>;

  @Field(() => GraphQLJSONObject, {
    nullable: true,
    description: "The engine's TrainingResult (no history).",
  })
  @Column("jsonb", { nullable: true })
  result!: Record<string, unknown> | null;

  @Field(() => Float, { nullable: true })
  @Column("bigint", { name: "measured_peak_bytes", nullable: true, transformer: bigintAsNumber })
  measuredPeakBytes!: number | null;

  @Field(() => CostProfile, {
    nullable: true,
    description: "A PROFILE run's measured peak split into its parts, ms/step and tokens/s.",
  })
  @Column("jsonb", { name: "cost_profile", nullable: true })
  costProfile!: CostProfile | null;

  @Field(() => Float, { nullable: true })
  @Column("double precision", { name: "final_train_loss", nullable: true })
  finalTrainLoss!: number | null;

  @Field(() => Float, { nullable: true })
  @Column("double precision", { name: "best_eval_loss", nullable: true })
  bestEvalLoss!: number | null;

  @Field(() => Float, { nullable: true })
  @Column("double precision", { name: "tokens_per_second", nullable: true })
  tokensPerSecond!: number | null;

  @Field(() => String, { nullable: true, description: "The last attempt's error." })
  @Column("text", { nullable: true })
  error!: string | null;

  @Field()
  @Column({ type: "timestamptz", name: "queued_at", precision: 3, default: () => "now()" })
  queuedAt!: Date;

  @Field(() => Date, { nullable: true })
  @Column({ type: "timestamptz", name: "started_at", precision: 3, nullable: true })
  startedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  @Column({ type: "timestamptz", name: "finished_at", precision: 3, nullable: true })
  finishedAt!: Date | null;

  @Field()
  @CreateDateColumn({ name: "created_at", type: "timestamptz", precision: 3 })
  createdAt!: Date;

  @Field()
  @Column({ type: "timestamptz", name: "updated_at", precision: 3, default: () => "now()" })
  updatedAt!: Date;
}
