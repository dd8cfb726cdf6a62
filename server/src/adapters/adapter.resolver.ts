import "reflect-metadata";
import { Arg, Args, Ctx, FieldResolver, Float, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import { ConnectionArgs, connectionType } from "../api/connection.js";
import type { RequestContext } from "../app/context.js";
import { Artifact, ArtifactFile } from "../artifacts/artifact.entity.js";
import { requireScope } from "../auth/guards.js";
import { BaseModel } from "../base-models/base-model.entity.js";
import { Run } from "../runs/run.entity.js";
import { Adapter } from "./adapter.entity.js";
import { AdapterFilter, ImportAdapterInput } from "./adapter.input.js";
import type { AdapterService } from "./adapter.service.js";
import { zipPath } from "./download-zip.route.js";

export const AdapterConnection = connectionType(Adapter);

const finite = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

@Resolver(() => Adapter)
export class AdapterResolver {
  constructor(private readonly service: AdapterService) {}

  @Query(() => Adapter)
  adapter(@Arg("id", () => ID) id: string, @Ctx() ctx: RequestContext): Promise<Adapter> {
    requireScope(ctx, "read");
    return this.service.get(id);
  }

  @Query(() => AdapterConnection, { description: "Adapters, newest first." })
  adapters(
    @Arg("filter", () => AdapterFilter, { nullable: true }) filter: AdapterFilter | null,
    @Args() args: ConnectionArgs,
    @Ctx() ctx: RequestContext,
  ) {
    requireScope(ctx, "read");
    return this.service.list(filter, args);
  }

  @Mutation(() => Adapter, {
    description:
      "Imports a PEFT folder (adapter_config.json + adapter_model.safetensors) for a registered base model. " +
      "Every tensor's name and shape is checked against what the config implies for that model; an error " +
      "names the tensor or the config key, and nothing is stored.",
  })
  importAdapter(@Arg("input") input: ImportAdapterInput, @Ctx() ctx: RequestContext): Promise<Adapter> {
    requireScope(ctx, "read-write");
    return this.service.import(ctx.auth.kind === "apiKey" ? ctx.auth.keyId : "", input);
  }

  @FieldResolver(() => BaseModel)
  async baseModel(@Root() a: Adapter, @Ctx() ctx: RequestContext): Promise<BaseModel> {
    return (await ctx.loaders.people.baseModel.load(a.baseModelId))!;
  }

  @FieldResolver(() => Run, { nullable: true, description: "The run that trained it; null when imported." })
  run(@Root() a: Adapter, @Ctx() ctx: RequestContext): Promise<Run | null> | null {
    return a.runId ? ctx.loaders.people.run.load(a.runId) : null;
  }

  @FieldResolver(() => Artifact, { description: "The artifact holding its files." })
  async artifact(@Root() a: Adapter, @Ctx() ctx: RequestContext): Promise<Artifact> {
    return (await ctx.loaders.people.artifact.load(a.artifactId))!;
  }

  @FieldResolver(() => [ArtifactFile], { description: "adapter_config.json and the weights, with sha256." })
  files(@Root() a: Adapter, @Ctx() ctx: RequestContext): Promise<ArtifactFile[]> {
    return ctx.loaders.people.artifactFiles.load(a.artifactId);
  }

  @FieldResolver(() => String, {
    description:
      "The folder as one zip: GET it with `Authorization: Bearer <read key>` (path on this server).",
  })
  downloadUrl(@Root() a: Adapter): string {
    return zipPath(a.id);
  }

  @FieldResolver(() => Float, { nullable: true, description: "Best eval loss of its run, when known." })
  async evalLoss(@Root() a: Adapter, @Ctx() ctx: RequestContext): Promise<number | null> {
    if (!a.runId) return null;
    return (await ctx.loaders.people.run.load(a.runId))?.bestEvalLoss ?? null;
  }

  @FieldResolver(() => Float, {
    nullable: true,
    description: "General-text loss after − before training (its run's forgetting), when known.",
  })
  async forgettingDelta(@Root() a: Adapter, @Ctx() ctx: RequestContext): Promise<number | null> {
    if (!a.runId) return null;
    const run = await ctx.loaders.people.run.load(a.runId);
    const forgetting = run?.result?.forgetting as Record<string, unknown> | undefined;
    const before = finite(forgetting?.generalLossBefore);
    const after = finite(forgetting?.generalLossAfter);
    return before !== null && after !== null ? after - before : null;
  }
}
