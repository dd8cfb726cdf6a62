import type { EntityManager } from "typeorm";
import type { PendingEvent } from "../app/events.js";
import { recordStatus } from "../runs/run-status.js";
import { producesBaseModel, updateProducedModel } from "../base-models/base-model.repository.js";
import { BaseModelStatus } from "../base-models/base-model.entity.js";
import { RunKind, RunStatus } from "../runs/run.entity.js";
import { JobStatus } from "../jobs/job.types.js";
import { retryBackoffMs } from "./placement.js";

/** How an attempt ended, as the runner (or the lease sweeper) tells it. */
export type AttemptOutcome =
  | { kind: "succeeded"; result: Record<string, unknown> }
  | { kind: "failed"; error: string; retryable: boolean }
  | { kind: "expired" };

export interface RetryPolicy {
  retryBaseMs: number;
  retryMaxMs: number;
}

export interface AttemptEnd {
  jobStatus: JobStatus;
  runStatus: RunStatus;
  /** To publish after the transaction commits. */
  events: PendingEvent[];
  /** Set when the run went back to QUEUED with a delay: when to wake dispatch again. */
  retryAfterMs: number | null;
}

interface LockedRun {
  id: string;
  status: RunStatus;
  kind: RunKind;
  experiment_id: string | null;
  cancel_requested_at: Date | null;
  cancel_reason: string | null;
  attempt_count: number;
  max_attempts: number;
}

/** Result numbers copied into run columns (the whole result goes to run.result). */
export function resultColumns(result: Record<string, unknown>) {
  const num = (key: string): number | null => {
    const v = result[key];
    return typeof v === "number" && Number.isFinite(v) ? v : null;
  };
  const peak = num("measuredPeakBytes");
  return {
    measuredPeakBytes: peak === null ? null : Math.round(peak),
    finalTrainLoss: num("finalTrainLoss"),
    bestEvalLoss: num("bestEvalLoss"),
    tokensPerSecond: num("tokensPerSecond"),
    // validated by the job service (validateCostProfile) before it gets here
    costProfile: (result.costProfile as Record<string, unknown> | undefined) ?? null,
  };
}

/**
 * Ends one attempt (the job row is the caller's, already checked live) and moves its run on, in the
 * caller's transaction with the run locked: SUCCEEDED (result columns filled; a PRETRAIN or MERGE run's MODEL
 * artifact becomes its base model's weights), CANCELLED when a cancel was requested, back to QUEUED while
 * attempts remain (after a capped backoff for runner-reported failures, at once for an expired lease), or
 * FAILED. Every transition is recorded in run_status_change.
 */
