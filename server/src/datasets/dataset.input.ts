import "reflect-metadata";
import { Field, Float, InputType, Int } from "type-graphql";
import { DatasetFormat } from "./dataset.entity.js";

@InputType()
export class CreateDatasetInput {
  @Field()
  name!: string;

  @Field(() => DatasetFormat)
  format!: DatasetFormat;

  @Field({
    description: "The file's text: JSONL lines of {text} or {prompt, completion}, or CSV with that header.",
  })
  content!: string;

  @Field(() => Float, { defaultValue: 0.1, description: "Share of rows held out for eval, in [0, 0.5]." })
  evalFraction!: number;

  @Field(() => Int, { defaultValue: 42, description: "Seed of the train/eval split." })
  splitSeed!: number;
}
