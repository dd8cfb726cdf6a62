import "reflect-metadata";
import { Field, Int, ObjectType } from "type-graphql";

@ObjectType({ description: "How many of an experiment's runs are in each status." })
export class RunStatusCounts {
  @Field(() => Int) queued!: number;
  @Field(() => Int) assigned!: number;
  @Field(() => Int) running!: number;
  @Field(() => Int) succeeded!: number;
  @Field(() => Int) failed!: number;
  @Field(() => Int) cancelled!: number;
  @Field(() => Int) total!: number;
}
