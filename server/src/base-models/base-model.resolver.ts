import "reflect-metadata";
import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import { ConnectionArgs, connectionType } from "../api/connection.js";
import type { RequestContext } from "../app/context.js";
import { Adapter } from "../adapters/adapter.entity.js";
import { Artifact } from "../artifacts/artifact.entity.js";
import { artifactZipPath } from "../artifacts/artifact.resolver.js";
import { requireScope } from "../auth/guards.js";
import { Run } from "../runs/run.entity.js";
import { BaseModel } from "./base-model.entity.js";
import { CreateBaseModelInput, PretrainBaseModelInput } from "./base-model.input.js";
import type { BaseModelService } from "./base-model.service.js";

export const BaseModelConnection = connectionType(BaseModel);

@Resolver(() => BaseModel)
export class BaseModelResolver {
  constructor(private readonly service: BaseModelService) {}

  @Mutation(() => BaseModel, {
    description: "Registers a model from a core preset, a config.json or a host folder.",
  })
  createBaseModel(@Arg("input") input: CreateBaseModelInput, @Ctx() ctx: RequestContext): Promise<BaseModel> {
    requireScope(ctx, "read-write");
    return this.service.create(input);
  }

  @Mutation(() => BaseModel, {
    description:
      "A PENDING base model and its QUEUED PRETRAIN run; READY with the run's weights when it succeeds.",
  })
  pretrainBaseModel(
    @Arg("input") input: PretrainBaseModelInput,
    @Ctx() ctx: RequestContext,
  ): Promise<BaseModel> {
    requireScope(ctx, "read-write");
    return this.service.pretrain(input);
  }

  @Mutation(() => BaseModel, {
    description:
      "Merges a LoRA, QLoRA, DoRA or IA3 adapter into its base model's weights: a PENDING base model (source MERGED) and its QUEUED MERGE run; READY with the merged Hugging Face folder (downloadUrl) when the run succeeds.",
  })
  mergeAdapter(
    @Arg("adapterId", () => ID) adapterId: string,
    @Arg("name", { description: "The merged model's name (unique among base models)." }) name: string,
    @Ctx() ctx: RequestContext,
  ): Promise<BaseModel> {
    requireScope(ctx, "read-write");
    return this.service.merge(adapterId, name);
  }

  @Query(() => BaseModel)
  baseModel(@Arg("id", () => ID) id: string, @Ctx() ctx: RequestContext): Promise<BaseModel> {
    requireScope(ctx, "read");
    return this.service.get(id);
  }

  @Query(() => BaseModelConnection, { description: "Base models, newest first." })
  baseModels(@Args() args: ConnectionArgs, @Ctx() ctx: RequestContext) {
    requireScope(ctx, "read");
    return this.service.list(args);
  }

  @FieldResolver(() => Run, { nullable: true, description: "The PRETRAIN run producing it." })
  pretrainRun(@Root() b: BaseModel, @Ctx() ctx: RequestContext): Promise<Run | null> | null {
    return b.pretrainRunId ? ctx.loaders.people.run.load(b.pretrainRunId) : null;
  }

  @FieldResolver(() => Adapter, { nullable: true, description: "MERGED: the adapter merged into its base." })
  mergedFromAdapter(@Root() b: BaseModel, @Ctx() ctx: RequestContext): Promise<Adapter | null> | null {
    return b.mergedAdapterId ? ctx.loaders.people.adapter.load(b.mergedAdapterId) : null;
  }

  @FieldResolver(() => Run, { nullable: true, description: "MERGED: the MERGE run producing it." })
  mergeRun(@Root() b: BaseModel, @Ctx() ctx: RequestContext): Promise<Run | null> | null {
    return b.mergeRunId ? ctx.loaders.people.run.load(b.mergeRunId) : null;
  }

  @FieldResolver(() => String, {
    nullable: true,
    description:
      "Its weights as a Hugging Face folder in one zip (config.json, model.safetensors, tokenizer), once it has them: GET with `Authorization: Bearer <read key>`.",
  })
  downloadUrl(@Root() b: BaseModel): string | null {
    return b.weightsArtifactId ? artifactZipPath(b.weightsArtifactId) : null;
  }

  @FieldResolver(() => Artifact, { nullable: true, description: "The MODEL artifact with its weights." })
  weights(@Root() b: BaseModel, @Ctx() ctx: RequestContext): Promise<Artifact | null> | null {
    return b.weightsArtifactId ? ctx.loaders.people.artifact.load(b.weightsArtifactId) : null;
  }
}
