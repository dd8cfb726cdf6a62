import "reflect-metadata";
import { Field, Float, ID, InputType, Int } from "type-graphql";
import { DatasetFormat } from "./dataset.entity.js";

@InputType()
export class CreateDatasetInput {
  @Field()
  name!: string;

  @Field(() => DatasetFormat)
  format!: DatasetFormat;

  @Field(() => String, {
    nullable: true,
    description:
      "The file's text: JSONL lines of {text} or {prompt, completion}, or CSV with that header. Inline content " +
      "must fit the GraphQL body limit (256 KiB); a larger file goes to POST /uploads and is given as contentUploadId.",
  })
  content?: string | null;

  @Field(() => ID, {
    nullable: true,
    description:
      "Instead of content: the id POST /uploads answered for the file (UTF-8); used up by this call.",
  })
  contentUploadId?: string | null;

  @Field(() => Float, { defaultValue: 0.1, description: "Share of rows held out for eval, in [0, 0.5]." })
  evalFraction!: number;

  @Field(() => Int, { defaultValue: 42, description: "Seed of the train/eval split." })
  splitSeed!: number;
}
