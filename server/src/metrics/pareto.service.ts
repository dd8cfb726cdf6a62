import { type CostAxis, paretoView, type QualityAxis } from "@tunelab/core";
import { userInputError } from "../api/errors.js";
import type { CompareTarget, MetricsService } from "./metrics.service.js";
import type { ParetoCost, ParetoQuality, ParetoView } from "./pareto.types.js";

/** Core's paretoView over the rows `compare` gathers: the API, the HTML report and the dashboard agree. */
export class ParetoService {
  constructor(private readonly metrics: MetricsService) {}

  async view(
    target: CompareTarget,
    quality: ParetoQuality,
    cost: ParetoCost,
    budgetArg: number | null | undefined,
  ): Promise<ParetoView> {
    const budget = budgetArg ?? null;
    if (budget !== null && !(Number.isFinite(budget) && budget >= 0)) {
      throw userInputError(`budget must be a finite number ≥ 0 in the cost's unit, got ${budget}`, {
        field: "budget",
      });
    }
    const rows = await this.metrics.compare(target);
    const view = paretoView(rows, quality as QualityAxis, cost as CostAxis, budget);
    return {
      ...view,
      quality,
      cost,
      costBetter: view.better.x,
      qualityBetter: view.better.y,
    };
  }
}
