import "reflect-metadata";
import { GraphQLJSON } from "graphql-scalars";
import { Arg, Ctx, ID, Int, Mutation, Query, Resolver, Root, Subscription } from "type-graphql";
import type { RequestContext } from "../app/context.js";
import { Artifact } from "../artifacts/artifact.entity.js";
import { requireRunner } from "../auth/guards.js";
import type { JobService } from "./job.service.js";
import {
  FileUploadInput,
  HeartbeatInput,
  HeartbeatResult,
  Job,
  JobDatasetRowConnection,
  JobEvent,
  MetricPointInput,
  ReportMetricsResult,
  SampleInput,
} from "./job.types.js";

/**
 * The runner protocol (runner/README.md: its opening lists the operations, then "The job spec" and "Stopping
 * and cancelling"): every operation needs the runner's secret and acts on its own jobs.
 */
@Resolver()
export class JobResolver {
  constructor(private readonly service: JobService) {}

  @Subscription(() => JobEvent, {
    description:
      "A runner's work: on subscribe its ASSIGNED/RUNNING jobs are re-sent, then new assignments as slots free up, and CANCEL for jobs to stop.",
    subscribe: ({ context }) => {
      const ctx = context as RequestContext;
      return ctx.jobEvents(requireRunner(ctx));
    },
  })
  jobs(@Root() event: JobEvent): JobEvent {
    return event;
  }

  @Mutation(() => HeartbeatResult, {
    description: "Renews the leases of the listed jobs; says which to stop.",
  })
  heartbeat(@Arg("input", () => HeartbeatInput) input: HeartbeatInput, @Ctx() ctx: RequestContext) {
    return this.service.heartbeat(requireRunner(ctx), input);
  }

  @Mutation(() => Boolean, {
    description: "A clean stop's goodbye: the calling runner is OFFLINE at once, until its next heartbeat.",
  })
  signOff(@Ctx() ctx: RequestContext): Promise<boolean> {
    return this.service.signOff(requireRunner(ctx));
  }

  @Mutation(() => Job, { description: "ASSIGNED → RUNNING (the run too)." })
  startJob(@Arg("jobId", () => ID) jobId: string, @Ctx() ctx: RequestContext) {
    return this.service.start(requireRunner(ctx), jobId);
  }

  @Mutation(() => ReportMetricsResult, {
    description:
      "Stores metric points; idempotent on (run, key, step): a retried batch counts as duplicates.",
  })
  reportMetrics(
    @Arg("jobId", () => ID) jobId: string,
    @Arg("points", () => [MetricPointInput]) points: MetricPointInput[],
    @Ctx() ctx: RequestContext,
  ) {
    return this.service.reportMetrics(requireRunner(ctx), jobId, points);
  }

  @Mutation(() => Int, { description: "Stores sample generations; returns how many were new." })
  reportSamples(
    @Arg("jobId", () => ID) jobId: string,
    @Arg("samples", () => [SampleInput]) samples: SampleInput[],
    @Ctx() ctx: RequestContext,
  ) {
    return this.service.reportSamples(requireRunner(ctx), jobId, samples);
  }

  @Mutation(() => Artifact, {
    description: "A CHECKPOINT artifact: the next attempt of the run resumes from it.",
  })
  uploadCheckpoint(
    @Arg("jobId", () => ID) jobId: string,
    @Arg("step", () => Int) step: number,
    @Arg("files", () => [FileUploadInput]) files: FileUploadInput[],
    @Ctx() ctx: RequestContext,
  ) {
    return this.service.uploadCheckpoint(requireRunner(ctx), jobId, step, files);
  }

  @Mutation(() => Artifact, {
    description:
      "The trained PEFT adapter folder (kind ADAPTER), or the whole model folder for FULL/PRETRAIN runs (MODEL).",
  })
  uploadAdapter(
    @Arg("jobId", () => ID) jobId: string,
    @Arg("files", () => [FileUploadInput]) files: FileUploadInput[],
    @Ctx() ctx: RequestContext,
  ) {
    return this.service.uploadAdapter(requireRunner(ctx), jobId, files);
  }

  @Mutation(() => Job, {
    description: "The run SUCCEEDED with this TrainingResult (CANCELLED if a cancel was requested).",
  })
  completeJob(
    @Arg("jobId", () => ID) jobId: string,
    @Arg("result", () => GraphQLJSON) result: unknown,
    @Ctx() ctx: RequestContext,
  ) {
    return this.service.complete(requireRunner(ctx), jobId, result);
  }

  @Mutation(() => Job, {
    description: "The attempt failed; retryable with attempts left → the run is requeued.",
  })
  failJob(
    @Arg("jobId", () => ID) jobId: string,
    @Arg("error") error: string,
    @Arg("retryable") retryable: boolean,
    @Ctx() ctx: RequestContext,
  ) {
    return this.service.fail(requireRunner(ctx), jobId, error, retryable);
  }

  @Query(() => JobDatasetRowConnection, { description: "Rows of one of the job's datasets, by index." })
  jobDatasetRows(
    @Arg("jobId", () => ID) jobId: string,
    @Arg("datasetId", () => ID) datasetId: string,
    @Arg("first", () => Int, { nullable: true }) first: number | null,
    @Arg("after", () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: RequestContext,
  ) {
    return this.service.datasetRows(requireRunner(ctx), jobId, datasetId, first, after);
  }
}
