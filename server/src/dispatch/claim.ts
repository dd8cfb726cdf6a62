import type { EntityManager } from "typeorm";
import { returning } from "./sql.js";

/** A job created by a claim, with what is needed to announce it. */
export interface ClaimedJob {
  jobId: string;
  runId: string;
  attempt: number;
  experimentId: string | null;
}

/**
 * Claims up to the runner's free slots of QUEUED runs that fit it, in one transaction (the caller's):
 * the runner row is locked (two claims for one runner cannot both see the same free slot), the runs are
 * picked oldest first with `FOR UPDATE SKIP LOCKED` (concurrent claims for other runners skip them instead
 * of waiting), each becomes ASSIGNED with a new job (attempt = attempt_count + 1, resuming from the run's
 * latest CHECKPOINT) and a status-history row. The partial unique index job_one_live_attempt is the last
 * word: a run can never have two live jobs.
 */
export async function claimRuns(m: EntityManager, runnerId: string, leaseMs: number): Promise<ClaimedJob[]> {
  const runners: {
    labels: string[];
    mem: string;
    max_jobs: number;
    devices: number;
    live: number;
    live_bytes: string;
  }[] = await m.query(
    `SELECT r.labels, r.max_device_memory_bytes AS mem, r.max_jobs,
            greatest(jsonb_array_length(r.devices), 1) AS devices,
            (SELECT count(*)::int FROM job j
              WHERE j.runner_id = r.id AND j.status IN ('ASSIGNED', 'RUNNING')) AS live,
            (SELECT coalesce(sum(u.predicted_total_bytes), 0) FROM job j JOIN run u ON u.id = j.run_id
              WHERE j.runner_id = r.id AND j.status IN ('ASSIGNED', 'RUNNING')) AS live_bytes
       FROM runner r WHERE r.id = $1 AND r.revoked_at IS NULL
        FOR UPDATE OF r`,
    [runnerId],
  );
  const runner = runners[0];
  if (!runner) return [];
  const free = runner.max_jobs - runner.live;
  if (free <= 0) return [];
  const budget = memoryBudget(Number(runner.mem), runner.devices, Number(runner.live_bytes));
  const rows: { job_id: string; run_id: string; attempt: number; experiment_id: string | null }[] =
    await m.query(
      `WITH candidates AS (
         SELECT id, queued_at, seq, predicted_total_bytes FROM run
          WHERE status = 'QUEUED' AND cancel_requested_at IS NULL
            AND (not_before IS NULL OR not_before <= now())
            AND required_labels <@ $2::text[]
            AND predicted_total_bytes <= $3::bigint
          ORDER BY queued_at, seq
          LIMIT $4
            FOR UPDATE SKIP LOCKED
       ), picked AS (
         -- jobs sharing one device share its memory: take runs in queue order while they fit together
         SELECT id FROM (
           SELECT id, sum(predicted_total_bytes) OVER (ORDER BY queued_at, seq) AS together FROM candidates
         ) c WHERE $6::boolean OR together <= $3::bigint
       ), claimed AS (
         UPDATE run SET status = 'ASSIGNED', runner_id = $1, attempt_count = run.attempt_count + 1,
                status_reason = NULL, not_before = NULL, updated_at = now()
           FROM picked WHERE run.id = picked.id
         RETURNING run.id, run.attempt_count, run.experiment_id
       ), jobs AS (
         INSERT INTO job (run_id, attempt, runner_id, status, lease_expires_at, resume_artifact_id)
         SELECT c.id, c.attempt_count, $1, 'ASSIGNED', now() + $5::int * interval '1 millisecond',
                (SELECT a.id FROM artifact a WHERE a.run_id = c.id AND a.kind = 'CHECKPOINT'
                  ORDER BY a.step DESC NULLS LAST, a.seq DESC LIMIT 1)
           FROM claimed c
         RETURNING id, run_id, attempt
       ), history AS (
         INSERT INTO run_status_change (run_id, from_status, to_status, reason, attempt)
         SELECT c.id, 'QUEUED', 'ASSIGNED', 'claimed by runner ' || (SELECT name FROM runner WHERE id = $1),
                c.attempt_count
           FROM claimed c
       )
       SELECT j.id AS job_id, j.run_id, j.attempt, c.experiment_id
         FROM jobs j JOIN claimed c ON c.id = j.run_id`,
      [runnerId, runner.labels, budget.bytes, free, leaseMs, budget.perDevice],
    );
  return rows.map((r) => ({
    jobId: r.job_id,
    runId: r.run_id,
    attempt: r.attempt,
    experimentId: r.experiment_id,
  }));
}

/**
 * How much memory a claim may hand out. A runner with one device (the host's memory, or one GPU) runs its
 * jobs side by side on it: what its live jobs are predicted to use is taken, and the new runs must fit the
 * rest together. With several devices each job gets a device of its own (the largest bounds each run).
 */
export function memoryBudget(
  largestDeviceBytes: number,
  devices: number,
  liveBytes: number,
): { bytes: number; perDevice: boolean } {
  if (devices > 1) return { bytes: largestDeviceBytes, perDevice: true };
  return { bytes: Math.max(0, largestDeviceBytes - liveBytes), perDevice: false };
}

/** Live jobs whose lease ran out, marked EXPIRED (at most `limit`, skipping rows another sweeper holds). */
export async function expireLeases(
  m: EntityManager,
  limit: number,
): Promise<{ id: string; runId: string; runnerId: string; attempt: number }[]> {
  const rows = await returning<{ id: string; run_id: string; runner_id: string; attempt: number }>(
    m,
    `WITH expired AS (
       SELECT id FROM job
        WHERE status IN ('ASSIGNED', 'RUNNING') AND lease_expires_at < now()
        ORDER BY lease_expires_at LIMIT $1
          FOR UPDATE SKIP LOCKED
     )
     UPDATE job SET status = 'EXPIRED', finished_at = now(),
            error = 'lease expired: the runner stopped sending heartbeats'
       FROM expired WHERE job.id = expired.id
     RETURNING job.id, job.run_id, job.runner_id, job.attempt`,
    [limit],
  );
  return rows.map((r) => ({ id: r.id, runId: r.run_id, runnerId: r.runner_id, attempt: r.attempt }));
}

/** The ids of a runner's ASSIGNED/RUNNING jobs, oldest first. */
export async function liveJobIdsOf(m: EntityManager, runnerId: string): Promise<string[]> {
  const rows: { id: string }[] = await m.query(
    `SELECT id FROM job WHERE runner_id = $1 AND status IN ('ASSIGNED', 'RUNNING') ORDER BY seq`,
    [runnerId],
  );
  return rows.map((r) => r.id);
}
