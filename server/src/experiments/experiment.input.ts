import "reflect-metadata";
import { GraphQLJSONObject } from "graphql-scalars";
import { Field, Float, ID, InputType, Int } from "type-graphql";
import { DEFAULT_TRAINING_SEED } from "../base-models/preset-seed.js";
import { SweepInput } from "./sweep.types.js";
import { ExperimentKind } from "./experiment.entity.js";

@InputType({ description: "What every run of an experiment shares." })
export class HyperparametersInput {
  @Field(() => Int, { description: "Optimizer steps." })
  steps!: number;

  @Field(() => Float)
  learningRate!: number;

  @Field(() => Int, { description: "Examples per step (before gradient accumulation)." })
  batchSize!: number;

  @Field(() => Int, { description: "Tokens per example." })
  seqLen!: number;

  @Field(() => Int, { defaultValue: DEFAULT_TRAINING_SEED })
  seed!: number;

  @Field(() => Int, { defaultValue: 0, description: "Evaluate every N steps; 0 = at the end only." })
  evalEvery!: number;

  @Field(() => Int, { defaultValue: 0 })
  warmupSteps!: number;

  @Field(() => Int, { defaultValue: 1 })
  gradientAccumulation!: number;

  @Field(() => Int, { defaultValue: 0, description: "Upload a checkpoint every N steps; 0 = never." })
  checkpointEvery!: number;

  @Field(() => [String], { defaultValue: [], description: "Prompts the runner generates from at each eval." })
  samplePrompts!: string[];

  @Field(() => ID, {
    nullable: true,
    description: "General text whose loss before/after measures forgetting.",
  })
  generalDatasetId?: string | null;

  @Field({ defaultValue: false })
  gradientCheckpointing!: boolean;

  @Field({ defaultValue: "adamw", description: 'One of "adamw", "sgd", "sgd-momentum".' })
  optimizer!: string;

  @Field({
    defaultValue: "float32",
    description: "Storage of frozen weights: float32, bfloat16 or float16 (what trains stays float32).",
  })
  dtype!: string;
}

@InputType({ description: "One method to train: becomes one run." })
export class VariantInput {
  @Field(() => String, { nullable: true, description: "Defaults to the method's name." })
  name?: string | null;

  @Field(() => GraphQLJSONObject, {
    nullable: true,
    description:
      '`{ method: "lora", r: 8, … }` with PEFT\'s key names; missing fields take PEFT\'s defaults. With peftConfig, only `{ method: "qlora", bnb_4bit_… }` (train that adapter over an NF4 base).',
  })
  method?: Record<string, unknown> | null;

  @Field(() => GraphQLJSONObject, {
    nullable: true,
    description:
      "A PEFT adapter_config.json (LORA incl. use_dora, rank_pattern, alpha_pattern, layers_to_transform; PREFIX_TUNING, PROMPT_TUNING, IA3) to train instead of `method`; a field Tunelab does not support is an error naming it.",
  })
  peftConfig?: Record<string, unknown> | null;

  @Field(() => [String], { nullable: true, description: "Labels a runner must carry to take this run." })
  requiredLabels?: string[] | null;

  @Field(() => GraphQLJSONObject, {
    nullable: true,
    description:
      'This variant\'s own method fields to sweep, `{ "r": { "values": [4, 8] } }`, crossed with the experiment\'s sweep.',
  })
  sweep?: Record<string, unknown> | null;
}

@InputType()
export class CreateExperimentInput {
  @Field()
  name!: string;

  @Field({ defaultValue: "" })
  description!: string;

  @Field(() => ExperimentKind, {
    defaultValue: ExperimentKind.TRAIN,
    description:
      "PROFILE: each variant trains `steps` steps (5 is plenty) on seeded random tokens of batchSize × seqLen to measure memory and speed; no eval, samples or adapter.",
  })
  kind?: ExperimentKind;

  @Field(() => ID, {
    nullable: true,
    description:
      "The examples to train on; a PROFILE experiment may leave it out (it trains on random tokens).",
  })
  datasetId?: string | null;

  @Field(() => ID)
  baseModelId!: string;

  @Field(() => HyperparametersInput)
  hyperparameters!: HyperparametersInput;

  @Field(() => [VariantInput])
  variants!: VariantInput[];

  @Field(() => SweepInput, {
    nullable: true,
    description: "Turns the variants into a sweep: every variant × every combination (see SweepInput).",
  })
  sweep?: SweepInput | null;
}

@InputType()
export class ExperimentFilter {
  @Field(() => String, { nullable: true, description: "Case-insensitive substring of the name." })
  nameContains?: string | null;
}
