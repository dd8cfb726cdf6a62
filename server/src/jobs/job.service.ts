import { createHash } from "node:crypto";
import type { EntityManager } from "typeorm";
import { type CursorKey, type Connection, decodeCursor, encodeCursor } from "../api/connection.js";
import { codedError, ErrorCode, userInputError } from "../api/errors.js";
import type { PendingEvent } from "../app/events.js";
import { insertRunAdapter } from "../adapters/adapter.repository.js";
import { Artifact, ArtifactKind } from "../artifacts/artifact.entity.js";
import type { Database } from "../db/database.js";
import { endAttempt } from "../dispatch/attempts.js";
import { returning } from "../dispatch/sql.js";
import type { DispatchConfig, Dispatcher } from "../dispatch/dispatcher.js";
import type { MetricPoint } from "../metrics/metric-point.type.js";
import { recordStatus } from "../runs/run-status.js";
import { RunKind, RunStatus } from "../runs/run.entity.js";
import {
  type FileUploadInput,
  type HeartbeatInput,
  type HeartbeatResult,
  type Job,
  type JobDatasetRow,
  JobStatus,
  type MetricPointInput,
  type ReportMetricsResult,
  type SampleInput,
} from "./job.types.js";
import { findOwnJob, type OwnJob } from "./own-job.js";
import { loadJobs } from "./spec.js";
import { consumeUploads, fileBytes } from "../uploads/file-bytes.js";
import {
  checkFileNames,
  requireId,
  validateCostProfile,
  validatePoints,
  validateResult,
  validateSamples,
} from "./validate.js";

/**
 * The runner side of the protocol: every call names a job, which must be the calling runner's
 * (FORBIDDEN otherwise) and, for writes, still live (CONFLICT once it expired, failed or finished).
 */
export class JobService {
  constructor(
    private readonly db: Database,
    private readonly dispatcher: Dispatcher,
    private readonly config: DispatchConfig,
  ) {}

  /** A clean stop's goodbye: the runner is OFFLINE at once (placement and the Runners page), not a lease later. */
  async signOff(runnerId: string): Promise<boolean> {
    await this.db.write((m) => m.query(`UPDATE runner SET signed_off_at = now() WHERE id = $1`, [runnerId]));
    this.dispatcher.scheduleReasons();
    return true;
  }

  async heartbeat(runnerId: string, input: HeartbeatInput): Promise<HeartbeatResult> {
    for (const [i, id] of input.runningJobIds.entries()) requireId(id, `runningJobIds[${i}]`);
    const free = input.freeMemoryBytes;
    if (free != null && (!Number.isFinite(free) || free < 0)) {
      throw userInputError("freeMemoryBytes must be a number of bytes ≥ 0", { field: "freeMemoryBytes" });
    }
    return this.db.write(async (m) => {
      const [{ lease }] = (await returning<{ lease: Date }>(
        m,
        `UPDATE runner SET last_heartbeat_at = now(), signed_off_at = NULL,
                free_memory_bytes = COALESCE($2::bigint, free_memory_bytes)
          WHERE id = $1 RETURNING now() + $3::int * interval '1 millisecond' AS lease`,
        [runnerId, free == null ? null : Math.round(free), this.config.leaseMs],
      )) as { lease: Date }[];
      const renewed = await returning<{ id: string }>(
        m,
        `UPDATE job SET lease_expires_at = $3 WHERE id = ANY($2::uuid[]) AND runner_id = $1
            AND status IN ('ASSIGNED', 'RUNNING') RETURNING id`,
        [runnerId, input.runningJobIds, lease],
      );
      const cancelled: { id: string }[] = await m.query(
        `SELECT j.id FROM job j JOIN run r ON r.id = j.run_id
          WHERE j.runner_id = $1 AND j.status IN ('ASSIGNED', 'RUNNING') AND r.cancel_requested_at IS NOT NULL`,
        [runnerId],
      );
      const renewedIds = new Set(renewed.map((r) => r.id));
      // A job the runner still works on that is no longer its live job (expired, requeued elsewhere): stop it.
      const lost = input.runningJobIds.filter((id) => !renewedIds.has(id));
      return {
        leaseExpiresAt: new Date(lease),
        cancelJobIds: [...new Set([...cancelled.map((r) => r.id), ...lost])],
      };
    });
  }

  async start(runnerId: string, jobId: string): Promise<Job> {
    const events = await this.db.write(async (m) => {
      const job = await this.ownJob(m, runnerId, jobId, "update", true);
      const pending: PendingEvent[] = [];
      if (job.status === JobStatus.ASSIGNED) {
        await m.query(
          `UPDATE job SET status = 'RUNNING', started_at = now(),
                  lease_expires_at = now() + $2::int * interval '1 millisecond' WHERE id = $1`,
          [job.id, this.config.leaseMs],
        );
        const runs: { status: RunStatus }[] = await m.query(
          `SELECT status FROM run WHERE id = $1 FOR UPDATE`,
          [job.runId],
        );
        if (runs[0]?.status === RunStatus.ASSIGNED) {
          await m.query(
            `UPDATE run SET status = 'RUNNING', started_at = COALESCE(started_at, now()), updated_at = now()
              WHERE id = $1`,
            [job.runId],
          );
          await recordStatus(m, job.runId, RunStatus.ASSIGNED, RunStatus.RUNNING, null, job.attempt);
          pending.push({
            topic: "RUN_UPDATED",
            payload: { runId: job.runId, experimentId: job.experimentId },
          });
        }
      }
      return pending;
    });
    this.dispatcher.publish(events);
    return this.job(jobId);
  }

