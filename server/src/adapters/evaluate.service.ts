import type { Events } from "../app/events.js";
import type { Database } from "../db/database.js";
import type { Experiment } from "../experiments/experiment.entity.js";
import { findExperiment, insertExperiment } from "../experiments/experiment.repository.js";
import { recordStatus } from "../runs/run-status.js";
import { RunStatus } from "../runs/run.entity.js";
import { insertRuns } from "../runs/run.repository.js";
import { planEvaluation } from "./evaluate-plan.js";
import type { EvaluateAdaptersInput } from "./evaluate.input.js";

export class EvaluationService {
  constructor(
    private readonly db: Database,
    private readonly events: Events,
  ) {}

  /**
   * Validates (evaluate-plan.ts), then stores an EVALUATION experiment and its QUEUED EVALUATE runs (the
   * base alone first, then one per adapter) in one transaction: on any error nothing is created.
   */
  async evaluate(input: EvaluateAdaptersInput): Promise<Experiment> {
    const { experiment, runIds } = await this.db.write(async (m) => {
      const plan = await planEvaluation(m, input);
      const experimentId = await insertExperiment(m, plan.experiment);
      const runIds = await insertRuns(
        m,
        plan.runs.map((r) => ({ ...r, experimentId })),
      );
      for (const runId of runIds) await recordStatus(m, runId, null, RunStatus.QUEUED, "created");
      return { experiment: (await findExperiment(m, experimentId))!, runIds };
    });
    this.events.publish("RUNS_QUEUED", { runIds });
    for (const runId of runIds) this.events.publish("RUN_UPDATED", { runId, experimentId: experiment.id });
    return experiment;
  }
}
