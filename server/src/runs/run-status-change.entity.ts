import "reflect-metadata";
import { Field, Int, ObjectType } from "type-graphql";
import { Column, Entity, PrimaryColumn } from "typeorm";
import { bigintAsNumber } from "../db/transformers.js";
import { RunStatus } from "./run.entity.js";

/** One transition of a run's status: the history `run.statusHistory` shows. */
@ObjectType({ description: "One status transition of a run." })
@Entity({ name: "run_status_change" })
export class RunStatusChange {
  @PrimaryColumn("uuid", { name: "run_id" })
  runId!: string;

  @PrimaryColumn({ type: "bigint", insert: false, update: false, transformer: bigintAsNumber })
  seq!: number;

  @Field(() => RunStatus, { nullable: true, description: "Null for the first (creation) entry." })
  @Column("text", { name: "from_status", nullable: true })
  from!: RunStatus | null;

  @Field(() => RunStatus)
  @Column("text", { name: "to_status" })
  to!: RunStatus;

  @Field(() => String, { nullable: true })
  @Column("text", { nullable: true })
  reason!: string | null;

  @Field(() => Int, { description: "The attempt it belongs to (0 before the first)." })
  @Column("integer", { default: 0 })
  attempt!: number;

  @Field()
  @Column({ type: "timestamptz", precision: 3, default: () => "now()" })
  at!: Date;
}
