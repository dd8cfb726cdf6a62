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
