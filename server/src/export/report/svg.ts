// Inline SVG charts for the HTML report, as strings: loss curves, memory bars and the Pareto scatter. The
// dashboard draws the same data with React (web/ui/charts); the report cannot load the dashboard's code, so
// these are its static equivalents.
import { niceTicks } from "@tunelab/core";
import { escapeHtml } from "./escape.js";

export interface Line {
  label: string;
  color: string;
  points: { x: number; y: number }[];
}

interface Frame {
  width: number;
  height: number;
  xLabel: string;
  yLabel: string;
  x: [number, number];
  y: [number, number];
  formatX: (v: number) => string;
  formatY: (v: number) => string;
  logX?: boolean;
}

const M = { top: 12, right: 16, bottom: 44, left: 64 };

/** [lo, hi] of the values with a margin (on log10 values when log). */
export function extent(values: number[], log = false, floorAtZero = false): [number, number] {
  const vs = log ? values.filter((v) => v > 0).map(Math.log10) : values;
  if (vs.length === 0) return [0, 1];
  let lo = Math.min(...vs);
  let hi = Math.max(...vs);
  const pad = hi > lo ? (hi - lo) * 0.08 : Math.abs(hi) * 0.1 || 1;
  lo -= pad;
  hi += pad;
  if (floorAtZero && !log && Math.min(...values) >= 0) lo = Math.max(0, lo);
  return [lo, hi];
}

function scales(f: Frame) {
  const sx = (v: number) =>
    M.left +
    (((f.logX ? Math.log10(Math.max(v, 1e-12)) : v) - f.x[0]) / (f.x[1] - f.x[0])) *
      (f.width - M.left - M.right);
  const sy = (v: number) =>
    f.height - M.bottom - ((v - f.y[0]) / (f.y[1] - f.y[0])) * (f.height - M.top - M.bottom);
  return { sx, sy };
}

function axes(f: Frame): string {
  const { sx, sy } = scales(f);
  const xTicks = f.logX
    ? niceTicks(
        Math.ceil(f.x[0]),
        Math.floor(f.x[1]),
        Math.max(1, Math.floor(f.x[1]) - Math.ceil(f.x[0])),
      ).map((e) => 10 ** e)
    : niceTicks(f.x[0], f.x[1]);
  const parts = [
    ...xTicks.map(
      (t) =>
        `<line x1="${sx(t)}" x2="${sx(t)}" y1="${M.top}" y2="${f.height - M.bottom}" stroke="#e3e7eb"/>` +
        `<text x="${sx(t)}" y="${f.height - M.bottom + 14}" text-anchor="middle">${escapeHtml(f.formatX(t))}</text>`,
    ),
    ...niceTicks(f.y[0], f.y[1]).map(
      (t) =>
        `<line x1="${M.left}" x2="${f.width - M.right}" y1="${sy(t)}" y2="${sy(t)}" stroke="#e3e7eb"/>` +
        `<text x="${M.left - 6}" y="${sy(t) + 4}" text-anchor="end">${escapeHtml(f.formatY(t))}</text>`,
    ),
    `<text x="${(M.left + f.width - M.right) / 2}" y="${f.height - 8}" text-anchor="middle" font-weight="600">${escapeHtml(f.xLabel)}${f.logX ? " (log scale)" : ""}</text>`,
    `<text transform="translate(14 ${(M.top + f.height - M.bottom) / 2}) rotate(-90)" text-anchor="middle" font-weight="600">${escapeHtml(f.yLabel)}</text>`,
  ];
  return `<g font-size="11" fill="currentColor">${parts.join("")}</g>`;
}

function svg(f: Frame, attrs: string, body: string, label: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${f.width}" height="${f.height}" viewBox="0 0 ${f.width} ${f.height}" role="img" aria-label="${escapeHtml(label)}" ${attrs}>${axes(f)}${body}</svg>`;
}

