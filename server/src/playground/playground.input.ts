import "reflect-metadata";
import { Field, Float, ID, InputType, Int } from "type-graphql";

@InputType({ description: "How tokens are picked; every field has a default (greedy, 64 tokens)." })
export class SamplingInput {
  @Field(() => Float, { defaultValue: 0, description: "0: greedy; up to 5: sampling at this temperature." })
  temperature!: number;

  @Field(() => Int, {
    defaultValue: 0,
    description: "Sample among the k most likely tokens (0: all; ≤ 1000).",
  })
  topK!: number;

  @Field(() => Int, { defaultValue: 64, description: "New tokens per output, 1 to 512." })
  maxTokens!: number;

  @Field(() => Int, { defaultValue: 0, description: "The sampler's seed, 0 to 2³¹ − 1." })
  seed!: number;
}

@InputType({ description: "A prompt for a base model and up to 6 of its adapters (and the base alone)." })
export class StartPlaygroundInput {
  @Field(() => ID)
  baseModelId!: string;

  @Field(() => [ID], { defaultValue: [], description: "0 to 6 adapters of this base model, each once." })
  adapterIds!: string[];

  @Field({ defaultValue: true, description: "Also complete the prompt with the base model alone." })
  includeBase!: boolean;

  @Field({ description: "1 to 4,000 characters." })
  prompt!: string;

  @Field(() => SamplingInput, { nullable: true, description: "Default: greedy, 64 tokens." })
  sampling?: SamplingInput | null;
}

@InputType({ description: "A runner's report of one playground output: its whole text so far." })
export class GenerationInput {
  @Field(() => ID, { nullable: true, description: "The output's adapter; null: the base alone." })
  adapterId?: string | null;

  @Field({ description: "The completion so far (it replaces the stored text)." })
  text!: string;

  @Field(() => Int)
  tokenCount!: number;

  @Field({ description: "No more tokens will come for this output." })
  done!: boolean;

  @Field(() => String, { nullable: true, description: "Why the output stopped early." })
  error?: string | null;
}
