import "reflect-metadata";
import { Arg, Args, Ctx, ID, Mutation, Query, Resolver } from "type-graphql";
import { connectionType } from "../api/connection.js";
import type { RequestContext } from "../app/context.js";
import { ApiKey } from "./api-key.entity.js";
import { ApiKeysArgs, CreateApiKeyInput, CreateApiKeyPayload } from "./api-key.input.js";
import type { ApiKeyService } from "./api-key.service.js";
import { requireScope } from "./guards.js";

export const ApiKeyConnection = connectionType(ApiKey);

@Resolver(() => ApiKey)
export class ApiKeyResolver {
  constructor(private readonly service: ApiKeyService) {}

  @Mutation(() => CreateApiKeyPayload, {
    description: "A new API key; the key is in the answer, only this once.",
  })
  createApiKey(@Arg("input") input: CreateApiKeyInput, @Ctx() ctx: RequestContext) {
    requireScope(ctx, "admin");
    return this.service.create(input);
  }

  @Query(() => ApiKeyConnection, { description: "API keys, newest first (revoked ones only when asked)." })
  apiKeys(@Args() args: ApiKeysArgs, @Ctx() ctx: RequestContext) {
    requireScope(ctx, "admin");
    return this.service.list(args);
  }

  @Mutation(() => ApiKey, { description: "Revokes a key at once, on open connections too." })
  revokeApiKey(@Arg("id", () => ID) id: string, @Ctx() ctx: RequestContext) {
    requireScope(ctx, "admin");
    return this.service.revoke(id, ctx.auth.kind === "apiKey" ? ctx.auth.keyId : undefined);
  }
}
