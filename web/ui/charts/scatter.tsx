// Points on two numeric axes in SVG, with an optional frontier line, a budget line and a highlighted point:
// a pure function of its props (no chart library: tens of points, each needing a title and test hooks).
import { niceTicks } from "@tunelab/core/dist/pareto/ticks.js";
import { memo } from "react";

export interface ScatterPoint {
  id: string;
  label: string;
  color: string;
  x: number;
  y: number;
  onFrontier: boolean;
}

interface Props {
  points: readonly ScatterPoint[];
  /** The frontier's point ids in drawing order. */
  frontier: readonly string[];
  xLabel: string;
  yLabel: string;
  formatX: (v: number) => string;
  formatY: (v: number) => string;
  logX?: boolean;
  budget?: number | null;
  highlight?: string | null;
  width?: number;
  height?: number;
}

const M = { top: 12, right: 16, bottom: 44, left: 64 };

function domain(values: number[], log: boolean): [number, number] {
  const vs = log ? values.filter((v) => v > 0).map(Math.log10) : values;
  let lo = Math.min(...vs);
  let hi = Math.max(...vs);
  if (!Number.isFinite(lo)) return [0, 1];
  const pad = hi > lo ? (hi - lo) * 0.08 : Math.abs(hi) * 0.1 || 1;
  lo -= pad;
  hi += pad;
  if (!log && Math.min(...values) >= 0) lo = Math.max(0, lo);
  return [lo, hi];
}

export const Scatter = memo(function Scatter({
  points,
  frontier,
  xLabel,
  yLabel,
  formatX,
  formatY,
  logX = false,
  budget = null,
  highlight = null,
  width = 640,
  height = 340,
}: Props) {
  const xs = points.map((p) => p.x);
  if (budget !== null && Number.isFinite(budget)) xs.push(budget);
  const [x0, x1] = domain(xs, logX);
  const [y0, y1] = domain(
    points.map((p) => p.y),
    false,
  );
  const sx = (v: number) =>
    M.left + (((logX ? Math.log10(Math.max(v, 1e-12)) : v) - x0) / (x1 - x0)) * (width - M.left - M.right);
  const sy = (v: number) => height - M.bottom - ((v - y0) / (y1 - y0)) * (height - M.top - M.bottom);
  const byId = new Map(points.map((p) => [p.id, p]));
  const line = frontier
    .map((id) => byId.get(id))
    .filter((p): p is ScatterPoint => p !== undefined)
    .map((p) => `${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`)
    .join(" ");
  const xTicks = logX
    ? niceTicks(Math.ceil(x0), Math.floor(x1), Math.max(1, Math.floor(x1) - Math.ceil(x0))).map(
        (e) => 10 ** e,
      )
    : niceTicks(x0, x1);
  const yTicks = niceTicks(y0, y1);
  const budgetX = budget !== null && Number.isFinite(budget) ? sx(budget) : null;
  return (
    <svg
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={`${yLabel} against ${xLabel}: ${points.length} runs, ${frontier.length} on the frontier`}
      data-testid="pareto-chart"
      data-points={points.length}
      data-frontier={frontier.join(",")}
      data-best={highlight ?? ""}
      data-rendered="true"
      style={{ maxWidth: "100%", height: "auto" }}
    >
      <g fontSize={11} fill="currentColor">
        {xTicks.map((t) => (
          <g key={`x${t}`}>
            <line x1={sx(t)} x2={sx(t)} y1={M.top} y2={height - M.bottom} stroke="#e3e7eb" />
            <text x={sx(t)} y={height - M.bottom + 14} textAnchor="middle">
              {formatX(t)}
            </text>
          </g>
        ))}
        {yTicks.map((t) => (
          <g key={`y${t}`}>
            <line x1={M.left} x2={width - M.right} y1={sy(t)} y2={sy(t)} stroke="#e3e7eb" />
            <text x={M.left - 6} y={sy(t) + 4} textAnchor="end">
              {formatY(t)}
            </text>
          </g>
        ))}
        <text x={(M.left + width - M.right) / 2} y={height - 8} textAnchor="middle" fontWeight={600}>
          {xLabel}
          {logX ? " (log scale)" : ""}
        </text>
        <text
          transform={`translate(14 ${(M.top + height - M.bottom) / 2}) rotate(-90)`}
          textAnchor="middle"
          fontWeight={600}
        >
          {yLabel}
        </text>
      </g>
      {budgetX !== null ? (
        <line
          x1={budgetX}
          x2={budgetX}
          y1={M.top}
          y2={height - M.bottom}
          stroke="#555"
          strokeDasharray="4 3"
          data-testid="pareto-budget"
        >
          <title>Budget {formatX(budget!)}</title>
        </line>
      ) : null}
      {line ? <polyline points={line} fill="none" stroke="#333" strokeWidth={1.5} /> : null}
      {points.map((p) => (
        <circle
          key={p.id}
          cx={sx(p.x)}
          cy={sy(p.y)}
          r={p.id === highlight ? 7 : 5}
          fill={p.color}
          stroke={p.id === highlight ? "#000" : p.onFrontier ? "#333" : "#fff"}
          strokeWidth={p.id === highlight ? 3 : 1}
          data-run-id={p.id}
          data-x={p.x}
          data-y={p.y}
          data-frontier={p.onFrontier ? "true" : "false"}
        >
          <title>{`${p.label}: ${formatX(p.x)}, ${formatY(p.y)}${p.onFrontier ? " (on the frontier)" : ""}`}</title>
        </circle>
      ))}
    </svg>
  );
});
