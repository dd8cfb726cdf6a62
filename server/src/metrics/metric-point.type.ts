import "reflect-metadata";
import { Extensions, Field, Float, ID, Int, ObjectType } from "type-graphql";
import { listCost } from "../app/limits.js";

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

/** One series of `metrics(...)`: a run's key, downsampled on the server. */
@ObjectType({ description: "One metric series of one run, downsampled on the server." })
export class MetricSeries {
  @Field(() => ID)
  runId!: string;

  @Field()
  key!: string;

  @Field(() => Int, { description: "Points stored for this series before downsampling." })
  totalPoints!: number;

  @Extensions(listCost(1)) // priced by `metrics` (maxPoints per series)
  @Field(() => [MetricPoint], { description: "At most maxPoints, sorted by step; first and last kept." })
  points!: MetricPoint[];
}
