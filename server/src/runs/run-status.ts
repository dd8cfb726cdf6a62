import type { EntityManager } from "typeorm";
import type { RunStatus } from "./run.entity.js";

/**
 * Appends one row to a run's status history. Call it in the same transaction that changes `run.status`
 * (user actions here, dispatch for ASSIGNED/RUNNING/SUCCEEDED/FAILED/requeues); `from` is null on creation.
 */
export async function recordStatus(
  m: EntityManager,
  runId: string,
  from: RunStatus | null,
  to: RunStatus,
  reason: string | null = null,
  attempt = 0,
): Promise<void> {
  await m.query(
    `INSERT INTO run_status_change (run_id, from_status, to_status, reason, attempt) VALUES ($1, $2, $3, $4, $5)`,
    [runId, from, to, reason, attempt],
  );
}
