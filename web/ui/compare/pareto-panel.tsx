"use client";
// The Pareto view of a comparison: quality against cost, one point per run coloured by method, the frontier,
// and the best run within a typed budget. The numbers are core's paretoView, the function behind GraphQL
// `pareto`, so the chart and the API agree.
import {
  type AxisUnit,
  COST_AXES,
  COST_AXIS_NAMES,
  type CostAxis,
  QUALITY_AXES,
  QUALITY_AXIS_NAMES,
  type QualityAxis,
} from "@tunelab/core/dist/pareto/axes.js";
import { type ParetoRun, paretoView } from "@tunelab/core/dist/pareto/view.js";
import { useMemo } from "react";
import { formatBytes, formatCount, formatDuration, formatValue } from "../../lib/format";
import { methodColor } from "../../lib/palette";
import { parseQuantity, quantityExample } from "../../lib/quantity";
import { Scatter } from "../charts/scatter";

export function formatAxis(unit: AxisUnit): (v: number) => string {
  switch (unit) {
    case "bytes":
      return formatBytes;
    case "count":
      return formatCount;
    case "ms":
      return formatDuration;
    case "tokens/s":
      return (v) => `${formatValue(v)}/s`;
    case "loss":
      return formatValue;
  }
}

/** The axes in the URL (`pq`, `pc`), defaulting to final eval loss against measured peak memory. */
export function paretoAxes(params: URLSearchParams): { quality: QualityAxis; cost: CostAxis } {
  const q = params.get("pq") as QualityAxis | null;
  const c = params.get("pc") as CostAxis | null;
  return {
    quality: q && q in QUALITY_AXES ? q : "finalEvalLoss",
    cost: c && c in COST_AXES ? c : "peakMemory",
  };
}

/** The report's query for the view in the URL: its axes and, when it parses, the budget. */
export function paretoReportQuery(params: URLSearchParams): string {
  const { quality, cost } = paretoAxes(params);
  const budget = parseQuantity(params.get("budget") ?? "", COST_AXES[cost].unit).value;
  return `quality=${quality}&cost=${cost}${budget !== undefined ? `&budget=${budget}` : ""}`;
}

export function ParetoPanel({
  rows,
  params,
  setParams,
}: {
  rows: readonly ParetoRun[];
  params: URLSearchParams;
  setParams: (patch: Record<string, string | null>) => void;
}) {
  const { quality, cost } = paretoAxes(params);
  const q = QUALITY_AXES[quality];
  const c = COST_AXES[cost];
  const budgetText = params.get("budget") ?? "";
  const parsed = budgetText.trim() === "" ? null : parseQuantity(budgetText, c.unit);
  const budget = parsed?.value ?? null;
  const view = useMemo(() => paretoView(rows, quality, cost, budget), [rows, quality, cost, budget]);
  const formatX = formatAxis(c.unit);
  const formatY = formatAxis(q.unit);
  const methods = Array.from(new Set(view.points.map((p) => p.method)));
  const points = useMemo(
    () => view.points.map((p) => ({ ...p, id: p.runId, label: p.name, color: methodColor(p.method) })),
    [view],
  );
  const frontier = useMemo(() => view.frontier.map((p) => p.runId), [view]);
  const within = c.better === "min" ? "within" : "reaching at least";

  return (
    <section aria-labelledby="pareto-title" data-testid="pareto">
      <h2 id="pareto-title">Quality against cost</h2>
      <fieldset className="row" style={{ border: 0, padding: 0, margin: "0 0 8px" }}>
        <legend className="sr-only">Pareto axes and budget</legend>
        <label htmlFor="pareto-quality" style={{ marginBottom: 0 }}>
          Quality
        </label>
        <select
          id="pareto-quality"
          value={quality}
          onChange={(e) => setParams({ pq: e.target.value === "finalEvalLoss" ? null : e.target.value })}
          style={{ width: "auto" }}
        >
          {QUALITY_AXIS_NAMES.map((k) => (
            <option key={k} value={k}>
              {QUALITY_AXES[k].label}
            </option>
          ))}
        </select>
        <label htmlFor="pareto-cost" style={{ marginBottom: 0 }}>
          Cost
        </label>
        <select
          id="pareto-cost"
          value={cost}
          onChange={(e) =>
            setParams({ pc: e.target.value === "peakMemory" ? null : e.target.value, budget: null })
          }
          style={{ width: "auto" }}
        >
          {COST_AXIS_NAMES.map((k) => (
            <option key={k} value={k}>
              {COST_AXES[k].label}
              {COST_AXES[k].better === "max" ? " (more is better)" : ""}
            </option>
          ))}
        </select>
        <label htmlFor="pareto-budget" style={{ marginBottom: 0 }}>
          {c.better === "min" ? `${c.label} budget` : `At least (${c.label.toLowerCase()})`}
        </label>
        <input
          id="pareto-budget"
          value={budgetText}
          placeholder={quantityExample(c.unit)}
          onChange={(e) => setParams({ budget: e.target.value })}
          aria-invalid={parsed?.error ? true : undefined}
          aria-describedby="pareto-answer"
          style={{ width: 120 }}
        />
      </fieldset>
      <p id="pareto-answer" aria-live="polite" data-testid="pareto-best" data-run-id={view.best?.runId ?? ""}>
        {parsed?.error ? (
          <span style={{ color: "var(--danger)" }}>{parsed.error}</span>
        ) : view.best ? (
          <>
            Best {within} {formatX(budget!)}: <strong>{view.best.name}</strong> ({q.label.toLowerCase()}{" "}
            {formatY(view.best.y)}, {c.label.toLowerCase()} {formatX(view.best.x)})
          </>
        ) : budget !== null ? (
          <span className="muted">{view.bestReason}</span>
        ) : (
          <span className="muted">Type a budget to find the best run that fits it.</span>
        )}
      </p>
      {view.points.length > 0 ? (
        <>
          <div className="chart-legend" data-testid="pareto-legend">
            {methods.map((m) => (
              <span key={m}>
                <span className="swatch" style={{ background: methodColor(m) }} aria-hidden="true" />
                {m}
              </span>
            ))}
            <span>
              <svg width={18} height={10} aria-hidden="true">
                <line x1={0} x2={18} y1={5} y2={5} stroke="#333" strokeWidth={1.5} />
              </svg>{" "}
              frontier ({q.better === "min" ? "lower" : "higher"} {q.label.toLowerCase()} for{" "}
              {c.better === "min" ? "less" : "more"} {c.label.toLowerCase()})
            </span>
          </div>
          <Scatter
            points={points}
            frontier={frontier}
            xLabel={c.label}
            yLabel={q.label}
            formatX={formatX}
            formatY={formatY}
            logX={cost === "trainableParams"}
            budget={budget}
            highlight={view.best?.runId ?? null}
          />
        </>
      ) : (
        <div className="empty">No run has both values yet.</div>
      )}
      {view.excluded.length > 0 ? (
        <details data-testid="pareto-excluded">
          <summary>
            {view.excluded.length} run{view.excluded.length === 1 ? "" : "s"} not shown
          </summary>
          <ul>
            {view.excluded.map((e) => (
              <li key={e.runId}>
                {e.name}: {e.reason}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </section>
  );
}
