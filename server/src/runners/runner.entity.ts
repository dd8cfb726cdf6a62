import "reflect-metadata";
import { Field, Float, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from "typeorm";
import { bigintAsNumber } from "../db/transformers.js";

export enum RunnerStatus {
  /** Heartbeat within the lease, no live job. */
  ONLINE = "ONLINE",
  /** Heartbeat within the lease and at least one ASSIGNED/RUNNING job. */
  BUSY = "BUSY",
  /** No heartbeat within the lease (or never), or revoked. */
  OFFLINE = "OFFLINE",
}
registerEnumType(RunnerStatus, { name: "RunnerStatus" });

@ObjectType({ description: "A device on a runner host." })
export class RunnerDevice {
  @Field()
  name!: string;

  @Field(() => Float, { description: "Device memory in bytes." })
  memoryBytes!: number;
}

/** A registered runner agent. Authenticated by its own secret, of which only the sha256 is stored. */
@ObjectType({ description: "A runner agent that trains jobs on a host." })
@Entity({ name: "runner" })
export class Runner {
  @Field(() => ID)
  @PrimaryGeneratedColumn("uuid")
  id!: string;

  @Column({ type: "bigint", insert: false, update: false, transformer: bigintAsNumber })
  seq!: number;

  @Field()
  @Column("text")
  name!: string;

  @Field(() => [String], { description: "Placement labels: a run's requiredLabels must all be here." })
  @Column("text", { array: true })
  labels!: string[];

  @Field({ description: "tfjs backend: tfjs-node-gpu, tfjs-node, native, wasm or cpu." })
  @Column("text")
  backend!: string;

  @Field(() => [String], {
    description: "Why faster backends did not load on the host when it registered, one per backend skipped.",
  })
  @Column("text", { name: "backend_skipped", array: true })
  backendSkipped!: string[];

  @Field(() => [RunnerDevice])
  @Column("jsonb")
  devices!: RunnerDevice[];

  @Field(() => Float, { description: "The largest device's memory, in bytes." })
  @Column("bigint", { name: "max_device_memory_bytes", transformer: bigintAsNumber })
  maxDeviceMemoryBytes!: number;

  @Field(() => Float, { nullable: true, description: "Free memory at the last heartbeat, in bytes." })
  @Column("bigint", { name: "free_memory_bytes", nullable: true, transformer: bigintAsNumber })
  freeMemoryBytes!: number | null;

  @Field(() => Int, { description: "How many jobs it runs at once." })
  @Column("integer", { name: "max_jobs" })
  maxJobs!: number;

  @Column("text", { name: "secret_hash" })
  secretHash!: string;

  @Column("uuid", { name: "registration_token_id", nullable: true })
  registrationTokenId!: string | null;

  @Field(() => Date, { nullable: true })
  @Column({ type: "timestamptz", name: "last_heartbeat_at", precision: 3, nullable: true })
  lastHeartbeatAt!: Date | null;

  @Field(() => Date, {
    nullable: true,
    description: "When it said goodbye (a clean stop): OFFLINE from then until its next heartbeat.",
  })
  @Column({ type: "timestamptz", name: "signed_off_at", precision: 3, nullable: true })
  signedOffAt!: Date | null;

  @Field(() => Date, { nullable: true, description: "Set when revoked: its secret no longer works." })
  @Column({ type: "timestamptz", name: "revoked_at", precision: 3, nullable: true })
  revokedAt!: Date | null;

  @Field()
  @CreateDateColumn({ name: "created_at", type: "timestamptz", precision: 3 })
  createdAt!: Date;
}

/** ONLINE/BUSY/OFFLINE from the last heartbeat (or goodbye), the lease and the count of live jobs. */
export function runnerStatus(
  runner: Pick<Runner, "lastHeartbeatAt" | "revokedAt" | "signedOffAt">,
  liveJobs: number,
  leaseMs: number,
  now: Date,
): RunnerStatus {
  if (runner.revokedAt !== null || runner.lastHeartbeatAt === null || runner.signedOffAt !== null)
    return RunnerStatus.OFFLINE;
  if (now.getTime() - runner.lastHeartbeatAt.getTime() >= leaseMs) return RunnerStatus.OFFLINE;
  return liveJobs > 0 ? RunnerStatus.BUSY : RunnerStatus.ONLINE;
}
