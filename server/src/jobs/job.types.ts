import "reflect-metadata";
import { GraphQLJSON } from "graphql-scalars";
import { Extensions, Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from "type-graphql";
import { connectionType } from "../api/connection.js";
import { numberRange } from "../api/sanitize.js";
import { DatasetSplit } from "../datasets/dataset-row.entity.js";

export enum JobStatus {
  ASSIGNED = "ASSIGNED",
  RUNNING = "RUNNING",
  SUCCEEDED = "SUCCEEDED",
  FAILED = "FAILED",
  CANCELLED = "CANCELLED",
  EXPIRED = "EXPIRED",
  INTERRUPTED = "INTERRUPTED",
}
registerEnumType(JobStatus, { name: "JobStatus" });

export const liveJobStatuses = [JobStatus.ASSIGNED, JobStatus.RUNNING] as const;

export enum JobEventKind {
  /** A job for this runner: claimed now, or re-sent on (re)subscribe while still ASSIGNED/RUNNING. */
  ASSIGNED = "ASSIGNED",
  /** Stop this job: its run's cancel was requested (finish with failJob or completeJob). */
  CANCEL = "CANCEL",
}
registerEnumType(JobEventKind, { name: "JobEventKind" });

/** One attempt of a run on a runner, as the runner sees it: what to train (spec) and its lease. */
@ObjectType({ description: "One attempt of a run on a runner: what to train (spec) and its lease." })
export class Job {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  runId!: string;

  @Field(() => Int, { description: "1 for the first attempt of the run." })
  attempt!: number;

  @Field(() => JobStatus)
  status!: JobStatus;

  @Field({ description: "Renewed by heartbeat; past it the job is EXPIRED and the run requeued." })
  leaseExpiresAt!: Date;

  @Field(() => GraphQLJSON, {
    description:
      "{ runId, kind, method, hyperparameters, dataset, generalDataset, baseModel, resumeFrom, adapter, predicted } (runner/README.md).",
  })
  spec!: Record<string, unknown>;
}

@ObjectType({ description: "What the jobs subscription pushes to a runner." })
export class JobEvent {
  @Field(() => JobEventKind)
  kind!: JobEventKind;

  @Field(() => Job)
  job!: Job;

  @Field(() => String, { nullable: true })
  reason!: string | null;
}

@InputType({ description: "A runner's periodic liveness report." })
export class HeartbeatInput {
  @Field(() => [ID], { description: "Jobs the runner is working on: their leases are renewed." })
  runningJobIds!: string[];

  @Field(() => Float, { nullable: true, description: "Free device memory now, in bytes." })
  freeMemoryBytes?: number | null;
}

@ObjectType()
export class HeartbeatResult {
  @Field({ description: "The renewed lease of the listed jobs." })
  leaseExpiresAt!: Date;

  @Field(() => [ID], {
    description: "Jobs to stop now: their run's cancel was requested, or the job is no longer this runner's.",
  })
  cancelJobIds!: string[];
}

@InputType()
export class MetricPointInput {
  @Field()
  key!: string;

  @Field(() => Int)
  step!: number;

  /** What float32 (the engine's tensors) can hold: a diverging loss is still reported. */
  @Extensions(numberRange(-3.4028234663852886e38, 3.4028234663852886e38))
  @Field(() => Float)
  value!: number;

  @Field(() => Float, { nullable: true, description: "When measured, ms since the epoch (default: now)." })
  wallTimeMs?: number | null;
}

@ObjectType()
export class ReportMetricsResult {
  @Field(() => Int, { description: "Points stored now." })
  accepted!: number;

  @Field(() => Int, { description: "Points already stored for (run, key, step): ignored (a retried batch)." })
  duplicates!: number;
}

@InputType()
export class SampleInput {
  @Field()
  prompt!: string;

  @Field()
  output!: string;

  @Field(() => Int)
  step!: number;
}

@InputType({
  description:
    "One file of an uploaded folder: its bytes inline in base64 (small files: the GraphQL body limit is 256 KiB) or the id POST /uploads answered.",
})
export class FileUploadInput {
  @Field()
  name!: string;

  @Field(() => String, { nullable: true })
  base64?: string | null;

  @Field(() => ID, { nullable: true, description: "A staged upload of this runner; used up by this call." })
  uploadId?: string | null;
}

@ObjectType({ description: "One row of a job's dataset, for the runner that trains it." })
export class JobDatasetRow {
  @Field(() => Int)
  index!: number;

  @Field(() => DatasetSplit)
  split!: DatasetSplit;

  @Field(() => String, { nullable: true })
  text!: string | null;

  @Field(() => String, { nullable: true })
  prompt!: string | null;

  @Field(() => String, { nullable: true })
  completion!: string | null;
}

export const JobDatasetRowConnection = connectionType(JobDatasetRow);
