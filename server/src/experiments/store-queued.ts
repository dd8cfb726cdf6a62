import type { EntityManager } from "typeorm";
import type { Events } from "../app/events.js";
import type { Database } from "../db/database.js";
import { recordStatus } from "../runs/run-status.js";
import { RunStatus } from "../runs/run.entity.js";
import { insertRuns, type NewRun } from "../runs/run.repository.js";
import type { Experiment } from "./experiment.entity.js";
import { findExperiment, insertExperiment } from "./experiment.repository.js";

/** What an experiment is stored with: its row and its runs (each run's experimentId is filled in here). */
export interface QueuedExperimentPlan {
  experiment: Parameters<typeof insertExperiment>[1];
  runs: Omit<NewRun, "experimentId">[];
}

/**
 * Plans (inside the transaction, so a refusal stores nothing), then stores the experiment and its runs
 * QUEUED with their "created" history in one transaction, then announces them: RUNS_QUEUED for dispatch,
 * RUN_UPDATED for subscribers. createExperiment and evaluateAdapters both create experiments this way.
 */
export async function storeQueuedExperiment(
  db: Database,
  events: Events,
  plan: (m: EntityManager) => Promise<QueuedExperimentPlan>,
): Promise<Experiment> {
  const { experiment, runIds } = await db.write(async (m) => {
    const planned = await plan(m);
    const experimentId = await insertExperiment(m, planned.experiment);
    const runIds = await insertRuns(
      m,
      planned.runs.map((r) => ({ ...r, experimentId }) as NewRun),
    );
    for (const runId of runIds) await recordStatus(m, runId, null, RunStatus.QUEUED, "created");
    return { experiment: (await findExperiment(m, experimentId))!, runIds };
  });
  events.publish("RUNS_QUEUED", { runIds });
  for (const runId of runIds) events.publish("RUN_UPDATED", { runId, experimentId: experiment.id });
  return experiment;
}
