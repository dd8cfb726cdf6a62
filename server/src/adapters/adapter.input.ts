import "reflect-metadata";
import { Field, ID, InputType } from "type-graphql";

@InputType({ description: "Every field given narrows the list; none given lists every adapter." })
export class AdapterFilter {
  @Field(() => ID, { nullable: true })
  baseModelId?: string | null;

  @Field(() => String, { nullable: true, description: 'A method name: "lora", "dora", "prefix", …' })
  method?: string | null;

  @Field(() => ID, { nullable: true, description: "Adapters trained by this experiment's runs." })
  experimentId?: string | null;
}

@InputType({ description: "One file of an adapter folder." })
export class AdapterFileInput {
  @Field({
    description:
      "adapter_config.json, and adapter_model.safetensors (PEFT) or adapter.safetensors (a bottleneck adapter in the adapters library's layout).",
  })
  name!: string;

  @Field(() => String, {
    nullable: true,
    description: "The file's bytes, base64 (small files: the GraphQL body limit is 256 KiB).",
  })
  contentBase64?: string | null;

  @Field(() => ID, {
    nullable: true,
    description:
      "Instead of contentBase64: the id POST /uploads answered for the file; used up by this call.",
  })
  uploadId?: string | null;
}

@InputType({
  description:
    "An adapter folder to import against a registered base model: PEFT's, or a bottleneck adapter in the adapters library's layout.",
})
export class ImportAdapterInput {
  @Field(() => ID)
  baseModelId!: string;

  @Field(() => [AdapterFileInput], {
    description: "adapter_config.json and the weights: adapter_model.safetensors or adapter.safetensors.",
  })
  files!: AdapterFileInput[];

  @Field(() => String, {
    nullable: true,
    description: "Where it came from, what it is (up to 2,000 characters).",
  })
  note?: string | null;
}