  async reportMetrics(
    runnerId: string,
    jobId: string,
    points: MetricPointInput[],
  ): Promise<ReportMetricsResult> {
    requireId(jobId, "jobId");
    validatePoints(points);
    const { runId, stored } = await this.db.write(async (m) => {
      const job = await this.ownJob(m, runnerId, jobId, "share", true);
      if (points.length === 0) return { runId: job.runId, stored: [] as MetricPoint[] };
      const rows: { key: string; step: number; value: number; wall_ms: string }[] = await m.query(
        `INSERT INTO metric_point (run_id, key, step, value, wall_time, attempt)
         SELECT $1, p.key, p.step, p.value, COALESCE(to_timestamp(p.wall_ms / 1000.0), now()), $2
           FROM unnest($3::text[], $4::int[], $5::float8[], $6::float8[]) AS p(key, step, value, wall_ms)
         ON CONFLICT (run_id, key, step) DO NOTHING
         RETURNING key, step, value, extract(epoch FROM wall_time) * 1000 AS wall_ms`,
        [
          job.runId,
          job.attempt,
          points.map((p) => p.key),
          points.map((p) => p.step),
          points.map((p) => p.value),
          points.map((p) => p.wallTimeMs ?? null),
        ],
      );
      return {
        runId: job.runId,
        stored: rows.map((r) => ({
          runId: job.runId,
          key: r.key,
          step: r.step,
          value: r.value,
          wallTimeMs: Number(r.wall_ms),
        })),
      };
    });
    if (stored.length > 0)
      this.dispatcher.publish([{ topic: "METRICS_APPENDED", payload: { runId, points: stored } }]);
    return { accepted: stored.length, duplicates: points.length - stored.length };
  }

  async reportSamples(runnerId: string, jobId: string, samples: SampleInput[]): Promise<number> {
    requireId(jobId, "jobId");
    validateSamples(samples);
    const { inserted, event } = await this.db.write(async (m) => {
      const job = await this.ownJob(m, runnerId, jobId, "share", true);
      if (samples.length === 0) return { inserted: 0, event: null };
      const rows: unknown[] = await m.query(
        `INSERT INTO sample (run_id, step, prompt, output)
         SELECT $1, s.step, s.prompt, s.output FROM unnest($2::int[], $3::text[], $4::text[]) AS s(step, prompt, output)
         ON CONFLICT (run_id, step, prompt) DO NOTHING RETURNING id`,
        [job.runId, samples.map((s) => s.step), samples.map((s) => s.prompt), samples.map((s) => s.output)],
      );
      const event: PendingEvent = {
        topic: "RUN_UPDATED",
        payload: { runId: job.runId, experimentId: job.experimentId },
      };
      return { inserted: rows.length, event };
    });
    if (event && inserted > 0) this.dispatcher.publish([event]);
    return inserted;
  }

  uploadCheckpoint(
    runnerId: string,
    jobId: string,
    step: number,
    files: FileUploadInput[],
  ): Promise<Artifact> {
    if (!Number.isInteger(step) || step < 0)
      throw userInputError(`step must be ≥ 0, got ${step}`, { field: "step" });
    return this.upload(runnerId, jobId, files, () => ArtifactKind.CHECKPOINT, step);
  }

  /** A PEFT adapter folder; for FULL, PRETRAIN and MERGE runs the whole model folder (kind MODEL). */
  uploadAdapter(runnerId: string, jobId: string, files: FileUploadInput[]): Promise<Artifact> {
    return this.upload(
      runnerId,
      jobId,
      files,
      (job) =>
        job.kind === RunKind.PRETRAIN || job.kind === RunKind.MERGE || job.method === "full"
          ? ArtifactKind.MODEL
          : ArtifactKind.ADAPTER,
      null,
    );
  }

  async complete(runnerId: string, jobId: string, input: unknown): Promise<Job> {
    requireId(jobId, "jobId");
    const result = validateResult(input);
    if (result.costProfile !== undefined) result.costProfile = validateCostProfile(result.costProfile);
    const end = await this.db.write(async (m) => {
      const job = await this.ownJob(m, runnerId, jobId, "update", true);
      // a profile that stopped early (cancelled) may have nothing to report; a finished one must
      if (job.kind === RunKind.PROFILE && result.cancelled !== true) validateCostProfile(result.costProfile);
      // an evaluation has nothing to show but its measurement
      if (job.kind === RunKind.EVALUATE && typeof result.bestEvalLoss !== "number") {
        throw userInputError("result.bestEvalLoss is required: an EVALUATE run measures the eval loss", {
          field: "result.bestEvalLoss",
        });
      }
      return endAttempt(m, job, { kind: "succeeded", result }, this.config);
    });
    this.dispatcher.publish(end.events, end.retryAfterMs);
    return this.job(jobId);
  }

