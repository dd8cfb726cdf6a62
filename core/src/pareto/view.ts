// A Pareto view of a comparison: each finished run as a point (cost on x, quality on y), the frontier, and
// the best run within a budget. The one function behind GraphQL `pareto`, the HTML report and the dashboard.
import { COST_AXES, type CostAxis, formatAxisValue, QUALITY_AXES, type QualityAxis } from "./axes.js";
import { bestWithinBudget, type Directions, paretoFrontier, withinBudget } from "./frontier.js";

/** The comparison fields a view reads (a GraphQL `compare` row has them all). */
export interface ParetoRun {
  runId: string;
  name: string;
  method: string;
  status: string;
  finalEvalLoss?: number | null;
  bestEvalLoss?: number | null;
  forgettingDelta?: number | null;
  measuredPeakBytes?: number | null;
  trainableParams?: number | null;
  durationMs?: number | null;
  tokensPerSecond?: number | null;
}

export interface ParetoPoint {
  runId: string;
  name: string;
  method: string;
  /** The cost. */
  x: number;
  /** The quality. */
  y: number;
  onFrontier: boolean;
}

export interface ParetoExcluded {
  runId: string;
  name: string;
  method: string;
  reason: string;
}

export interface ParetoView {
  quality: QualityAxis;
  cost: CostAxis;
  better: Directions;
  /** One per run with both values, in the runs' order. */
  points: ParetoPoint[];
  /** The frontier's points from the best cost to the worst. */
  frontier: ParetoPoint[];
  excluded: ParetoExcluded[];
  budget: number | null;
  /** The best quality within the budget; null without a budget or when no point fits it (see bestReason). */
  best: ParetoPoint | null;
  bestReason: string | null;
}

export function paretoView(
  runs: readonly ParetoRun[],
  quality: QualityAxis,
  cost: CostAxis,
  budget: number | null = null,
): ParetoView {
  const q = QUALITY_AXES[quality];
  const c = COST_AXES[cost];
  const better: Directions = { x: c.better, y: q.better };
  const points: ParetoPoint[] = [];
  const excluded: ParetoExcluded[] = [];
  for (const run of runs) {
    const x = run[c.field];
    const y = run[q.field];
    const missing = [
      run.status === "SUCCEEDED" ? null : `not finished (${run.status.toLowerCase()})`,
      typeof x === "number" && Number.isFinite(x) ? null : c.missing,
      typeof y === "number" && Number.isFinite(y) ? null : q.missing,
    ].filter((m): m is string => m !== null);
    const who = { runId: run.runId, name: run.name, method: run.method };
    if (missing.length > 0) excluded.push({ ...who, reason: missing.join("; ") });
    else points.push({ ...who, x: x as number, y: y as number, onFrontier: false });
  }
  const frontier = paretoFrontier(points, better).map((i) => points[i]!);
  for (const p of frontier) p.onFrontier = true;

  let best: ParetoPoint | null = null;
  let bestReason: string | null = null;
  if (budget === null) bestReason = "no budget given";
  else if (points.length === 0) bestReason = "no run has both values";
  else {
    const i = bestWithinBudget(points, better, budget);
    if (i !== null) best = points[i]!;
    else {
      const nearest = points.reduce((a, b) => (withinBudget(b.x, a.x, c.better) ? b : a));
      const limit = formatAxisValue(budget, c.unit);
      const need = `${formatAxisValue(nearest.x, c.unit)} (${nearest.name})`;
      bestReason =
        c.better === "min"
          ? `no run within ${limit}: the lowest ${c.label.toLowerCase()} is ${need}`
          : `no run reaches ${limit}: the highest ${c.label.toLowerCase()} is ${need}`;
    }
  }
  return { quality, cost, better, points, frontier, excluded, budget, best, bestReason };
}
