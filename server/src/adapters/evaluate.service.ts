import type { Events } from "../app/events.js";
import type { Database } from "../db/database.js";
import type { Experiment } from "../experiments/experiment.entity.js";
import { storeQueuedExperiment } from "../experiments/store-queued.js";
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
    return storeQueuedExperiment(this.db, this.events, (m) => planEvaluation(m, input));
  }
}
