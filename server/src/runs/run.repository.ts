import type { EntityManager } from "typeorm";
import type { CursorKey, PageRequest } from "../api/connection.js";
import { type ListOrder, seqOrder } from "./list-order.js";
import { Artifact, ArtifactFile } from "../artifacts/artifact.entity.js";
import type { RunAttempt } from "./run-attempt.type.js";
import { RunSample } from "./run-sample.entity.js";
import { RunStatusChange } from "./run-status-change.entity.js";
import { Run, type RunStatus } from "./run.entity.js";

/** Queries over runs and what hangs off them; each takes the EntityManager of a Database.read/write. */

export type NewRun = Pick<
  Run,
  | "experimentId"
  | "kind"
  | "name"
  | "baseModelId"
  | "datasetId"
  | "method"
  | "methodConfig"
  | "hyperparameters"
  | "requiredLabels"
  | "status"
  | "trainableParams"
  | "totalParams"
  | "predictedTotalBytes"
  | "predicted"
> &
  Partial<Pick<Run, "sweepValues" | "inputAdapterId">>;

export async function insertRuns(m: EntityManager, runs: NewRun[]): Promise<string[]> {
  if (runs.length === 0) return [];
  const result = await m
    .createQueryBuilder()
    .insert()
    .into(Run)
    .values(runs as never)
    .returning(["id"])
    .execute();
  return (result.raw as { id: string }[]).map((r) => r.id);
}

export function findRun(m: EntityManager, id: string): Promise<Run | null> {
  return m.findOneBy(Run, { id });
}

/** The run, locked until the transaction ends (user transitions race with dispatch). */
export function lockRun(m: EntityManager, id: string): Promise<Run | null> {
  return m.createQueryBuilder(Run, "r").setLock("pessimistic_write").where("r.id = :id", { id }).getOne();
}

export function lockRunsOfExperiment(m: EntityManager, experimentId: string): Promise<Run[]> {
  return m
    .createQueryBuilder(Run, "r")
    .setLock("pessimistic_write")
    .where("r.experiment_id = :experimentId", { experimentId })
    .orderBy("r.seq")
    .getMany();
}

export interface RunFilterValues {
  experimentId?: string | null;
  status?: RunStatus | null;
}

/** Newest (default) or oldest first; the cursor key is [seq]. */
export function runCursorKey(r: Run): CursorKey {
  return [r.seq];
}

function filtered(m: EntityManager, filter: RunFilterValues) {
  const q = m.createQueryBuilder(Run, "r").where("true");
  if (filter.experimentId) q.andWhere("r.experiment_id = :e", { e: filter.experimentId });
  if (filter.status) q.andWhere("r.status = :s", { s: filter.status });
  return q;
}

export function listRuns(
  m: EntityManager,
  page: PageRequest,
  filter: RunFilterValues,
  order?: ListOrder | null,
): Promise<Run[]> {
  const { direction, after } = seqOrder(order);
  const q = filtered(m, filter)
    .orderBy("r.seq", direction)
    .limit(page.first + 1);
  if (page.after) q.andWhere(`r.seq ${after} :seq`, { seq: page.after[0] });
  return q.getMany();
}

export function countRuns(m: EntityManager, filter: RunFilterValues): Promise<number> {
  return filtered(m, filter).getCount();
}

/** The live (ASSIGNED/RUNNING) job of a run, if any. */
export async function liveJobOf(
  m: EntityManager,
  runId: string,
): Promise<{ id: string; runnerId: string } | null> {
  const rows: { id: string; runner_id: string }[] = await m.query(
    `SELECT id, runner_id FROM job WHERE run_id = $1 AND status IN ('ASSIGNED', 'RUNNING')`,
    [runId],
  );
  return rows[0] ? { id: rows[0].id, runnerId: rows[0].runner_id } : null;
}

// Batched reads for the per-request loaders: one query for many keys, grouped in key order.

function group<K, T>(keys: readonly K[], rows: T[], keyOf: (row: T) => K): T[][] {
  const by = new Map<K, T[]>(keys.map((k) => [k, []]));
  for (const row of rows) by.get(keyOf(row))?.push(row);
  return keys.map((k) => by.get(k) ?? []);
}

