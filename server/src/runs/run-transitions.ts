import type { EntityManager } from "typeorm";
import { codedError, ErrorCode } from "../api/errors.js";
import type { EventMap } from "../app/events.js";
import { producesBaseModel, updateProducedModel } from "../base-models/base-model.repository.js";
import { BaseModelStatus } from "../base-models/base-model.entity.js";
import { recordStatus } from "./run-status.js";
import { Run, RunStatus } from "./run.entity.js";
import { liveJobOf } from "./run.repository.js";

/** Events a transition asks for; published after the transaction commits. */
export type PendingEvent = {
  [K in keyof EventMap]: { topic: K; payload: EventMap[K][0] };
}[keyof EventMap];

/**
 * Cancels a locked run: QUEUED → CANCELLED at once; ASSIGNED/RUNNING → cancel requested (the runner is
 * told through RUN_CANCEL_REQUESTED and dispatch finishes the run when the runner stops). A finished run
 * is a CONFLICT.
 */
export async function cancelLockedRun(m: EntityManager, run: Run, reason: string): Promise<PendingEvent[]> {
  const updated: PendingEvent = {
    topic: "RUN_UPDATED",
    payload: { runId: run.id, experimentId: run.experimentId },
  };
  if (run.status === RunStatus.QUEUED) {
    await m.update(Run, { id: run.id }, {
      status: RunStatus.CANCELLED,
      cancelRequestedAt: () => "now()",
      cancelReason: reason,
      statusReason: `cancelled: ${reason}`,
      finishedAt: () => "now()",
      updatedAt: () => "now()",
    } as never);
    await recordStatus(m, run.id, RunStatus.QUEUED, RunStatus.CANCELLED, reason, run.attemptCount);
    if (producesBaseModel(run.kind)) {
      await updateProducedModel(m, run.id, { status: BaseModelStatus.FAILED });
    }
    return [updated];
  }
  if (run.status === RunStatus.ASSIGNED || run.status === RunStatus.RUNNING) {
    const job = await liveJobOf(m, run.id);
    if (run.cancelRequestedAt === null) {
      await m.update(Run, { id: run.id }, {
        cancelRequestedAt: () => "now()",
        cancelReason: reason,
        statusReason: `cancel requested: ${reason}`,
        updatedAt: () => "now()",
      } as never);
    }
    return [
      updated,
      {
        topic: "RUN_CANCEL_REQUESTED",
        payload: { runId: run.id, jobId: job?.id ?? null, runnerId: job?.runnerId ?? run.runnerId, reason },
      },
    ];
  }
  throw codedError(
    ErrorCode.CONFLICT,
    `run ${run.id} is ${run.status}: only QUEUED, ASSIGNED or RUNNING runs can be cancelled`,
    {
      field: "id",
      status: run.status,
    },
  );
}
