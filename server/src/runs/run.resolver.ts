import "reflect-metadata";
import { recordMetricReads } from "../app/answer-cache/read-dependencies.js";
import type { MemoryEstimate } from "@tunelab/core";
import {
  Arg,
  Args,
  Ctx,
  FieldResolver,
  Float,
  ID,
  Mutation,
  Query,
  Resolver,
  Root,
  Subscription,
  type SubscribeResolverData,
} from "type-graphql";
import { ConnectionArgs, connectionType } from "../api/connection.js";
import type { RequestContext } from "../app/context.js";
import type { EventMap } from "../app/events.js";
import { Adapter } from "../adapters/adapter.entity.js";
import { Artifact } from "../artifacts/artifact.entity.js";
import { requireScope } from "../auth/guards.js";
import { BaseModel } from "../base-models/base-model.entity.js";
import { Dataset } from "../datasets/dataset.entity.js";
import { MemoryBreakdown } from "../estimates/estimate.types.js";
import { Experiment } from "../experiments/experiment.entity.js";
import { Runner } from "../runners/runner.entity.js";
import { ListOrder } from "./list-order.js";
import { RunAttempt } from "./run-attempt.type.js";
import { RunSample } from "./run-sample.entity.js";
import { RunStatusChange } from "./run-status-change.entity.js";
import { Run } from "./run.entity.js";
import { RunFilter } from "./run.input.js";
import type { RunService } from "./run.service.js";

export const RunConnection = connectionType(Run);

/** Subscriptions check the key when they start (an error there ends the subscription). */
const readTopic =
  (topic: keyof EventMap) =>
  ({ context }: SubscribeResolverData<unknown, unknown, RequestContext>) => {
    requireScope(context, "read");
    return topic;
  };

@Resolver(() => Run)
export class RunResolver {
  constructor(private readonly service: RunService) {}

  @Query(() => Run)
  run(@Arg("id", () => ID) id: string, @Ctx() ctx: RequestContext): Promise<Run> {
    requireScope(ctx, "read");
    return this.service.get(id);
  }

  @Query(() => RunConnection, { description: "Runs, newest first unless ordered otherwise." })
  runs(
    @Args() args: ConnectionArgs,
    @Arg("filter", () => RunFilter, { nullable: true }) filter: RunFilter | null,
    @Arg("order", () => ListOrder, { defaultValue: ListOrder.NEWEST_FIRST }) order: ListOrder,
    @Ctx() ctx: RequestContext,
  ) {
    requireScope(ctx, "read");
    return this.service.list(args, filter ?? {}, order);
  }

  @Mutation(() => Run, {
    description:
      "QUEUED → CANCELLED at once; ASSIGNED/RUNNING → cancel requested, the runner is told and the run ends CANCELLED. CONFLICT when finished.",
  })
  cancelRun(
    @Arg("id", () => ID) id: string,
    @Arg("reason", { defaultValue: "cancelled by a user" }) reason: string,
    @Ctx() ctx: RequestContext,
  ): Promise<Run> {
    requireScope(ctx, "read-write");
    return this.service.cancel(id, reason);
  }

  @Mutation(() => Run, {
    description:
      "FAILED/CANCELLED → QUEUED from scratch (metrics, samples and artifacts of earlier attempts dropped; history and attempts kept). CONFLICT otherwise.",
  })
  retryRun(@Arg("id", () => ID) id: string, @Ctx() ctx: RequestContext): Promise<Run> {
    requireScope(ctx, "read-write");
    return this.service.retry(id);
  }

  @Subscription(() => Run, {
    topics: readTopic("RUN_UPDATED"),
    filter: ({ payload, args }: { payload: EventMap["RUN_UPDATED"][0]; args: { experimentId: string } }) =>
      payload.experimentId === args.experimentId,
    description: "Each change of a run of the experiment (status, result, cancel request), read fresh.",
  })
  runUpdated(
    @Root() payload: EventMap["RUN_UPDATED"][0],
    @Arg("experimentId", () => ID) _experimentId: string,
  ): Promise<Run> {
    return this.service.get(payload.runId);
  }

  @FieldResolver(() => Float, { description: "100 · trainable / total (predicted, as PEFT prints it)." })
  trainablePercent(@Root() run: Run): number {
    return (100 * run.trainableParams) / run.totalParams;
  }