export async function runsOfExperiments(m: EntityManager, ids: readonly string[]): Promise<Run[][]> {
  const rows = await m
    .createQueryBuilder(Run, "r")
    .where("r.experiment_id = ANY(:ids)", { ids })
    .orderBy("r.seq")
    .getMany();
  return group(ids, rows, (r) => r.experimentId!);
}

export async function statusHistoryOf(
  m: EntityManager,
  ids: readonly string[],
): Promise<RunStatusChange[][]> {
  const rows = await m
    .createQueryBuilder(RunStatusChange, "c")
    .where("c.run_id = ANY(:ids)", { ids })
    .orderBy("c.seq")
    .getMany();
  return group(ids, rows, (r) => r.runId);
}

export async function attemptsOf(m: EntityManager, ids: readonly string[]): Promise<RunAttempt[][]> {
  const rows: (RunAttempt & { runId: string })[] = await m.query(
    `SELECT j.run_id AS "runId", j.id AS "jobId", j.attempt, j.runner_id AS "runnerId", r.name AS "runnerName",
            j.status, j.error, j.resume_artifact_id AS "resumeArtifactId", j.created_at AS "createdAt",
            j.started_at AS "startedAt", j.finished_at AS "finishedAt", j.lease_expires_at AS "leaseExpiresAt"
       FROM job j LEFT JOIN runner r ON r.id = j.runner_id
      WHERE j.run_id = ANY($1) ORDER BY j.run_id, j.attempt`,
    [ids],
  );
  return group(ids, rows, (r) => r.runId);
}

export async function samplesOf(m: EntityManager, ids: readonly string[]): Promise<RunSample[][]> {
  const rows = await m
    .createQueryBuilder(RunSample, "s")
    .where("s.run_id = ANY(:ids)", { ids })
    .orderBy("s.step")
    .addOrderBy("s.seq")
    .getMany();
  return group(ids, rows, (r) => r.runId);
}

export async function metricKeysOf(m: EntityManager, ids: readonly string[]): Promise<string[][]> {
  const rows: { run_id: string; key: string }[] = await m.query(
    `SELECT DISTINCT run_id, key FROM metric_point WHERE run_id = ANY($1) ORDER BY run_id, key`,
    [ids],
  );
  return group(ids, rows, (r) => r.run_id).map((rs) => rs.map((r) => r.key));
}

/** The newest ADAPTER or MODEL artifact of each run (what people download). */
export async function outputArtifactsOf(
  m: EntityManager,
  ids: readonly string[],
): Promise<(Artifact | null)[]> {
  const rows = await m
    .createQueryBuilder(Artifact, "a")
    .distinctOn(["a.run_id"])
    .where("a.run_id = ANY(:ids)", { ids })
    .andWhere("a.kind IN ('ADAPTER', 'MODEL')")
    .orderBy("a.run_id")
    .addOrderBy("a.seq", "DESC")
    .getMany();
  return group(ids, rows, (r) => r.runId).map((rs) => rs[0] ?? null);
}

export async function artifactsOfRuns(m: EntityManager, ids: readonly string[]): Promise<Artifact[][]> {
  const rows = await m
    .createQueryBuilder(Artifact, "a")
    .where("a.run_id = ANY(:ids)", { ids })
    .orderBy("a.seq")
    .getMany();
  return group(ids, rows, (r) => r.runId);
}

export async function filesOfArtifacts(m: EntityManager, ids: readonly string[]): Promise<ArtifactFile[][]> {
  const rows = await m
    .createQueryBuilder(ArtifactFile, "f")
    .where("f.artifact_id = ANY(:ids)", { ids })
    .orderBy("f.name")
    .getMany();
  return group(ids, rows, (r) => r.artifactId);
}

export async function statusCountsOf(
  m: EntityManager,
  ids: readonly string[],
): Promise<{ experimentId: string; status: RunStatus; count: number }[][]> {
  const rows: { experiment_id: string; status: RunStatus; count: string }[] = await m.query(
    `SELECT experiment_id, status, count(*) AS count FROM run WHERE experiment_id = ANY($1)
      GROUP BY experiment_id, status`,
    [ids],
  );
  return group(
    ids,
    rows.map((r) => ({ experimentId: r.experiment_id, status: r.status, count: Number(r.count) })),
    (r) => r.experimentId,
  );
}
