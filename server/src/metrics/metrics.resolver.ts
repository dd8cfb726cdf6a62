import "reflect-metadata";
import {
  Arg,
  Ctx,
  Extensions,
  ID,
  Int,
  Query,
  Resolver,
  Root,
  Subscription,
  type SubscribeResolverData,
} from "type-graphql";
import type { RequestContext } from "../app/context.js";
import type { EventMap } from "../app/events.js";
import { compareCost, metricsCost } from "../app/limits.js";
import { requireScope } from "../auth/guards.js";
import { RunComparison } from "./compare.types.js";
import { MetricPoint, MetricSeries } from "./metric-point.type.js";
import type { MetricsService } from "./metrics.service.js";

@Resolver()
export class MetricsResolver {
  constructor(private readonly service: MetricsService) {}

  @Extensions(metricsCost)
  @Query(() => [MetricSeries], {
    description:
      "Every (run, key) series in one round trip, downsampled on the server: each bucket's min and max, the first and the last point.",
  })
  metrics(
    @Arg("runIds", () => [ID]) runIds: string[],
    @Arg("keys", () => [String], { nullable: true, description: "Default: every key of each run." })
    keys: string[] | null,
    @Arg("maxPoints", () => Int, { defaultValue: 1000, description: "Points per series, 4..10000." })
    maxPoints: number,
    @Ctx() ctx: RequestContext,
  ): Promise<MetricSeries[]> {
    requireScope(ctx, "read");
    return this.service.series(runIds, keys, maxPoints);
  }

  @Extensions(compareCost)
  @Query(() => [RunComparison], { description: "The given runs, or an experiment's, side by side." })
  compare(
    @Arg("runIds", () => [ID], { nullable: true }) runIds: string[] | null,
    @Arg("experimentId", () => ID, { nullable: true }) experimentId: string | null,
    @Ctx() ctx: RequestContext,
  ): Promise<RunComparison[]> {
    requireScope(ctx, "read");
    return this.service.compare({ runIds, experimentId });
  }

  @Subscription(() => [MetricPoint], {
    topics: ({ context }: SubscribeResolverData<unknown, unknown, RequestContext>) => {
      requireScope(context, "read");
      return "METRICS_APPENDED";
    },
    filter: ({ payload, args }: { payload: EventMap["METRICS_APPENDED"][0]; args: { runId: string } }) =>
      payload.runId === args.runId,
    description: "Points of the run as reportMetrics stores them (no duplicates).",
  })
  metricsAppended(
    @Root() payload: EventMap["METRICS_APPENDED"][0],
    @Arg("runId", () => ID) _runId: string,
  ): MetricPoint[] {
    return payload.points.map((p) => ({ ...p, runId: payload.runId }));
  }
}