export async function endAttempt(
  m: EntityManager,
  job: { id: string; runId: string; attempt: number; runnerId: string },
  outcome: AttemptOutcome,
  policy: RetryPolicy,
): Promise<AttemptEnd> {
  const runs: LockedRun[] = await m.query(
    `SELECT id, status, kind, experiment_id, cancel_requested_at, cancel_reason, attempt_count, max_attempts
       FROM run WHERE id = $1 FOR UPDATE`,
    [job.runId],
  );
  const run = runs[0]!;
  const cancelled =
    run.cancel_requested_at !== null || (outcome.kind === "succeeded" && outcome.result.cancelled === true);
  const wake: PendingEvent = { topic: "JOBS_WAKE", payload: { runnerId: job.runnerId } };
  const updated: PendingEvent = {
    topic: "RUN_UPDATED",
    payload: { runId: run.id, experimentId: run.experiment_id },
  };
  const error =
    outcome.kind === "failed" ? outcome.error : outcome.kind === "expired" ? "lease expired" : null;

  let jobStatus: JobStatus;
  if (cancelled) jobStatus = JobStatus.CANCELLED;
  else if (outcome.kind === "succeeded") jobStatus = JobStatus.SUCCEEDED;
  else if (outcome.kind === "expired") jobStatus = JobStatus.EXPIRED;
  else jobStatus = JobStatus.FAILED;
  if (outcome.kind !== "expired") {
    await m.query(`UPDATE job SET status = $2, finished_at = now(), error = $3 WHERE id = $1`, [
      job.id,
      jobStatus,
      error,
    ]);
  }

  const live = run.status === RunStatus.ASSIGNED || run.status === RunStatus.RUNNING;
  if (!live) {
    // The run was moved on by someone else (nothing should, while a job is live): leave it as it is.
    return { jobStatus, runStatus: run.status, events: [wake], retryAfterMs: null };
  }

  const events: PendingEvent[] = [updated, wake];
  let runStatus: RunStatus;
  let retryAfterMs: number | null = null;
  if (cancelled) {
    runStatus = RunStatus.CANCELLED;
    const reason = run.cancel_reason ?? "cancelled by the runner";
    await m.query(
      `UPDATE run SET status = 'CANCELLED', status_reason = $2, finished_at = now(), updated_at = now(),
              result = COALESCE($3::jsonb, result)
        WHERE id = $1`,
      [run.id, `cancelled: ${reason}`, outcome.kind === "succeeded" ? JSON.stringify(outcome.result) : null],
    );
    await recordStatus(m, run.id, run.status, runStatus, reason, job.attempt);
  } else if (outcome.kind === "succeeded") {
    runStatus = RunStatus.SUCCEEDED;
    const c = resultColumns(outcome.result);
    await m.query(
      `UPDATE run SET status = 'SUCCEEDED', status_reason = NULL, result = $2::jsonb, measured_peak_bytes = $3,
              final_train_loss = $4, best_eval_loss = $5, tokens_per_second = $6, cost_profile = $7::jsonb,
              error = NULL, finished_at = now(), updated_at = now()
        WHERE id = $1`,
      [
        run.id,
        JSON.stringify(outcome.result),
        c.measuredPeakBytes,
        c.finalTrainLoss,
        c.bestEvalLoss,
        c.tokensPerSecond,
        c.costProfile === null ? null : JSON.stringify(c.costProfile),
      ],
    );
    await recordStatus(m, run.id, run.status, runStatus, null, job.attempt);
  } else {
    const retryable = outcome.kind === "expired" || outcome.retryable;
    const message = error!;
    if (retryable && run.attempt_count < run.max_attempts) {
      runStatus = RunStatus.QUEUED;
      retryAfterMs =
        outcome.kind === "expired"
          ? null
          : retryBackoffMs(job.attempt, policy.retryBaseMs, policy.retryMaxMs);
      const reason = `attempt ${job.attempt} of ${run.max_attempts} ${
        outcome.kind === "expired" ? "lost its runner (lease expired)" : `failed: ${message}`
      }; requeued`;
      await m.query(
        `UPDATE run SET status = 'QUEUED', status_reason = $2, error = $3, updated_at = now(),
                not_before = CASE WHEN $4::int IS NULL THEN NULL ELSE now() + $4::int * interval '1 millisecond' END
          WHERE id = $1`,
        [run.id, reason, message, retryAfterMs],
      );
      await recordStatus(m, run.id, run.status, runStatus, reason, job.attempt);
      events.push({ topic: "RUNS_QUEUED", payload: { runIds: [run.id] } });
    } else {
      runStatus = RunStatus.FAILED;
      const reason = retryable
        ? `failed after ${run.attempt_count} attempts: ${message}`
        : `failed: ${message}`;
      await m.query(
        `UPDATE run SET status = 'FAILED', status_reason = $2, error = $3, finished_at = now(), updated_at = now()
          WHERE id = $1`,
        [run.id, reason, message],
      );
      await recordStatus(m, run.id, run.status, runStatus, reason, job.attempt);
    }
  }

  if (producesBaseModel(run.kind)) {
    if (runStatus === RunStatus.SUCCEEDED) {
      // The last MODEL artifact becomes the weights; without one the model cannot be used.
      const [artifact] = (await m.query(
        `SELECT id FROM artifact WHERE run_id = $1 AND kind = 'MODEL' ORDER BY seq DESC LIMIT 1`,
        [run.id],
      )) as { id: string }[];
      await updateProducedModel(m, run.id, {
        weightsArtifactId: artifact?.id ?? null,
        status: artifact ? BaseModelStatus.READY : BaseModelStatus.FAILED,
      });
    } else if (runStatus === RunStatus.FAILED || runStatus === RunStatus.CANCELLED) {
      await updateProducedModel(m, run.id, { status: BaseModelStatus.FAILED });
    }
  }
  return { jobStatus, runStatus, events, retryAfterMs };
}
