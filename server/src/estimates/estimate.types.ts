import "reflect-metadata";
import { GraphQLJSON, GraphQLJSONObject } from "graphql-scalars";
import { ArgsType, Field, Float, Int, ObjectType } from "type-graphql";

/** Counts and bytes are Float: GraphQL's Int is 32-bit and an 8B model has more parameters than that. */
@ArgsType()
export class EstimateArgs {
  @Field(() => GraphQLJSON, {
    description:
      'A preset name (see modelPresets, e.g. "Llama-3-8B") or a Hugging Face config.json object as it is.',
  })
  model!: unknown;

  @Field(() => GraphQLJSONObject, {
    description:
      '`{ method: "full" | "lora" | "qlora" | "prefix" | "adapter" | "prompt" | "ia3" | "dora", ...fields }` with PEFT\'s key names (see methods); missing fields take PEFT\'s defaults.',
  })
  method!: Record<string, unknown>;

  @Field(() => Int, { defaultValue: 8 })
  batchSize!: number;

  @Field(() => Int, { defaultValue: 512, description: "Tokens per example." })
  seqLen!: number;

  @Field({ defaultValue: "adamw", description: 'One of "adamw", "sgd", "sgd-momentum".' })
  optimizer!: string;

  @Field({
    defaultValue: "float32",
    description:
      "Storage of frozen weights: float32, bfloat16 or float16 (mixed precision: what trains, its gradients, AdamW state and activations stay float32; full fine-tuning needs float32).",
  })
  dtype!: string;

  @Field({ defaultValue: false, description: "Recompute each layer's activations in the backward pass." })
  gradientCheckpointing!: boolean;
}

@ObjectType({ description: "A number of parameters or bytes under a name." })
export class NamedAmount {
  @Field()
  name!: string;

  @Field(() => Float)
  amount!: number;
}

@ObjectType({
  description: "What PEFT's print_trainable_parameters() reports, and where the trainable ones are.",
})
export class ParameterCountsView {
  @Field(() => Float)
  trainable!: number;

  @Field(() => Float, { description: "Base model plus every parameter the method adds, as PEFT counts." })
  total!: number;

  @Field(() => Float)
  trainablePercent!: number;

  @Field(() => Float, { description: "Parameters of the unmodified base model." })
  base!: number;

  @Field(() => [NamedAmount], { description: "Trainable parameters by kind (lora_A, lora_B, …)." })
  byModule!: NamedAmount[];

  @Field({ description: "PEFT's line: `trainable params: … || all params: … || trainable%: …`." })
  peftLine!: string;
}

@ObjectType({ description: "Predicted training memory in bytes, term by term (core/src/memory)." })
export class MemoryBreakdown {
  @Field(() => Float, {
    description: "Weights that do not train (QLoRA: 4-bit codes for the quantised ones).",
  })
  frozenWeights!: number;

  @Field(() => [NamedAmount], { description: "frozenWeights by storage type, e.g. bfloat16, nf4." })
  frozenByDtype!: NamedAmount[];

  @Field(() => Float, { description: "QLoRA's absmax scales (double-quantised) and their constants." })
  quantConstants!: number;

  @Field(() => Float)
  trainableWeights!: number;

  @Field(() => Float)
  gradients!: number;

  @Field(() => Float)
  optimizerState!: number;

  @Field(() => Float)
  activations!: number;

  @Field(() => Float)
  total!: number;

  @Field(() => GraphQLJSONObject, { description: "Where the activation bytes come from, by tensor." })
  activationDetail!: Record<string, unknown>;
}

@ObjectType({ description: "What one method costs on one model, before anything runs." })
export class Estimate {
  @Field(() => GraphQLJSONObject, { description: "The validated model config (config.json field names)." })
  model!: Record<string, unknown>;

  @Field(() => GraphQLJSONObject, { description: "The method with every default filled in." })
  method!: Record<string, unknown>;

  @Field(() => [String], { description: 'Linear kinds the method wraps, e.g. ["q_proj", "v_proj"].' })
  targetModules!: string[];

  @Field(() => ParameterCountsView)
  parameters!: ParameterCountsView;

  @Field(() => MemoryBreakdown)
  memory!: MemoryBreakdown;
}

@ObjectType({
  description: "A model config known by name: tiny ones trained here and well-known public ones.",
})
export class ModelPreset {
  @Field()
  name!: string;

  @Field(() => GraphQLJSONObject, { description: "The Hugging Face config.json." })
  config!: Record<string, unknown>;

  @Field(() => Float, { description: "Parameters of the base model." })
  parameters!: number;

  @Field({ description: "Small enough to pretrain and fine-tune on a CPU runner here." })
  local!: boolean;
}

@ObjectType({ description: "One field of a method config, described well enough to build a form." })
export class MethodFieldInfo {
  @Field({ description: "The key in the method object (PEFT's or the adapters library's name)." })
  name!: string;

  @Field({ description: "integer, number, boolean, enum, string or target_modules." })
  type!: string;

  @Field(() => GraphQLJSON, { nullable: true, description: "The value used when absent; null: derived." })
  default!: unknown;

  @Field(() => Float, { nullable: true })
  min?: number;

  @Field({ nullable: true, description: "When true, min itself is not allowed." })
  exclusiveMin?: boolean;

  @Field(() => Float, { nullable: true })
  max?: number;

  @Field(() => [String], { nullable: true })
  allowed?: string[];

  @Field()
  description!: string;
}

@ObjectType({ description: "A fine-tuning method and its config fields with their defaults." })
export class MethodInfoView {
  @Field({ description: 'The value of `method` in a method object, e.g. "lora".' })
  method!: string;

  @Field()
  name!: string;

  @Field()
  description!: string;

  @Field(() => [MethodFieldInfo])
  fields!: MethodFieldInfo[];

  @Field(() => [NamedAmount], { description: "Fixed numbers of the method, e.g. NF4 block sizes." })
  constants!: NamedAmount[];
}
