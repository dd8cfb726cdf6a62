import "reflect-metadata";
import { Field, Float, ID, Int, ObjectType } from "type-graphql";

/** One stored metric value (table metric_point, unique on run, key, step). */
@ObjectType({ description: "One metric value of a run at a training step." })
export class MetricPoint {
  @Field(() => ID)
  runId!: string;

  @Field()
  key!: string;

  @Field(() => Int)
  step!: number;

  @Field(() => Float)
  value!: number;

  @Field(() => Float, { nullable: true, description: "When the runner measured it, ms since the epoch." })
  wallTimeMs?: number | null;
}

/**
 * One series of `metrics(...)`: a run's key, downsampled on the server, held as columns (typed arrays,
 * 20 bytes a point) — the form the finished-series cache keeps and the dashboard reads. `points` (objects)
 * is built from them only when asked (metric-series.resolver.ts).
 */
@ObjectType({ description: "One metric series of one run, downsampled on the server." })
export class MetricSeries {
  @Field(() => ID)
  runId!: string;

  @Field()
  key!: string;

  @Field(() => Int, { description: "Points stored for this series before downsampling." })
  totalPoints!: number;

  @Field(() => [Int], {
    description:
      "Each kept point's step, ascending (at most maxPoints; first and last kept). With `values` and `wallTimesMs`: the points as columns, index by index — the compact form of `points`.",
  })
  steps!: Int32Array;

  @Field(() => [Float], { description: "Each kept point's value (same index as `steps`)." })
  values!: Float64Array;

  @Field(() => [Float], {
    description: "When the runner measured each kept point, ms since the epoch (same index as `steps`).",
  })
  wallTimesMs!: Float64Array;
}
