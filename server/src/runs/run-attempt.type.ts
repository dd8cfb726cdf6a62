import "reflect-metadata";
import { Field, ID, Int, ObjectType } from "type-graphql";

/** One attempt of a run: a row of the job table as people see it (read with the runner's name). */
@ObjectType({ description: "One attempt of a run on a runner (a job)." })
export class RunAttempt {
  @Field(() => ID, { description: "The job's id." })
  jobId!: string;

  @Field(() => Int)
  attempt!: number;

  @Field(() => ID)
  runnerId!: string;

  @Field(() => String, { nullable: true })
  runnerName!: string | null;

  @Field({ description: "ASSIGNED, RUNNING, SUCCEEDED, FAILED, CANCELLED, EXPIRED or INTERRUPTED." })
  status!: string;

  @Field(() => String, { nullable: true })
  error!: string | null;

  @Field(() => ID, { nullable: true, description: "The checkpoint this attempt resumed from." })
  resumeArtifactId!: string | null;

  @Field()
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  startedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  finishedAt!: Date | null;

  @Field()
  leaseExpiresAt!: Date;
}
