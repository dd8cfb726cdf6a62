import "reflect-metadata";
import { ArgsType, Field, InputType, ObjectType } from "type-graphql";
import { ConnectionArgs } from "../api/connection.js";
import { ApiKey, ApiKeyScope } from "./api-key.entity.js";

@InputType()
export class CreateApiKeyInput {
  @Field({ description: "What the key is for (1 to 100 characters), e.g. 'dashboard' or 'ci'." })
  name!: string;

  @Field(() => ApiKeyScope, { defaultValue: ApiKeyScope.READ })
  scope!: ApiKeyScope;
}

@ObjectType()
export class CreateApiKeyPayload {
  @Field({ description: "The key itself (tlk_…). Shown this once: only its sha256 is stored." })
  key!: string;

  @Field(() => ApiKey)
  apiKey!: ApiKey;
}

@ArgsType()
export class ApiKeysArgs extends ConnectionArgs {
  @Field({ defaultValue: false })
  includeRevoked!: boolean;
}
