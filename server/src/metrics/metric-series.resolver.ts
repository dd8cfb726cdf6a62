import "reflect-metadata";
import { Extensions, FieldResolver, Resolver, Root } from "type-graphql";
import { listCost } from "../app/limits.js";
import { MetricPoint, MetricSeries } from "./metric-point.type.js";
import { pointsOf } from "./series-columns.js";

/** `MetricSeries.points`: the columns as point objects, built only for the clients that ask for them. */
@Resolver(() => MetricSeries)
export class MetricSeriesResolver {
  @Extensions(listCost(1)) // priced by `metrics` (maxPoints per series)
  @FieldResolver(() => [MetricPoint], {
    description:
      "At most maxPoints, sorted by step; first and last kept. The same points as `steps`/`values`/`wallTimesMs`, one object each: the columns are several times cheaper to execute and send.",
  })
  points(@Root() series: MetricSeries): MetricPoint[] {
    return pointsOf(series);
  }
}
