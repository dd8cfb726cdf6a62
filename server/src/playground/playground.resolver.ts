import "reflect-metadata";
import {
  Arg,
  Ctx,
  Extensions,
  FieldResolver,
  ID,
  Int,
  Mutation,
  Query,
  Resolver,
  Root,
  type SubscribeResolverData,
  Subscription,
} from "type-graphql";
import type { RequestContext } from "../app/context.js";
import type { EventMap } from "../app/events.js";
import { listCost } from "../app/limits.js";
import { Adapter } from "../adapters/adapter.entity.js";
import { requireRunner, requireScope } from "../auth/guards.js";
import { BaseModel } from "../base-models/base-model.entity.js";
import { Run, RunStatus } from "../runs/run.entity.js";
import { PlaygroundOutput, PlaygroundSession } from "./playground.entity.js";
import { GenerationInput, StartPlaygroundInput } from "./playground.input.js";
import type { PlaygroundService } from "./playground.service.js";
import { playgroundLimits } from "./validate.js";

type SessionEvent = EventMap["PLAYGROUND_UPDATED"][0] | EventMap["RUN_UPDATED"][0];

@Resolver(() => PlaygroundSession)
export class PlaygroundResolver {
  constructor(private readonly service: PlaygroundService) {}

  @Mutation(() => PlaygroundSession, {
    description:
      "Completes a prompt with a base model and up to 6 of its adapters (and the base alone), side by side: " +
      "a GENERATE run is queued and dispatched like any run; follow it with playgroundUpdated.",
  })
  startPlayground(
    @Arg("input", () => StartPlaygroundInput) input: StartPlaygroundInput,
    @Ctx() ctx: RequestContext,
  ): Promise<PlaygroundSession> {
    requireScope(ctx, "read-write");
    return this.service.start(input);
  }

  @Query(() => PlaygroundSession)
  playgroundSession(@Arg("id", () => ID) id: string, @Ctx() ctx: RequestContext): Promise<PlaygroundSession> {
    requireScope(ctx, "read");
    return this.service.get(id);
  }

  @Subscription(() => PlaygroundSession, {
    topics: ({ context }: SubscribeResolverData<unknown, unknown, RequestContext>) => {
      requireScope(context, "read");
      return ["PLAYGROUND_UPDATED", "RUN_UPDATED"];
    },
    filter: ({ payload, args }: { payload: SessionEvent; args: { id: string } }) => payload.runId === args.id,
    description:
      "The session, read fresh, each time its outputs grow (tokens arrive in batches of ~50 ms) or its run's status changes.",
  })
  playgroundUpdated(
    @Root() payload: SessionEvent,
    @Arg("id", () => ID) _id: string,
  ): Promise<PlaygroundSession> {
    return this.service.get(payload.runId);
  }

  @Mutation(() => Int, {
    description:
      "A runner's report of a GENERATE job's outputs: each one's whole text so far (it replaces the last). Returns how many were updated.",
  })
  reportGenerations(
    @Arg("jobId", () => ID) jobId: string,
    @Arg("outputs", () => [GenerationInput]) outputs: GenerationInput[],
    @Ctx() ctx: RequestContext,
  ): Promise<number> {
    return this.service.reportGenerations(requireRunner(ctx), jobId, outputs);
  }

  @FieldResolver(() => BaseModel)
  async baseModel(@Root() s: PlaygroundSession, @Ctx() ctx: RequestContext): Promise<BaseModel> {
    return (await ctx.loaders.people.baseModel.load(s.baseModelId))!;
  }

  @FieldResolver(() => Run, { description: "The GENERATE run that produces the outputs." })
  async run(@Root() s: PlaygroundSession, @Ctx() ctx: RequestContext): Promise<Run> {
    return (await ctx.loaders.people.run.load(s.id))!;
  }

  @FieldResolver(() => RunStatus, { description: "Its run's: QUEUED until a runner takes it, RUNNING, …" })
  async status(@Root() s: PlaygroundSession, @Ctx() ctx: RequestContext): Promise<RunStatus> {
    return (await ctx.loaders.people.run.load(s.id))!.status;
  }

  @FieldResolver(() => String, {
    nullable: true,
    description: "Why it is in its status: waiting for a runner that fits, or the run's error.",
  })
  async statusReason(@Root() s: PlaygroundSession, @Ctx() ctx: RequestContext): Promise<string | null> {
    const run = (await ctx.loaders.people.run.load(s.id))!;
    return run.error ?? run.statusReason;
  }

  @Extensions(listCost(playgroundLimits.adapters + 1)) // at most 6 adapters and the base
  @FieldResolver(() => [PlaygroundOutput], {
    description: "The columns: the base alone first, then each adapter.",
  })
  outputs(@Root() s: PlaygroundSession, @Ctx() ctx: RequestContext): Promise<PlaygroundOutput[]> {
    return ctx.loaders.people.playgroundOutputs.load(s.id);
  }
}

@Resolver(() => PlaygroundOutput)
export class PlaygroundOutputResolver {
  @FieldResolver(() => Adapter, { nullable: true, description: "Null: the base model alone." })
  adapter(@Root() o: PlaygroundOutput, @Ctx() ctx: RequestContext): Promise<Adapter | null> | null {
    return o.adapterId ? ctx.loaders.people.adapter.load(o.adapterId) : null;
  }
}
