import "reflect-metadata";
import { GraphQLJSONObject } from "graphql-scalars";
import { Field, Float, ID, InputType, Int } from "type-graphql";

@InputType({
  description: "Exactly one of preset or config; hostPath (with config) names a folder on the runners.",
})
export class CreateBaseModelInput {
  @Field()
  name!: string;

  @Field(() => String, { nullable: true, description: 'A core preset name, e.g. "tunelab-tiny".' })
  preset?: string | null;

  @Field(() => GraphQLJSONObject, { nullable: true, description: "A Hugging Face config.json." })
  config?: Record<string, unknown> | null;

  @Field(() => String, { nullable: true, description: "A Hugging Face folder on the runner hosts." })
  hostPath?: string | null;
}

@InputType({
  description: "Trains a base model from random weights on a dataset (a PRETRAIN run, method full).",
})
export class PretrainBaseModelInput {
  @Field()
  name!: string;

  @Field({ description: "The core preset giving the architecture." })
  preset!: string;

  @Field(() => ID)
  datasetId!: string;

  @Field(() => Int)
  steps!: number;

  @Field(() => Float, { defaultValue: 0.001 })
  learningRate!: number;

  @Field(() => Int, { defaultValue: 8 })
  batchSize!: number;

  @Field(() => Int, { defaultValue: 128 })
  seqLen!: number;

  @Field(() => Int, { defaultValue: 42 })
  seed!: number;
}
