import { type Connection, type ConnectionArgs, pageRequest, toConnection } from "../api/connection.js";
import { codedError, ErrorCode, notFoundError, userInputError } from "../api/errors.js";
import type { Events } from "../app/events.js";
import {
  detachMergesOfExperiment,
  producesBaseModel,
  updateProducedModel,
} from "../base-models/base-model.repository.js";
import { BaseModelStatus } from "../base-models/base-model.entity.js";
import type { Database } from "../db/database.js";
import { deleteExperimentRow, findExperiment } from "../experiments/experiment.repository.js";
import type { RunFilter } from "./run.input.js";
import type { ListOrder } from "./list-order.js";
import { createPeopleLoaders } from "./run.loaders.js";
import { recordStatus } from "./run-status.js";
import { cancelLockedRun, type PendingEvent } from "./run-transitions.js";
import { activeStatuses, Run, RunStatus } from "./run.entity.js";
import {
  countRuns,
  findRun,
  listRuns,
  lockRun,
  lockRunsOfExperiment,
  runCursorKey,
} from "./run.repository.js";
import { isUuid } from "./uuid.js";

/** Attempts a retried run gets on top of those it used. */
export const retryAttempts = 3;

export class RunService {
  constructor(
    private readonly db: Database,
    private readonly events: Events,
  ) {}

  /** Per-request loaders for every field resolver of the people API. */
  loaders() {
    return createPeopleLoaders(this.db);
  }

  async get(id: string): Promise<Run> {
    const run = isUuid(id) ? await this.db.read((m) => findRun(m, id)) : null;
    if (!run) throw notFoundError("run", id);
    return run;
  }

  list(args: ConnectionArgs, filter: RunFilter = {}, order?: ListOrder | null): Promise<Connection<Run>> {
    const page = pageRequest(args, 1);
    if (filter.experimentId && !isUuid(filter.experimentId)) {
      throw userInputError(`experiment ${filter.experimentId} does not exist`, {
        field: "filter.experimentId",
      });
    }
    return this.db.read(async (m) =>
      toConnection(await listRuns(m, page, filter, order), page, await countRuns(m, filter), runCursorKey),
    );
  }

  /** QUEUED → CANCELLED now; ASSIGNED/RUNNING → cancel requested, finished by dispatch when the runner stops. */
  async cancel(id: string, reason: string): Promise<Run> {
    const why = reason.trim() || "cancelled by a user";
    const { run, events } = await this.db.write(async (m) => {
      const locked = isUuid(id) ? await lockRun(m, id) : null;
      if (!locked) throw notFoundError("run", id);
      const events = await cancelLockedRun(m, locked, why);
      return { run: (await findRun(m, id))!, events };
    });
    this.publish(events);
    return run;
  }

  /**
   * FAILED/CANCELLED → QUEUED from scratch: the previous attempts' metric points, samples and artifacts are
   * dropped (a new attempt re-reports the same steps), the status history and the job rows are kept, and
   * the run gets `retryAttempts` more attempts.
   */
  async retry(id: string): Promise<Run> {
    const run = await this.db.write(async (m) => {
      const run = isUuid(id) ? await lockRun(m, id) : null;
      if (!run) throw notFoundError("run", id);
      if (run.status !== RunStatus.FAILED && run.status !== RunStatus.CANCELLED) {
        throw codedError(
          ErrorCode.CONFLICT,
          `run ${id} is ${run.status}: only FAILED or CANCELLED runs can be retried`,
          {
            field: "id",
            status: run.status,
          },
        );
      }
      for (const table of ["metric_point", "sample", "artifact"]) {
        await m.query(`DELETE FROM ${table} WHERE run_id = $1`, [id]);
      }
      await m.update(Run, { id }, {
        status: RunStatus.QUEUED,
        statusReason: "retried",
        cancelRequestedAt: null,
        cancelReason: null,
        maxAttempts: run.attemptCount + retryAttempts,
        notBefore: null,
        runnerId: null,
        result: null,
        measuredPeakBytes: null,
        finalTrainLoss: null,
        bestEvalLoss: null,
        tokensPerSecond: null,
        error: null,
        startedAt: null,
        finishedAt: null,
        queuedAt: () => "now()",
        updatedAt: () => "now()",
      } as never);
      await recordStatus(m, id, run.status, RunStatus.QUEUED, "retried", run.attemptCount);
      if (producesBaseModel(run.kind)) {
        await updateProducedModel(m, id, { status: BaseModelStatus.PENDING, weightsArtifactId: null });
      }
      return (await findRun(m, id))!;
    });
    this.events.publish("RUNS_QUEUED", { runIds: [run.id] });
    this.events.publish("RUN_UPDATED", { runId: run.id, experimentId: run.experimentId });
    return run;
  }

  /**
   * Deletes an experiment with its runs, metrics, samples and artifacts. While runs are QUEUED, ASSIGNED
   * or RUNNING it refuses (CONFLICT, `extensions.activeRuns`) unless cancelActive: then their runners are
   * told to stop (RUN_CANCEL_REQUESTED) and everything goes. Models merged from its adapters keep their
   * weights (detachMergesOfExperiment).
   */
  async deleteExperiment(id: string, cancelActive: boolean): Promise<string> {
    const events = await this.db.write(async (m) => {
      const experiment = isUuid(id) ? await findExperiment(m, id) : null;
      if (!experiment) throw notFoundError("experiment", id);
      const runs = await lockRunsOfExperiment(m, id);
      const active = runs.filter((r) => activeStatuses.includes(r.status));
      if (active.length > 0 && !cancelActive) {
        throw codedError(
          ErrorCode.CONFLICT,
          `experiment ${id} has ${active.length} active run(s) (${active.map((r) => `${r.name}: ${r.status}`).join(", ")}); cancel them first or pass cancelActive: true`,
          { field: "id", activeRuns: active.map((r) => r.id) },
        );
      }
      const events: PendingEvent[] = [];
      for (const run of active) events.push(...(await cancelLockedRun(m, run, `experiment ${id} deleted`)));
      await detachMergesOfExperiment(m, id);
      await deleteExperimentRow(m, id);
      return events.filter((e) => e.topic === "RUN_CANCEL_REQUESTED");
    });
    this.publish(events);
    return id;
  }

  private publish(events: PendingEvent[]): void {
    for (const e of events)
      (this.events.publish as (topic: string, payload: unknown) => void)(e.topic, e.payload);
  }
}
