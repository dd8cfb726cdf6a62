import {
  COST_AXIS_NAMES,
  type CostAxis,
  paretoView,
  QUALITY_AXIS_NAMES,
  type QualityAxis,
} from "@tunelab/core";
import { userInputError } from "../api/errors.js";
import type { Database } from "../db/database.js";
import type { MetricSeries } from "../metrics/metric-point.type.js";
import { type CompareTarget, type MetricsService, maxRunIds } from "../metrics/metrics.service.js";
import { compareReportHtml } from "./report/compare-report.js";

/** Points per loss curve in the report: enough for a 560-pixel-wide SVG, small enough to keep the file light. */
const REPORT_MAX_POINTS = 500;

export interface ReportOptions {
  quality?: string | null;
  cost?: string | null;
  budget?: string | null;
}

/** The comparison as a self-contained HTML report, from the same reads as `compare`, `metrics` and `pareto`. */
export class ReportService {
  constructor(
    private readonly db: Database,
    private readonly metrics: MetricsService,
  ) {}

  async compareHtml(target: CompareTarget, options: ReportOptions): Promise<string> {
    const quality = (options.quality ?? "finalEvalLoss") as QualityAxis;
    if (!QUALITY_AXIS_NAMES.includes(quality)) {
      throw userInputError(`quality must be one of ${QUALITY_AXIS_NAMES.join(", ")}, got ${quality}`, {
        field: "quality",
      });
    }
    const cost = (options.cost ?? "peakMemory") as CostAxis;
    if (!COST_AXIS_NAMES.includes(cost)) {
      throw userInputError(`cost must be one of ${COST_AXIS_NAMES.join(", ")}, got ${cost}`, {
        field: "cost",
      });
    }
    const budget = options.budget == null || options.budget === "" ? null : Number(options.budget);
    if (budget !== null && !(Number.isFinite(budget) && budget >= 0)) {
      throw userInputError(`budget must be a number ≥ 0 in the cost's unit, got ${options.budget}`, {
        field: "budget",
      });
    }
    const rows = await this.metrics.compare(target);
    const ids = rows.map((r) => r.runId);
    const series: MetricSeries[] = [];
    for (let i = 0; i < ids.length; i += maxRunIds) {
      series.push(
        ...(await this.metrics.series(
          ids.slice(i, i + maxRunIds),
          ["train_loss", "eval_loss"],
          REPORT_MAX_POINTS,
        )),
      );
    }
    const header = target.experimentId
      ? await this.experimentHeader(target.experimentId)
      : { title: "Selected runs", subtitle: `${rows.length} runs chosen by id` };
    return compareReportHtml({
      ...header,
      generatedAt: new Date(),
      rows,
      series,
      pareto: paretoView(rows, quality, cost, budget),
    });
  }

  private async experimentHeader(id: string): Promise<{ title: string; subtitle: string }> {
    const [e] = (await this.db.read((m) =>
      m.query(
        `SELECT e.name, e.description, COALESCE(d.name, 'random tokens') AS dataset, b.name AS base_model
           FROM experiment e LEFT JOIN dataset d ON d.id = e.dataset_id JOIN base_model b ON b.id = e.base_model_id
          WHERE e.id = $1`,
        [id],
      ),
    )) as { name: string; description: string; dataset: string; base_model: string }[];
    return {
      title: e!.name,
      subtitle: `${e!.dataset} on ${e!.base_model}${e!.description ? ` — ${e!.description}` : ""}`,
    };
  }
}
