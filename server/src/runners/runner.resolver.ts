import "reflect-metadata";
import { Arg, Args, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import { connectionType } from "../api/connection.js";
import type { RequestContext } from "../app/context.js";
import { requireScope } from "../auth/guards.js";
import { RegistrationToken } from "./registration-token.entity.js";
import {
  CreateRegistrationTokenInput,
  CreateRegistrationTokenPayload,
  RegisterRunnerInput,
  RegisterRunnerPayload,
  RunnersArgs,
} from "./runner.input.js";
import { Runner, RunnerStatus } from "./runner.entity.js";
import type { RunnerService } from "./runner.service.js";

export const RunnerConnection = connectionType(Runner);
export const RegistrationTokenConnection = connectionType(RegistrationToken);

@Resolver(() => Runner)
export class RunnerResolver {
  constructor(private readonly service: RunnerService) {}

  @Mutation(() => CreateRegistrationTokenPayload, {
    description: "A token for registering runners; the token and the command to run are shown this once.",
  })
  createRegistrationToken(
    @Arg("input", () => CreateRegistrationTokenInput, {
      nullable: true,
      description: "Omitted: the defaults.",
    })
    input: CreateRegistrationTokenInput | null,
    @Ctx() ctx: RequestContext,
  ) {
    requireScope(ctx, "admin");
    return this.service.createRegistrationToken(input);
  }

  @Query(() => RegistrationTokenConnection, { description: "Registration tokens, newest first." })
  registrationTokens(@Args() args: RunnersArgs, @Ctx() ctx: RequestContext) {
    requireScope(ctx, "admin");
    return this.service.listRegistrationTokens(args);
  }

  @Mutation(() => RegistrationToken, { description: "No runner can register with it any more." })
  revokeRegistrationToken(@Arg("id", () => ID) id: string, @Ctx() ctx: RequestContext) {
    requireScope(ctx, "admin");
    return this.service.revokeRegistrationToken(id);
  }

  @Mutation(() => RegisterRunnerPayload, {
    description: "Registers a runner with a registration token (no other credential needed).",
  })
  registerRunner(@Arg("input") input: RegisterRunnerInput) {
    return this.service.register(input);
  }

  @Query(() => RunnerConnection, { description: "Runners, newest first (revoked ones only when asked)." })
  runners(@Args() args: RunnersArgs, @Ctx() ctx: RequestContext) {
    requireScope(ctx, "read");
    return this.service.list(args);
  }

  @Query(() => Runner)
  runner(@Arg("id", () => ID) id: string, @Ctx() ctx: RequestContext) {
    requireScope(ctx, "read");
    return this.service.get(id);
  }

  @Mutation(() => Runner, { description: "Its secret stops working at once, on open connections too." })
  revokeRunner(@Arg("id", () => ID) id: string, @Ctx() ctx: RequestContext) {
    requireScope(ctx, "admin");
    return this.service.revoke(id);
  }

  @FieldResolver(() => RunnerStatus, {
    description: "OFFLINE without a heartbeat within the lease; else BUSY with a live job, else ONLINE.",
  })
  async status(@Root() runner: Runner, @Ctx() ctx: RequestContext): Promise<RunnerStatus> {
    return this.service.status(runner, await ctx.loaders.runnerLiveJobs(runner.id));
  }

  @FieldResolver(() => Int, { description: "Its ASSIGNED or RUNNING jobs." })
  currentJobs(@Root() runner: Runner, @Ctx() ctx: RequestContext): Promise<number> {
    return ctx.loaders.runnerLiveJobs(runner.id);
  }
}
