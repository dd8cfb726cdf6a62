import "reflect-metadata";
import { Arg, Args, Ctx, Extensions, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import { listCost, maxRunsPerExperiment } from "../app/limits.js";
import { ConnectionArgs, connectionType } from "../api/connection.js";
import { ListOrder } from "../runs/list-order.js";
import type { RequestContext } from "../app/context.js";
import { requireScope } from "../auth/guards.js";
import { BaseModel } from "../base-models/base-model.entity.js";
import { Dataset } from "../datasets/dataset.entity.js";
import { Run } from "../runs/run.entity.js";
import type { RunService } from "../runs/run.service.js";
import { Experiment } from "./experiment.entity.js";
import { CreateExperimentInput, ExperimentFilter } from "./experiment.input.js";
import type { ExperimentService } from "./experiment.service.js";
import { RunStatusCounts } from "./experiment.types.js";
import { ExperimentPlan } from "./sweep.types.js";

export const ExperimentConnection = connectionType(Experiment);

@Resolver(() => Experiment)
export class ExperimentResolver {
  constructor(
    private readonly service: ExperimentService,
    private readonly runService: RunService,
  ) {}

  @Mutation(() => Experiment, {
    description:
      "Validates every variant with core and queues one run per variant; on any error nothing is created.",
  })
  createExperiment(
    @Arg("input") input: CreateExperimentInput,
    @Ctx() ctx: RequestContext,
  ): Promise<Experiment> {
    requireScope(ctx, "read-write");
    return this.service.create(input);
  }

  @Query(() => ExperimentPlan, {
    description:
      "The runs createExperiment would queue for this input (names, configs, predictions), validated the same way; nothing is stored.",
  })
  planExperiment(
    @Arg("input") input: CreateExperimentInput,
    @Ctx() ctx: RequestContext,
  ): Promise<ExperimentPlan> {
    requireScope(ctx, "read");
    return this.service.plan(input);
  }

  @Mutation(() => ID, {
    description:
      "Deletes the experiment with its runs, metrics, samples and artifacts. CONFLICT while runs are active, unless cancelActive.",
  })
  deleteExperiment(
    @Arg("id", () => ID) id: string,
    @Arg("cancelActive", { defaultValue: false }) cancelActive: boolean,
    @Ctx() ctx: RequestContext,
  ): Promise<string> {
    requireScope(ctx, "read-write");
    return this.runService.deleteExperiment(id, cancelActive);
  }

  @Query(() => Experiment)
  experiment(@Arg("id", () => ID) id: string, @Ctx() ctx: RequestContext): Promise<Experiment> {
    requireScope(ctx, "read");
    return this.service.get(id);
  }

  @Query(() => ExperimentConnection, { description: "Experiments, newest first unless ordered otherwise." })
  experiments(
    @Args() args: ConnectionArgs,
    @Arg("filter", () => ExperimentFilter, { nullable: true }) filter: ExperimentFilter | null,
    @Arg("order", () => ListOrder, { defaultValue: ListOrder.NEWEST_FIRST }) order: ListOrder,
    @Ctx() ctx: RequestContext,
  ) {
    requireScope(ctx, "read");
    return this.service.list(args, filter ?? {}, order);
  }

  @Extensions(listCost(maxRunsPerExperiment))
  @FieldResolver(() => [Run], { description: "One run per variant, in variant order." })
  runs(@Root() e: Experiment, @Ctx() ctx: RequestContext): Promise<Run[]> {
    return ctx.loaders.people.runsOfExperiment.load(e.id);
  }

  @FieldResolver(() => RunStatusCounts)
  async statusCounts(@Root() e: Experiment, @Ctx() ctx: RequestContext): Promise<RunStatusCounts> {
    const counts: RunStatusCounts = {
      queued: 0,
      assigned: 0,
      running: 0,
      succeeded: 0,
      failed: 0,
      cancelled: 0,
      total: 0,
    };
    for (const { status, count } of await ctx.loaders.people.statusCounts.load(e.id)) {
      counts[status.toLowerCase() as Exclude<keyof RunStatusCounts, "total">] = count;
      counts.total += count;
    }
    return counts;
  }

  @FieldResolver(() => Dataset, { nullable: true, description: "Null for a PROFILE experiment without one." })
  async dataset(@Root() e: Experiment, @Ctx() ctx: RequestContext): Promise<Dataset | null> {
    return e.datasetId ? ctx.loaders.people.dataset.load(e.datasetId) : null;
  }

  @FieldResolver(() => Dataset, { nullable: true })
  async generalDataset(@Root() e: Experiment, @Ctx() ctx: RequestContext): Promise<Dataset | null> {
    return e.generalDatasetId ? ctx.loaders.people.dataset.load(e.generalDatasetId) : null;
  }

  @FieldResolver(() => BaseModel)
  async baseModel(@Root() e: Experiment, @Ctx() ctx: RequestContext): Promise<BaseModel> {
    return (await ctx.loaders.people.baseModel.load(e.baseModelId))!;
  }
}
