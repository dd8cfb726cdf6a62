import "reflect-metadata";
import { Arg, Ctx, Float, ID, Query, Resolver } from "type-graphql";
import type { RequestContext } from "../app/context.js";
import { requireScope } from "../auth/guards.js";
import type { ParetoService } from "./pareto.service.js";
import { ParetoCost, ParetoQuality, ParetoView } from "./pareto.types.js";

@Resolver()
export class ParetoResolver {
  constructor(private readonly service: ParetoService) {}

  @Query(() => ParetoView, {
    description:
      "Quality against cost for an experiment's runs (or the given runs): points, the Pareto frontier, runs left out and why, and the best run within a budget.",
  })
  pareto(
    @Arg("runIds", () => [ID], { nullable: true }) runIds: string[] | null,
    @Arg("experimentId", () => ID, { nullable: true }) experimentId: string | null,
    @Arg("quality", () => ParetoQuality, { defaultValue: ParetoQuality.FINAL_EVAL_LOSS })
    quality: ParetoQuality,
    @Arg("cost", () => ParetoCost, { defaultValue: ParetoCost.PEAK_MEMORY }) cost: ParetoCost,
    @Arg("budget", () => Float, {
      nullable: true,
      description:
        "In the cost's unit (bytes, parameters, ms, tokens/s): the most a run may cost, or for TOKENS_PER_SECOND the least it must reach.",
    })
    budget: number | null,
    @Ctx() ctx: RequestContext,
  ): Promise<ParetoView> {
    requireScope(ctx, "read");
    return this.service.view({ runIds, experimentId }, quality, cost, budget);
  }
}
