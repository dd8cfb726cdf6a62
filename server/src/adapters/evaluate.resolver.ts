import "reflect-metadata";
import { Arg, Ctx, Mutation, Resolver } from "type-graphql";
import type { RequestContext } from "../app/context.js";
import { requireScope } from "../auth/guards.js";
import { Experiment } from "../experiments/experiment.entity.js";
import { EvaluateAdaptersInput } from "./evaluate.input.js";
import type { EvaluationService } from "./evaluate.service.js";

@Resolver()
export class EvaluateResolver {
  constructor(private readonly service: EvaluationService) {}

  @Mutation(() => Experiment, {
    description:
      "Queues an EVALUATION experiment: one EVALUATE run per adapter and one of the base model alone (the " +
      "reference), each measuring eval loss on the dataset's eval split, forgetting on the general set and " +
      "the sample prompts' completions. Nothing trains; the runs compare with training runs (compare).",
  })
  evaluateAdapters(
    @Arg("input") input: EvaluateAdaptersInput,
    @Ctx() ctx: RequestContext,
  ): Promise<Experiment> {
    requireScope(ctx, "read-write");
    return this.service.evaluate(input);
  }
}
