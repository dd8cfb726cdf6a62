import "reflect-metadata";
import { Field, Float, Int, ObjectType } from "type-graphql";

/**
 * What a PROFILE run measured (the engine's run-profile.ts): the peak of its largest step split by what
 * the buffers alive at that moment were, and its speed. The parts sum to peakBytes.
 */
@ObjectType({
  description:
    "A cost profile's measurements: peak memory split into its parts (they sum to peakBytes), ms/step, tokens/s.",
})
export class CostProfile {
  @Field(() => Float, { description: "The largest step's peak of distinct tensor buffers, bytes." })
  peakBytes!: number;

  @Field(() => Float, { description: "Frozen base weights alive at the peak (float or compact storage)." })
  frozenBytes!: number;

  @Field(() => Float, { description: "Trainable variables at the peak (4 B per trainable parameter)." })
  trainableBytes!: number;

  @Field(() => Float, { description: "Gradients alive at the peak." })
  gradientBytes!: number;

  @Field(() => Float, { description: "Optimizer state (AdamW: 8 B per trainable parameter)." })
  optimizerBytes!: number;

  @Field(() => Float, { description: "The rest: activations the tape keeps, temporaries, caches." })
  activationBytes!: number;

  @Field(() => Float, { description: "Mean ms per step after the first (warm-up) step." })
  msPerStep!: number;

  @Field(() => Float, { description: "Loss tokens per second after the first step." })
  tokensPerSecond!: number;

  @Field(() => Int, { description: "Steps trained." })
  steps!: number;

  @Field({
    description: 'The base was a preset with random weights: "random weights: cost only", not quality.',
  })
  randomWeights!: boolean;
}

export const costProfileByteFields = [
  "peakBytes",
  "frozenBytes",
  "trainableBytes",
  "gradientBytes",
  "optimizerBytes",
  "activationBytes",
] as const;
