import "reflect-metadata";
import { Field, Float, ID, ObjectType, registerEnumType } from "type-graphql";

/** GraphQL names for core's QUALITY_AXES; the values are core's keys (pareto.test.ts checks they match). */
export enum ParetoQuality {
  FINAL_EVAL_LOSS = "finalEvalLoss",
  BEST_EVAL_LOSS = "bestEvalLoss",
  FORGETTING = "forgetting",
}
registerEnumType(ParetoQuality, {
  name: "ParetoQuality",
  description: "What a run bought (lower is better for each).",
  valuesConfig: {
    FINAL_EVAL_LOSS: { description: "The last eval_loss point." },
    BEST_EVAL_LOSS: { description: "The lowest eval loss." },
    FORGETTING: { description: "General-text loss after − before (compare.forgettingDelta)." },
  },
});

/** GraphQL names for core's cost axes. */
export enum ParetoCost {
  PEAK_MEMORY = "peakMemory",
  TRAINABLE_PARAMS = "trainableParams",
  WALL_TIME = "wallTime",
  TOKENS_PER_SECOND = "tokensPerSecond",
}
registerEnumType(ParetoCost, {
  name: "ParetoCost",
  description: "What a run cost. TOKENS_PER_SECOND is better when higher, so its budget is a floor.",
  valuesConfig: {
    PEAK_MEMORY: { description: "Measured peak memory, bytes." },
    TRAINABLE_PARAMS: { description: "Trainable parameters." },
    WALL_TIME: { description: "finishedAt − startedAt, ms." },
    TOKENS_PER_SECOND: { description: "Training throughput (more is better)." },
  },
});

@ObjectType({ description: "A run as a point: x its cost, y its quality." })
export class ParetoPoint {
  @Field(() => ID) runId!: string;
  @Field() name!: string;
  @Field() method!: string;
  @Field(() => Float, { description: "The cost, in the axis's unit (bytes, parameters, ms, tokens/s)." })
  x!: number;
  @Field(() => Float, { description: "The quality (a loss or a loss difference)." }) y!: number;
  @Field({ description: "No other run is at least as good on both axes and better on one." })
  onFrontier!: boolean;
}

@ObjectType({ description: "A run left out of the view, and why." })
export class ParetoExcluded {
  @Field(() => ID) runId!: string;
  @Field() name!: string;
  @Field() method!: string;
  @Field({ description: 'For example "not finished (running); no eval loss".' }) reason!: string;
}

@ObjectType({
  description:
    "Quality against cost for the runs of a comparison, the frontier and the best within a budget.",
})
export class ParetoView {
  @Field(() => ParetoQuality) quality!: ParetoQuality;
  @Field(() => ParetoCost) cost!: ParetoCost;
  @Field({ description: '"min" or "max": which cost is better.' }) costBetter!: string;
  @Field({ description: '"min" or "max": which quality is better.' }) qualityBetter!: string;
  @Field(() => [ParetoPoint], {
    description: "Every finished run with both values, in the comparison's order.",
  })
  points!: ParetoPoint[];
  @Field(() => [ParetoPoint], { description: "The frontier from the best cost to the worst." })
  frontier!: ParetoPoint[];
  @Field(() => [ParetoExcluded]) excluded!: ParetoExcluded[];
  @Field(() => Float, { nullable: true }) budget!: number | null;
  @Field(() => ParetoPoint, {
    nullable: true,
    description: "The best quality within the budget (ties: the better cost); null with bestReason.",
  })
  best!: ParetoPoint | null;
  @Field(() => String, { nullable: true, description: "Why best is null." }) bestReason!: string | null;
}
