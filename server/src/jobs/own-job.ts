import type { EntityManager } from "typeorm";
import { codedError, ErrorCode, notFoundError } from "../api/errors.js";
import type { RunKind } from "../runs/run.entity.js";
import { JobStatus } from "./job.types.js";
import { requireId } from "./validate.js";

/** A job as the runner protocol checks it: whose it is, whether it is live, what its run is. */
export interface OwnJob {
  id: string;
  runId: string;
  runnerId: string;
  status: JobStatus;
  attempt: number;
  kind: RunKind;
  method: string;
  experimentId: string | null;
  datasetId: string | null;
  generalDatasetId: string | null;
}

const live = new Set<string>([JobStatus.ASSIGNED, JobStatus.RUNNING]);

/** The job, checked to be the runner's (and live when asked), optionally locked for the transaction. */
export async function findOwnJob(
  m: EntityManager,
  runnerId: string,
  jobId: string,
  lock: "update" | "share" | null,
  mustBeLive: boolean,
): Promise<OwnJob> {
  requireId(jobId, "jobId");
  const rows: {
    id: string;
    run_id: string;
    runner_id: string;
    status: JobStatus;
    attempt: number;
    kind: RunKind;
    method: string;
    experiment_id: string | null;
    dataset_id: string | null;
    general_dataset_id: string | null;
  }[] = await m.query(
    `SELECT j.id, j.run_id, j.runner_id, j.status, j.attempt, r.kind, r.method, r.experiment_id, r.dataset_id,
            e.general_dataset_id
       FROM job j JOIN run r ON r.id = j.run_id LEFT JOIN experiment e ON e.id = r.experiment_id
      WHERE j.id = $1 ${lock === "update" ? "FOR UPDATE OF j" : lock === "share" ? "FOR SHARE OF j" : ""}`,
    [jobId],
  );
  const row = rows[0];
  if (!row) throw notFoundError("job", jobId);
  if (row.runner_id !== runnerId) {
    throw codedError(ErrorCode.FORBIDDEN, `job ${jobId} belongs to another runner`, { field: "jobId" });
  }
  if (mustBeLive && !live.has(row.status)) {
    throw codedError(ErrorCode.CONFLICT, `job ${jobId} is ${row.status}: it no longer accepts reports`, {
      field: "jobId",
      status: row.status,
    });
  }
  return {
    id: row.id,
    runId: row.run_id,
    runnerId: row.runner_id,
    status: row.status,
    attempt: row.attempt,
    kind: row.kind,
    method: row.method,
    experimentId: row.experiment_id,
    datasetId: row.dataset_id,
    generalDatasetId: row.general_dataset_id,
  };
}
