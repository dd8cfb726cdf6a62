import "reflect-metadata";
import { Field, ID, InputType } from "type-graphql";
import { RunStatus } from "./run.entity.js";

@InputType()
export class RunFilter {
  @Field(() => ID, { nullable: true })
  experimentId?: string | null;

  @Field(() => RunStatus, { nullable: true })
  status?: RunStatus | null;
}