  @FieldResolver(() => Float, { nullable: true, description: "finishedAt − startedAt, milliseconds." })
  durationMs(@Root() run: Run): number | null {
    return run.startedAt && run.finishedAt ? run.finishedAt.getTime() - run.startedAt.getTime() : null;
  }

  @FieldResolver(() => MemoryBreakdown, { description: "Predicted training memory, term by term (core)." })
  predictedMemory(@Root() run: Run): MemoryBreakdown {
    const memory = (run.predicted as { memory: MemoryEstimate }).memory;
    const { frozenByDtype, activationDetail, parameters: _p, ...bytes } = memory;
    return {
      ...bytes,
      frozenByDtype: Object.entries(frozenByDtype).map(([name, amount]) => ({ name, amount })),
      activationDetail: { ...activationDetail },
    };
  }

  @FieldResolver(() => Runner, { nullable: true, description: "The runner of the current or last attempt." })
  runner(@Root() run: Run, @Ctx() ctx: RequestContext): Promise<Runner | null> | null {
    return run.runnerId ? ctx.loaders.people.runner.load(run.runnerId) : null;
  }

  @FieldResolver(() => [RunStatusChange], { description: "Every status transition, oldest first." })
  statusHistory(@Root() run: Run, @Ctx() ctx: RequestContext): Promise<RunStatusChange[]> {
    return ctx.loaders.people.statusHistory.load(run.id);
  }

  @FieldResolver(() => [RunAttempt], { description: "Every attempt (job) with its runner, oldest first." })
  attempts(@Root() run: Run, @Ctx() ctx: RequestContext): Promise<RunAttempt[]> {
    return ctx.loaders.people.attempts.load(run.id);
  }

  @FieldResolver(() => [RunSample], { description: "Generations from the sample prompts, by step." })
  samples(@Root() run: Run, @Ctx() ctx: RequestContext): Promise<RunSample[]> {
    return ctx.loaders.people.samples.load(run.id);
  }

  @FieldResolver(() => [String], { description: "Metric keys with at least one point." })
  metricKeys(@Root() run: Run, @Ctx() ctx: RequestContext): Promise<string[]> {
    recordMetricReads([run.id]);
    return ctx.loaders.people.metricKeys.load(run.id);
  }

  @FieldResolver(() => Adapter, {
    nullable: true,
    description: "The adapter it trained (its newest); null for FULL and PRETRAIN runs (see `output`).",
  })
  adapter(@Root() run: Run, @Ctx() ctx: RequestContext): Promise<Adapter | null> {
    return ctx.loaders.people.adapterOfRun.load(run.id);
  }

  @FieldResolver(() => Adapter, {
    nullable: true,
    description:
      "The adapter an EVALUATE, MERGE or GENERATE run works on; null for the base model alone and for training runs.",
  })
  inputAdapter(@Root() run: Run, @Ctx() ctx: RequestContext): Promise<Adapter | null> | null {
    return run.inputAdapterId ? ctx.loaders.people.adapter.load(run.inputAdapterId) : null;
  }

  @FieldResolver(() => Artifact, {
    nullable: true,
    description: "The trained output's files: the newest ADAPTER (PEFT folder) or MODEL artifact.",
  })
  output(@Root() run: Run, @Ctx() ctx: RequestContext): Promise<Artifact | null> {
    return ctx.loaders.people.outputArtifact.load(run.id);
  }

  @FieldResolver(() => [Artifact], { description: "Every artifact (checkpoints too), oldest first." })
  artifacts(@Root() run: Run, @Ctx() ctx: RequestContext): Promise<Artifact[]> {
    return ctx.loaders.people.artifacts.load(run.id);
  }

  @FieldResolver(() => Experiment, { nullable: true })
  experiment(@Root() run: Run, @Ctx() ctx: RequestContext): Promise<Experiment | null> | null {
    return run.experimentId ? ctx.loaders.people.experiment.load(run.experimentId) : null;
  }

  @FieldResolver(() => BaseModel)
  async baseModel(@Root() run: Run, @Ctx() ctx: RequestContext): Promise<BaseModel> {
    return (await ctx.loaders.people.baseModel.load(run.baseModelId))!;
  }

  @FieldResolver(() => Dataset, { nullable: true, description: "Null for a PROFILE run without one." })
  async dataset(@Root() run: Run, @Ctx() ctx: RequestContext): Promise<Dataset | null> {
    return run.datasetId ? ctx.loaders.people.dataset.load(run.datasetId) : null;
  }
}
