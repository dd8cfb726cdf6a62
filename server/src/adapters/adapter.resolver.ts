import "reflect-metadata";
import {
  Arg,
  Args,
  Ctx,
  Extensions,
  FieldResolver,
  Float,
  ID,
  Mutation,
  Query,
  Resolver,
  Root,
} from "type-graphql";
import { ConnectionArgs, connectionType } from "../api/connection.js";
import type { RequestContext } from "../app/context.js";
import { listCost } from "../app/limits.js";
import { Artifact, ArtifactFile } from "../artifacts/artifact.entity.js";
import { requireScope } from "../auth/guards.js";
import { BaseModel } from "../base-models/base-model.entity.js";
import { Run, RunStatus } from "../runs/run.entity.js";
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

  @FieldResolver(() => [Run], {
    description:
      "The EVALUATE runs that measured it (evaluateAdapters), newest first, at most 50: each an EVALUATION " +
      "experiment's row, with its dataset, eval loss, forgetting and samples.",
  })
  @Extensions(listCost(50))
  evaluations(@Root() a: Adapter, @Ctx() ctx: RequestContext): Promise<Run[]> {
    return ctx.loaders.people.evaluationsOfAdapter.load(a.id);
  }

  @FieldResolver(() => Float, {
    nullable: true,
    description:
      "Best eval loss of the run that trained it; for an imported adapter, that of its newest succeeded " +
      "evaluation (see `evaluations` for which dataset); null until one is known.",
  })
  async evalLoss(@Root() a: Adapter, @Ctx() ctx: RequestContext): Promise<number | null> {
    return (await this.measuredBy(a, ctx))?.bestEvalLoss ?? null;
  }

  @FieldResolver(() => Float, {
    nullable: true,
    description:
      "General-text loss after − before (forgetting): of the run that trained it, or, for an imported " +
      "adapter, of its newest succeeded evaluation given a general set; null until known.",
  })
  async forgettingDelta(@Root() a: Adapter, @Ctx() ctx: RequestContext): Promise<number | null> {
    const forgetting = (await this.measuredBy(a, ctx))?.result?.forgetting as
      | Record<string, unknown>
      | undefined;
    const before = finite(forgetting?.generalLossBefore);
    const after = finite(forgetting?.generalLossAfter);
    return before !== null && after !== null ? after - before : null;
  }

  /** Where an adapter's metrics come from: its training run, else its newest succeeded evaluation. */
  private async measuredBy(a: Adapter, ctx: RequestContext): Promise<Run | null> {
    if (a.runId) return ctx.loaders.people.run.load(a.runId);
    const evaluations = await ctx.loaders.people.evaluationsOfAdapter.load(a.id);
    return evaluations.find((r) => r.status === RunStatus.SUCCEEDED) ?? null;
  }
}
