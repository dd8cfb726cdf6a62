import "reflect-metadata";
import { Arg, Ctx, Extensions, Query, Resolver } from "type-graphql";
import { fitCost } from "../app/limits.js";
import type { RequestContext } from "../app/context.js";
import { requireScope } from "../auth/guards.js";
import { FIT_LIMITS } from "./fit-input.js";
import type { FitService } from "./fit.service.js";
import { Fit, FitInput, GpuMemorySizeView } from "./fit.types.js";
import { GPU_MEMORY_SIZES } from "./gpu-sizes.js";

/** Like `estimate`, open to anyone while nothing stored is read; a base model or a runner needs a read key. */
@Resolver()
export class FitResolver {
  constructor(private readonly service: FitService) {}

  @Extensions(fitCost)
  @Query(() => Fit, {
    description: `Will it fit? Per method (default: every method), the predicted peak memory of one training step on Tunelab's engine (core's memory model, the same numbers as \`estimate\`) over a grid of batch size × sequence length, whether each fits the budget, and the largest batch that fits per sequence length (searched up to ${FIT_LIMITS.maxBatch}), without and with gradient checkpointing. Bad fields are BAD_USER_INPUT naming them (model.hidden_size, methods[1].r, seqLens[2], budgetBytes).`,
  })
  fit(@Arg("input") input: FitInput, @Ctx() ctx: RequestContext): Promise<Fit> {
    if (input.baseModelId != null || input.runnerId != null) requireScope(ctx, "read");
    return this.service.fit(input);
  }

  @Query(() => [GpuMemorySizeView], {
    description: "Common GPUs and their memory, smallest first: budgets for `fit`.",
  })
  gpuMemorySizes(): GpuMemorySizeView[] {
    return GPU_MEMORY_SIZES.map((g) => ({ ...g }));
  }
}
