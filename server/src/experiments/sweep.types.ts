import "reflect-metadata";
import { GraphQLJSONObject } from "graphql-scalars";
import { Field, Float, InputType, Int, ObjectType, registerEnumType } from "type-graphql";

export enum SweepStrategy {
  /** Every combination. */
  GRID = "grid",
  /** `count` distinct combinations drawn with `seed`. */
  RANDOM = "random",
}
registerEnumType(SweepStrategy, {
  name: "SweepStrategy",
  valuesConfig: {
    GRID: { description: "Every combination of the values." },
    RANDOM: { description: "count distinct combinations, drawn reproducibly with seed." },
  },
});

const parametersDescription =
  '`{ "r": { "values": [4, 8, 16] }, "learningRate": { "values": [1e-4, 3e-4] }, "method": { "values": ["lora", "qlora"] } }`: ' +
  "keys are hyperparameters (HyperparametersInput names), method fields (PEFT key names) or `method`; the first key varies slowest.";

@InputType({
  description:
    "A grid or seeded random sample crossed with every variant: a hyperparameter applies to every run, a method field to the runs whose method has it, a swept `method` replaces the variant's method; duplicate runs are dropped.",
})
export class SweepInput {
  @Field(() => SweepStrategy, { defaultValue: SweepStrategy.GRID })
  strategy!: SweepStrategy;

  @Field(() => GraphQLJSONObject, { description: parametersDescription })
  parameters!: Record<string, unknown>;

  @Field(() => Int, { nullable: true, description: "RANDOM: how many distinct runs to draw." })
  count?: number | null;

  @Field(() => Float, {
    nullable: true,
    description: "RANDOM: the sampler's seed, 0 to 2³²−1 (same seed, same runs); default: drawn and stored.",
  })
  seed?: number | null;
}

/** What an experiment keeps of its sweep (jsonb `experiment.sweep`). */
@ObjectType({ description: "The sweep an experiment's runs were generated from." })
export class Sweep {
  @Field(() => SweepStrategy)
  strategy!: SweepStrategy;

  @Field(() => GraphQLJSONObject, { description: parametersDescription })
  parameters!: Record<string, unknown>;

  @Field(() => Int, { nullable: true })
  count!: number | null;

  @Field(() => Float, { nullable: true })
  seed!: number | null;

  @Field(() => [GraphQLJSONObject], {
    description: "Each variant's own swept method fields (`{}` when none), in variant order.",
  })
  variantParameters!: Record<string, unknown>[];

  @Field(() => [String], {
    description:
      "Every swept field, experiment-wide first: the keys of Run.sweepValues, to group and facet by.",
  })
  fields!: string[];
}

/** One run createExperiment would queue (planExperiment: nothing is stored). */
@ObjectType({ description: "A run createExperiment would queue for the same input." })
export class PlannedRun {
  @Field() name!: string;
  @Field() method!: string;
  @Field(() => GraphQLJSONObject, { description: "The method with every default filled in." })
  methodConfig!: Record<string, unknown>;
  @Field(() => GraphQLJSONObject) hyperparameters!: Record<string, unknown>;
  @Field(() => GraphQLJSONObject, { nullable: true }) sweepValues!: Record<string, unknown> | null;
  @Field(() => Float) trainableParams!: number;
  @Field(() => Float, { description: "Predicted training memory, bytes." }) predictedTotalBytes!: number;
}

@ObjectType({ description: "What createExperiment would create for an input, validated the same way." })
export class ExperimentPlan {
  @Field(() => Int, { description: "Sweep combinations before duplicates were dropped (and sampling)." })
  combinations!: number;
  @Field(() => Sweep, {
    nullable: true,
    description: "The sweep as it would be stored (a drawn seed included).",
  })
  sweep!: Sweep | null;
  @Field(() => [PlannedRun]) runs!: PlannedRun[];
}
