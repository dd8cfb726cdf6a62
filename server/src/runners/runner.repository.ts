import type { EntityManager } from "typeorm";
import type { PageRequest } from "../api/connection.js";
import { generateSecret, hashSecret } from "../auth/secrets.js";
import { Runner, type RunnerDevice } from "./runner.entity.js";

export interface NewRunner {
  name: string;
  labels: string[];
  backend: string;
  /** Why faster backends did not load (default none). */
  backendSkipped?: string[];
  devices: RunnerDevice[];
  maxJobs: number;
  registrationTokenId: string | null;
}

/** Inserts a runner with a fresh secret; returns the secret (shown once) and the row. */
export async function insertRunner(
  m: EntityManager,
  r: NewRunner,
): Promise<{ runner: Runner; secret: string }> {
  const secret = generateSecret("tlr");
  const saved = await m.save(
    m.create(Runner, {
      ...r,
      backendSkipped: r.backendSkipped ?? [],
      maxDeviceMemoryBytes: Math.max(0, ...r.devices.map((d) => d.memoryBytes)),
      secretHash: hashSecret(secret),
    }),
  );
  return { runner: await m.findOneByOrFail(Runner, { id: saved.id }), secret };
}

export function listRunners(m: EntityManager, page: PageRequest, includeRevoked: boolean): Promise<Runner[]> {
  const q = m
    .createQueryBuilder(Runner, "r")
    .orderBy("r.seq", "DESC")
    .limit(page.first + 1);
  if (!includeRevoked) q.andWhere("r.revoked_at IS NULL");
  if (page.after) q.andWhere("r.seq < :seq", { seq: page.after[0] });
  return q.getMany();
}

export function countRunners(m: EntityManager, includeRevoked: boolean): Promise<number> {
  const q = m.createQueryBuilder(Runner, "r");
  if (!includeRevoked) q.where("r.revoked_at IS NULL");
  return q.getCount();
}

/** Live (ASSIGNED or RUNNING) jobs per runner, for many runners in one query. */
export async function liveJobCounts(m: EntityManager, runnerIds: string[]): Promise<Map<string, number>> {
  if (runnerIds.length === 0) return new Map();
  const rows: { runner_id: string; n: number }[] = await m.query(
    `SELECT runner_id, count(*)::int AS n FROM job
      WHERE runner_id = ANY($1::uuid[]) AND status IN ('ASSIGNED', 'RUNNING') GROUP BY runner_id`,
    [runnerIds],
  );
  return new Map(rows.map((r) => [r.runner_id, r.n]));
}
