import "reflect-metadata";
import { GraphQLJSON, GraphQLJSONObject } from "graphql-scalars";
import { Extensions, Field, Float, ID, InputType, Int, ObjectType } from "type-graphql";
import { listCost } from "../app/limits.js";

/** What the fit page and scripts say about every figure: whose memory they are. */
export const FIGURES_ARE_FOR =
  "Peak memory of one training step on Tunelab's engine (runner/src/engine) as core's memory model predicts it (the same numbers as the estimate query): float32 compute, frozen weights stored per dtype, QLoRA's base in NF4. Other frameworks (PyTorch with bitsandbytes, …) use memory differently.";

@InputType({
  description:
    "A model (model or baseModelId), a budget (budgetBytes or runnerId) and the grid to predict. Lists are bounded (see each field).",
})
export class FitInput {
  @Field(() => GraphQLJSON, {
    nullable: true,
    description: 'A preset name (see modelPresets, e.g. "Llama-3-8B") or a Hugging Face config.json object.',
  })
  model?: unknown;

  @Field(() => ID, { nullable: true, description: "A registered base model's config (needs a read key)." })
  baseModelId?: string | null;

  @Field(() => Float, { nullable: true, description: "The memory budget in bytes (a positive number)." })
  budgetBytes?: number | null;

  @Field(() => ID, {
    nullable: true,
    description: "A registered runner whose largest device is the budget (needs a read key).",
  })
  runnerId?: string | null;

  @Field(() => [GraphQLJSONObject], {
    nullable: true,
    description:
      "Method objects as `estimate` takes them (at most 8). Default: every method of `methods` with its defaults.",
  })
  methods?: Record<string, unknown>[] | null;

  @Field(() => [Int], {
    nullable: true,
    description: "Batch sizes of the grid: 1 to 6 distinct values, each 1 to 4096. Default 1, 4, 16, 64.",
  })
  batchSizes?: number[] | null;

  @Field(() => [Int], {
    nullable: true,
    description:
      "Sequence lengths of the grid: 1 to 4 distinct values, each at most the model's max_position_embeddings. Default: the three largest powers of two up to min(max_position_embeddings, 4096).",
  })
  seqLens?: number[] | null;

  @Field({ defaultValue: "adamw", description: 'One of "adamw", "sgd", "sgd-momentum".' })
  optimizer!: string;

  @Field({
    defaultValue: "float32",
    description:
      "Storage of frozen weights: float32, bfloat16 or float16. Full fine-tuning trains every weight and stays float32 (its `dtype` says so).",
  })
  dtype!: string;
}

@ObjectType({ description: "A GPU people commonly train on and its memory as sold." })
export class GpuMemorySizeView {
  @Field({ description: 'e.g. "A100 80 GB".' })
  name!: string;

  @Field(() => Float, {
    description: "Nominal memory in bytes (vendors' GB are GiB); a little less is usable.",
  })
  memoryBytes!: number;
}

@ObjectType({ description: "One batch size at one sequence length." })
export class FitCell {
  @Field(() => Int)
  batchSize!: number;

  @Field(() => Float, { description: "Predicted peak bytes: `estimate`'s memory.total for the same inputs." })
  peakBytes!: number;

  @Field({ description: "peakBytes <= budgetBytes." })
  fits!: boolean;
}

@ObjectType({ description: "One sequence length: the grid's cells and the largest batch within the budget." })
export class FitRow {
  @Field(() => Int)
  seqLen!: number;

  @Extensions(listCost(1)) // priced by `fit` from its arguments (fitCost)
  @Field(() => [FitCell], {
    description: "One per batch size, in the order of Fit.batchSizes; empty when unavailable.",
  })
  cells!: FitCell[];

  @Field(() => String, {
    nullable: true,
    description: "Why the method cannot train at this sequence length (e.g. prompt tuning's virtual tokens).",
  })
  unavailable!: string | null;

  @Field(() => Int, {
    nullable: true,
    description:
      "The largest batch size (any integer up to Fit.maxSearchBatch) that fits; null when batch 1 does not.",
  })
  largestBatch!: number | null;

  @Field(() => Float, { nullable: true, description: "Predicted peak at largestBatch." })
  largestBatchPeakBytes!: number | null;

  @Field(() => Float, {
    nullable: true,
    description: "Predicted peak at largestBatch + 1 (over the budget); null when largestBatch is the cap.",
  })
  nextBatchPeakBytes!: number | null;

  @Field({ description: "largestBatch is Fit.maxSearchBatch: larger batches were not tried." })
  reachedCap!: boolean;
}

@ObjectType({ description: "A method's grid at one gradient-checkpointing setting." })
export class FitGrid {
  @Field()
  gradientCheckpointing!: boolean;

  @Extensions(listCost(1)) // priced by `fit` from its arguments (fitCost)
  @Field(() => [FitRow], { description: "One per sequence length, in the order of Fit.seqLens." })
  rows!: FitRow[];
}

@ObjectType({ description: "What one method needs over the grid, without and with gradient checkpointing." })
export class FitMethod {
  @Field(() => GraphQLJSONObject, { description: "The method with every default filled in." })
  method!: Record<string, unknown>;

  @Field({ description: 'The method\'s name, e.g. "LoRA".' })
  name!: string;

  @Field({ description: "The dtype its figures use (full fine-tuning: always float32)." })
  dtype!: string;

  @Field(() => String, { nullable: true, description: "Why dtype differs from the one asked, if it does." })
  note!: string | null;

  @Field(() => Float)
  trainableParameters!: number;

  @Field(() => FitGrid)
  withoutCheckpointing!: FitGrid;

  @Field(() => FitGrid, {
    description: "The same grid with each layer's activations recomputed in the backward.",
  })
  withCheckpointing!: FitGrid;
}

@ObjectType({
  description: "Which methods fit a memory budget, over a grid of batch size × sequence length.",
})
export class Fit {
  @Field({
    description: "Whose memory the figures are: Tunelab's engine, as core's memory model predicts it.",
  })
  figuresFor!: string;

  @Field(() => GraphQLJSONObject, { description: "The validated model config (config.json field names)." })
  model!: Record<string, unknown>;

  @Field(() => String, {
    nullable: true,
    description: "The preset's or base model's name; null for a config.json.",
  })
  modelName!: string | null;

  @Field(() => Float, { description: "Parameters of the base model." })
  parameters!: number;

  @Field(() => Float)
  budgetBytes!: number;

  @Field({ description: 'Where the budget came from, e.g. "typed" or "runner gpu-1: cuda:0".' })
  budgetSource!: string;

  @Field()
  optimizer!: string;

  @Field()
  dtype!: string;

  @Field(() => [Int])
  batchSizes!: number[];

  @Field(() => [Int])
  seqLens!: number[];

  @Field(() => Int, { description: "The largest batch size the search for FitRow.largestBatch tries." })
  maxSearchBatch!: number;

  @Extensions(listCost(1)) // priced by `fit` from its arguments (fitCost)
  @Field(() => [FitMethod])
  methods!: FitMethod[];
}