  async fail(runnerId: string, jobId: string, error: string, retryable: boolean): Promise<Job> {
    requireId(jobId, "jobId");
    const message = error.trim();
    if (message.length === 0) throw userInputError("error must say what went wrong", { field: "error" });
    const end = await this.db.write(async (m) => {
      const job = await this.ownJob(m, runnerId, jobId, "update", true);
      return endAttempt(m, job, { kind: "failed", error: message.slice(0, 10_000), retryable }, this.config);
    });
    this.dispatcher.publish(end.events, end.retryAfterMs);
    return this.job(jobId);
  }

  /** Rows of one of the job's datasets (its training set or the experiment's general set), by index. */
  async datasetRows(
    runnerId: string,
    jobId: string,
    datasetId: string,
    first: number | null | undefined,
    after: string | null | undefined,
  ): Promise<Connection<JobDatasetRow>> {
    requireId(jobId, "jobId");
    requireId(datasetId, "datasetId");
    const n = first ?? 100;
    if (!Number.isInteger(n) || n < 1 || n > 1000) {
      throw userInputError(`"first" must be between 1 and 1000, got ${n}`, { field: "first" });
    }
    const afterKey: CursorKey | null = after == null ? null : decodeCursor(after, 1);
    return this.db.read(async (m) => {
      const job = await this.ownJob(m, runnerId, jobId, null, false);
      if (datasetId !== job.datasetId && datasetId !== job.generalDatasetId) {
        throw codedError(ErrorCode.FORBIDDEN, `dataset ${datasetId} is not one of job ${jobId}'s datasets`, {
          field: "datasetId",
        });
      }
      const rows: JobDatasetRow[] = await m.query(
        `SELECT index, split, text, prompt, completion FROM dataset_row
          WHERE dataset_id = $1 AND index > $2 ORDER BY index LIMIT $3`,
        [datasetId, afterKey ? Number(afterKey[0]) : -1, n + 1],
      );
      const [{ count }] = (await m.query(`SELECT row_count AS count FROM dataset WHERE id = $1`, [
        datasetId,
      ])) as {
        count: number;
      }[];
      const edges = rows.slice(0, n).map((node) => ({ node, cursor: encodeCursor([node.index]) }));
      return {
        edges,
        totalCount: count,
        pageInfo: {
          hasNextPage: rows.length > n,
          hasPreviousPage: afterKey !== null,
          startCursor: edges[0]?.cursor ?? null,
          endCursor: edges.at(-1)?.cursor ?? null,
        },
      };
    });
  }

  private async upload(
    runnerId: string,
    jobId: string,
    files: FileUploadInput[],
    kindOf: (job: OwnJob) => ArtifactKind,
    step: number | null,
  ): Promise<Artifact> {
    requireId(jobId, "jobId");
    checkFileNames(files);
    const owner = { runnerId };
    const bytes = await fileBytes(
      this.db,
      owner,
      files.map((f) => ({ base64: f.base64, uploadId: f.uploadId })),
      "base64",
    );
    const decoded = files.map((f, i) => ({
      name: f.name,
      content: bytes.contents[i]!,
      sha256: createHash("sha256").update(bytes.contents[i]!).digest("hex"),
    }));
    const total = decoded.reduce((s, f) => s + f.content.length, 0);
    const { artifact, event } = await this.db.write(async (m) => {
      const job = await this.ownJob(m, runnerId, jobId, "share", true);
      if (job.kind === RunKind.EVALUATE) {
        throw userInputError("an EVALUATE run trains nothing and uploads nothing", { field: "jobId" });
      }
      await consumeUploads(m, owner, bytes.uploads);
      const kind = kindOf(job);
      const [{ id }] = (await m.query(
        `INSERT INTO artifact (run_id, job_id, kind, step, size_bytes) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
        [job.runId, job.id, kind, step, total],
      )) as { id: string }[];
      for (const f of decoded) {
        await m.query(
          `INSERT INTO artifact_file (artifact_id, name, size_bytes, sha256, content) VALUES ($1, $2, $3, $4, $5)`,
          [id, f.name, f.content.length, f.sha256, f.content],
        );
      }
      if (kind === ArtifactKind.ADAPTER) await insertRunAdapter(m, id);
      const event: PendingEvent = {
        topic: "RUN_UPDATED",
        payload: { runId: job.runId, experimentId: job.experimentId },
      };
      return { artifact: await m.findOneByOrFail(Artifact, { id }), event };
    });
    this.dispatcher.publish([event]);
    return artifact;
  }

  private async job(jobId: string): Promise<Job> {
    const [job] = await this.db.read((m) => loadJobs(m, [jobId]));
    return job!;
  }

  private ownJob(
    m: EntityManager,
    runnerId: string,
    jobId: string,
    lock: "update" | "share" | null,
    mustBeLive: boolean,
  ): Promise<OwnJob> {
    return findOwnJob(m, runnerId, jobId, lock, mustBeLive);
  }
}