/** Loss curves: one polyline per run over the step axis. */
export function lineChartSvg(title: string, lines: Line[], formatY: (v: number) => string): string {
  const all = lines.flatMap((l) => l.points);
  if (all.length === 0) return `<p class="muted">No ${escapeHtml(title.toLowerCase())} points.</p>`;
  const frame: Frame = {
    width: 560,
    height: 300,
    xLabel: "step",
    yLabel: title,
    x: extent(
      all.map((p) => p.x),
      false,
      true,
    ),
    y: extent(all.map((p) => p.y)),
    formatX: (v) => String(v),
    formatY,
  };
  const { sx, sy } = scales(frame);
  const body = lines
    .map(
      (l) =>
        `<polyline fill="none" stroke="${l.color}" stroke-width="1.5" points="${l.points
          .map((p) => `${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`)
          .join(" ")}"><title>${escapeHtml(l.label)}</title></polyline>`,
    )
    .join("");
  return svg(frame, `data-chart="${escapeHtml(title)}" data-series="${lines.length}"`, body, title);
}

export interface ScatterPoint {
  id: string;
  label: string;
  color: string;
  x: number;
  y: number;
  onFrontier: boolean;
}

/** The Pareto scatter: points, the frontier as a line, a dashed budget line, the best point ringed. */
export function scatterSvg(options: {
  points: ScatterPoint[];
  frontier: string[];
  xLabel: string;
  yLabel: string;
  formatX: (v: number) => string;
  formatY: (v: number) => string;
  logX: boolean;
  budget: number | null;
  best: string | null;
}): string {
  const { points, budget } = options;
  const xs = points.map((p) => p.x);
  if (budget !== null) xs.push(budget);
  const frame: Frame = {
    width: 640,
    height: 340,
    xLabel: options.xLabel,
    yLabel: options.yLabel,
    x: extent(xs, options.logX, true),
    y: extent(points.map((p) => p.y)),
    formatX: options.formatX,
    formatY: options.formatY,
    logX: options.logX,
  };
  const { sx, sy } = scales(frame);
  const byId = new Map(points.map((p) => [p.id, p]));
  const line = options.frontier
    .map((id) => byId.get(id)!)
    .map((p) => `${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`)
    .join(" ");
  const body = [
    budget !== null
      ? `<line x1="${sx(budget)}" x2="${sx(budget)}" y1="${M.top}" y2="${frame.height - M.bottom}" stroke="#555" stroke-dasharray="4 3"><title>Budget ${escapeHtml(options.formatX(budget))}</title></line>`
      : "",
    line ? `<polyline points="${line}" fill="none" stroke="#333" stroke-width="1.5"/>` : "",
    ...points.map((p) => {
      const best = p.id === options.best;
      return `<circle cx="${sx(p.x)}" cy="${sy(p.y)}" r="${best ? 7 : 5}" fill="${p.color}" stroke="${best ? "#000" : p.onFrontier ? "#333" : "#fff"}" stroke-width="${best ? 3 : 1}" data-run-id="${escapeHtml(p.id)}" data-x="${p.x}" data-y="${p.y}" data-frontier="${p.onFrontier}"><title>${escapeHtml(`${p.label}: ${options.formatX(p.x)}, ${options.formatY(p.y)}${p.onFrontier ? " (on the frontier)" : ""}`)}</title></circle>`;
    }),
  ].join("");
  return svg(
    frame,
    `data-testid="pareto-chart" data-points="${points.length}" data-frontier="${escapeHtml(options.frontier.join(","))}" data-best="${escapeHtml(options.best ?? "")}"`,
    body,
    `${options.yLabel} against ${options.xLabel}`,
  );
}

export interface MemoryTerm {
  label: string;
  color: string;
  bytes: number;
}

/** Predicted memory stacked term by term and the measured peak below it, on a scale shared by every run. */
export function memoryBarSvg(
  terms: MemoryTerm[],
  measured: number | null,
  max: number,
  label: string,
): string {
  const width = 220;
  const scale = (v: number) => (max > 0 ? (v / max) * width : 0);
  let x = 0;
  const rects = terms.map((t) => {
    const w = Math.max(0, scale(t.bytes));
    const r = `<rect x="${x.toFixed(1)}" y="0" width="${w.toFixed(1)}" height="11" fill="${t.color}"/>`;
    x += w;
    return r;
  });
  if (measured !== null) {
    rects.push(
      `<rect x="0" y="14" width="${Math.max(1, scale(measured)).toFixed(1)}" height="11" fill="#D55E00"/>`,
    );
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${measured !== null ? 26 : 12}" role="img" aria-label="${escapeHtml(label)}"><title>${escapeHtml(label)}</title>${rects.join("")}</svg>`;
}
