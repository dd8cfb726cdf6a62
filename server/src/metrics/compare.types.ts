import "reflect-metadata";
import { GraphQLJSONObject } from "graphql-scalars";
import { Field, Float, ID, Int, ObjectType } from "type-graphql";
import { RunSample } from "../runs/run-sample.entity.js";
import { RunKind, RunStatus } from "../runs/run.entity.js";

/** One run's row of a comparison: what it cost (predicted and measured) and what it bought. */
@ObjectType({
  description: "One run of a comparison: cost predicted and measured, losses, speed, forgetting.",
})
export class RunComparison {
  @Field(() => ID) runId!: string;
  @Field() name!: string;
  @Field(() => ID, { nullable: true }) experimentId!: string | null;
  @Field(() => RunStatus) status!: RunStatus;
  @Field(() => RunKind, {
    description:
      "TRAIN rows trained their method; EVALUATE rows measured an existing adapter (or the base alone).",
  })
  kind!: RunKind;
  @Field(() => ID, {
    nullable: true,
    description: "The adapter an EVALUATE row measured; null for the base alone.",
  })
  inputAdapterId!: string | null;
  @Field({ description: "The method's name; \"base\" for an evaluation's base-model-alone row." })
  method!: string;
  @Field(() => GraphQLJSONObject, { description: "The method with every default filled in." })
  methodConfig!: Record<string, unknown>;
  @Field(() => GraphQLJSONObject) hyperparameters!: Record<string, unknown>;
  @Field(() => GraphQLJSONObject, { nullable: true, description: "The swept fields of a sweep's run." })
  sweepValues!: Record<string, unknown> | null;
  @Field(() => Float) trainableParams!: number;
  @Field(() => Float) totalParams!: number;
  @Field(() => Float) trainablePercent!: number;
  @Field(() => Float, { description: "core.estimateMemory total, bytes." }) predictedTotalBytes!: number;
  @Field(() => GraphQLJSONObject, { description: "core's MemoryEstimate, term by term (bytes)." })
  predictedMemory!: Record<string, unknown>;
  @Field(() => Float, { nullable: true, description: "Peak tensor bytes the runner measured." })
  measuredPeakBytes!: number | null;
  @Field(() => Float, { nullable: true, description: "measuredPeakBytes / predictedTotalBytes." })
  peakOverPredicted!: number | null;
  @Field(() => Float, { nullable: true }) finalTrainLoss!: number | null;
  @Field(() => Float, { nullable: true }) bestTrainLoss!: number | null;
  @Field(() => Float, { nullable: true }) finalEvalLoss!: number | null;
  @Field(() => Float, { nullable: true }) bestEvalLoss!: number | null;
  @Field(() => Float, { nullable: true }) tokensPerSecond!: number | null;
  @Field(() => Date, {
    nullable: true,
    description: "When the run first started: the origin of 'seconds since start' charts.",
  })
  startedAt!: Date | null;
  @Field(() => Float, { nullable: true, description: "finishedAt − startedAt, ms." }) durationMs!:
    | number
    | null;
  @Field(() => Int, { nullable: true, description: "Last step with a train_loss point." }) steps!:
    | number
    | null;
  @Field(() => GraphQLJSONObject, { nullable: true, description: "The engine's forgetting report." })
  forgetting!: Record<string, unknown> | null;
  @Field(() => Float, { nullable: true, description: "General-text loss after − before (positive: forgot)." })
  forgettingDelta!: number | null;
  @Field(() => [RunSample], { description: "The latest generation for each sample prompt." })
  samples!: RunSample[];
}
