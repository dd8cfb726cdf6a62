import "reflect-metadata";
import { Field, ID, InputType, Int } from "type-graphql";

@InputType({
  description:
    "Adapters of one base model to measure on a dataset's eval split: eval loss, forgetting on a general set, samples.",
})
export class EvaluateAdaptersInput {
  @Field(() => [ID], { description: "1 to 16 adapters, all of one base model." })
  adapterIds!: string[];

  @Field(() => ID, { description: "Its EVAL rows are what the loss is measured on." })
  datasetId!: string;

  @Field(() => ID, { nullable: true, description: "General text: loss without and with each adapter." })
  generalDatasetId?: string | null;

  @Field(() => [String], { defaultValue: [], description: "Prompts each adapter completes (greedy)." })
  samplePrompts!: string[];

  @Field(() => String, { nullable: true, description: 'Default: "Evaluate 3 adapters on <dataset>".' })
  name?: string | null;

  @Field(() => Int, { defaultValue: 8, description: "Eval examples per forward pass." })
  batchSize!: number;

  @Field(() => Int, {
    nullable: true,
    description:
      "Tokens per example (longer ones are cut). Default 256, or the base's max_position_embeddings.",
  })
  seqLen?: number | null;
}
