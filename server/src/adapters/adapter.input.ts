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
  @Field({ description: "adapter_config.json or adapter_model.safetensors." })
  name!: string;

  @Field({ description: "The file's bytes, base64." })
  contentBase64!: string;
}

@InputType({ description: "A PEFT adapter folder to import against a registered base model." })
export class ImportAdapterInput {
  @Field(() => ID)
  baseModelId!: string;

  @Field(() => [AdapterFileInput], { description: "adapter_config.json and adapter_model.safetensors." })
  files!: AdapterFileInput[];

  @Field(() => String, {
    nullable: true,
    description: "Where it came from, what it is (up to 2,000 characters).",
  })
  note?: string | null;
}
