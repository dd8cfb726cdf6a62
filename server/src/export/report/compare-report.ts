// The comparison as one self-contained HTML file: tables, inline SVG charts (loss curves, memory bars, the
// Pareto scatter), configs and samples. No script, no external URL; a CSP meta tag forbids any request, so
// the file shows the same thing opened from disk years later.
import { type AxisUnit, COST_AXES, formatAxisValue, type ParetoView, QUALITY_AXES } from "@tunelab/core";
import type { RunComparison } from "../../metrics/compare.types.js";
import type { MetricSeries } from "../../metrics/metric-point.type.js";
import { escapeHtml } from "./escape.js";
import { type Line, lineChartSvg, memoryBarSvg, scatterSvg } from "./svg.js";

export interface CompareReport {
  title: string;
  subtitle: string;
  generatedAt: Date;
  rows: RunComparison[];
  series: MetricSeries[];
  pareto: ParetoView;
}

// Category colours (Okabe–Ito first). The dashboard's live in web/lib/palette.ts, which the server cannot
// import; the report keeps the same order so a method gets the same hue in both where palette.ts is unchanged.
const COLORS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"];
const METHOD_ORDER = ["full", "lora", "qlora", "dora", "prefix", "prompt", "ia3", "adapter"];
function methodColor(method: string): string {
  const i = METHOD_ORDER.indexOf(method);
  return COLORS[(i < 0 ? METHOD_ORDER.length : i) % COLORS.length]!;
}

const MEMORY_TERMS = [
  { keys: ["frozenWeights", "quantConstants"], label: "Frozen weights", color: "#999999" },
  { keys: ["trainableWeights"], label: "Trainable weights", color: "#0072B2" },
  { keys: ["gradients"], label: "Gradients", color: "#E69F00" },
  { keys: ["optimizerState"], label: "Optimizer state", color: "#CC79A7" },
  { keys: ["activations"], label: "Activations", color: "#009E73" },
];

const fmt = (v: number | null | undefined, unit: AxisUnit) =>
  v === null || v === undefined || !Number.isFinite(v) ? "—" : formatAxisValue(v, unit);

/** The table's columns: header, the raw value (data-value, what tests and scripts read), the text shown. */
const COLUMNS: [string, keyof RunComparison, AxisUnit | "text" | "percent"][] = [
  ["Run", "name", "text"],
  ["Method", "method", "text"],
  ["Kind", "kind", "text"],
  ["Status", "status", "text"],
  ["Trainable params", "trainableParams", "count"],
  ["Trainable %", "trainablePercent", "percent"],
  ["Predicted memory", "predictedTotalBytes", "bytes"],
  ["Measured peak", "measuredPeakBytes", "bytes"],
  ["Final train loss", "finalTrainLoss", "loss"],
  ["Final eval loss", "finalEvalLoss", "loss"],
  ["Best eval loss", "bestEvalLoss", "loss"],
  ["Tokens/s", "tokensPerSecond", "tokens/s"],
  ["Wall time", "durationMs", "ms"],
  ["Forgetting Δ", "forgettingDelta", "loss"],
];

/** What a row is, in the dashboard's words: an evaluation row measured an adapter it did not train. */
function kindNote(row: RunComparison): string {
  if (row.kind !== "EVALUATE") return "trained";
  return row.method === "base" ? "base model alone, evaluated" : "evaluated, not trained here";
}

function cell(row: RunComparison, key: keyof RunComparison, unit: AxisUnit | "text" | "percent"): string {
  const raw = row[key] as string | number | null;
  const shown =
    key === "kind"
      ? kindNote(row)
      : unit === "text"
        ? String(raw ?? "")
        : unit === "percent"
          ? raw === null
            ? "—"
            : `${Number((raw as number).toPrecision(4))}%`
          : fmt(raw as number | null, unit);
  const numeric = unit !== "text";
  return `<td${numeric ? ' class="num"' : ""} data-col="${key}" data-value="${escapeHtml(raw ?? "")}">${escapeHtml(shown)}</td>`;
}

function runsTable(rows: RunComparison[], colorOf: Map<string, string>): string {
  const head = COLUMNS.map(
    ([h, , unit]) => `<th${unit !== "text" ? ' class="num"' : ""}>${escapeHtml(h)}</th>`,
  ).join("");
  const body = rows
    .map(
      (r) =>
        `<tr data-run-id="${escapeHtml(r.runId)}"><td><span class="swatch" style="background:${colorOf.get(r.runId)}"></span></td>${COLUMNS.map(([, key, unit]) => cell(r, key, unit)).join("")}</tr>`,
    )
    .join("\n");
  return `<table data-testid="report-table"><thead><tr><th></th>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

function memorySection(rows: RunComparison[]): string {
  const max = Math.max(1, ...rows.flatMap((r) => [r.predictedTotalBytes, r.measuredPeakBytes ?? 0]));
  const legend = [...MEMORY_TERMS.map((t) => [t.label, t.color]), ["Measured peak", "#D55E00"]]
    .map(
      ([label, color]) =>
        `<span><span class="swatch" style="background:${color}"></span>${escapeHtml(label)}</span>`,
    )
    .join("");
  const lines = rows.map((r) => {
    const m = r.predictedMemory as Record<string, unknown>;
    const terms = MEMORY_TERMS.map((t) => ({
      label: t.label,
      color: t.color,
      bytes: t.keys.reduce((s, k) => s + (typeof m[k] === "number" ? (m[k] as number) : 0), 0),
    }));
    const label =
      `${r.name}: predicted ${fmt(r.predictedTotalBytes, "bytes")} (` +
      terms.map((t) => `${t.label.toLowerCase()} ${fmt(t.bytes, "bytes")}`).join(", ") +
      `), measured peak ${fmt(r.measuredPeakBytes, "bytes")}`;
    return `<tr><td>${escapeHtml(r.name)}</td><td>${memoryBarSvg(terms, r.measuredPeakBytes, max, label)}</td><td class="num">${escapeHtml(fmt(r.predictedTotalBytes, "bytes"))} / ${escapeHtml(fmt(r.measuredPeakBytes, "bytes"))}</td></tr>`;
  });
  return `<h2>Memory: predicted (stacked) and measured peak</h2><div class="legend">${legend}</div><table class="bars"><thead><tr><th>Run</th><th>Memory</th><th class="num">Predicted / measured</th></tr></thead><tbody>${lines.join("")}</tbody></table>`;
}

function curvesSection(rows: RunComparison[], series: MetricSeries[], colorOf: Map<string, string>): string {
  const chart = (key: string, title: string) => {
    const lines: Line[] = rows.flatMap((r) => {
      const s = series.find((x) => x.runId === r.runId && x.key === key);
      if (!s || s.steps.length === 0) return [];
      return [
        {
          label: r.name,
          color: colorOf.get(r.runId)!,
          points: Array.from(s.steps, (step, i) => ({ x: step, y: s.values[i]! })),
        },
      ];
    });
    return `<figure><figcaption>${escapeHtml(title)}</figcaption>${lineChartSvg(title, lines, (v) => fmt(v, "loss"))}</figure>`;
  };
  const legend = rows
    .map(
      (r) =>
        `<span><span class="swatch" style="background:${colorOf.get(r.runId)}"></span>${escapeHtml(r.name)}</span>`,
    )
    .join("");
  return `<h2>Loss curves</h2><div class="legend">${legend}</div><div class="two">${chart("train_loss", "Train loss")}${chart("eval_loss", "Eval loss")}</div>`;
}

function paretoSection(view: ParetoView): string {
  const q = QUALITY_AXES[view.quality];
  const c = COST_AXES[view.cost];
  const best = view.best
    ? `Best ${c.better === "min" ? "within" : "reaching at least"} ${escapeHtml(fmt(view.budget, c.unit))}: <strong>${escapeHtml(view.best.name)}</strong> (${escapeHtml(q.label.toLowerCase())} ${escapeHtml(fmt(view.best.y, q.unit))}, ${escapeHtml(c.label.toLowerCase())} ${escapeHtml(fmt(view.best.x, c.unit))})`
    : escapeHtml(view.bestReason ?? "");
  const methods = [...new Set(view.points.map((p) => p.method))];
  const legend = methods
    .map(
      (m) => `<span><span class="swatch" style="background:${methodColor(m)}"></span>${escapeHtml(m)}</span>`,
    )
    .join("");
  const chart =
    view.points.length === 0
      ? `<p class="muted">No run has both values.</p>`
      : scatterSvg({
          points: view.points.map((p) => ({
            ...p,
            id: p.runId,
            label: p.name,
            color: methodColor(p.method),
          })),
          frontier: view.frontier.map((p) => p.runId),
          xLabel: c.label,
          yLabel: q.label,
          formatX: (v) => fmt(v, c.unit),
          formatY: (v) => fmt(v, q.unit),
          logX: view.cost === "trainableParams",
          budget: view.budget,
          best: view.best?.runId ?? null,
        });
  const frontier = view.frontier
    .map(
      (p) =>
        `<li data-run-id="${escapeHtml(p.runId)}">${escapeHtml(p.name)}: ${escapeHtml(fmt(p.x, c.unit))}, ${escapeHtml(fmt(p.y, q.unit))}</li>`,
    )
    .join("");
  const excluded = view.excluded
    .map(
      (e) => `<li data-run-id="${escapeHtml(e.runId)}">${escapeHtml(e.name)}: ${escapeHtml(e.reason)}</li>`,
    )
    .join("");
  return `<h2>${escapeHtml(q.label)} against ${escapeHtml(c.label.toLowerCase())}</h2>
<p data-testid="pareto-best" data-run-id="${escapeHtml(view.best?.runId ?? "")}">${best}</p>
<div class="legend">${legend}<span>— frontier</span></div>${chart}
<h3>Frontier, from the best ${escapeHtml(c.label.toLowerCase())}</h3><ol data-testid="pareto-frontier">${frontier}</ol>
${excluded ? `<h3>Not shown</h3><ul data-testid="pareto-excluded">${excluded}</ul>` : ""}`;
}

function configsSection(rows: RunComparison[]): string {
  const items = rows
    .map(
      (r) =>
        `<details><summary>${escapeHtml(r.name)} (${escapeHtml(r.method)})</summary><pre>${escapeHtml(
          JSON.stringify({ method: r.methodConfig, hyperparameters: r.hyperparameters }, null, 2),
        )}</pre></details>`,
    )
    .join("");
  return `<h2>Configs</h2>${items}`;
}

function samplesSection(rows: RunComparison[]): string {
  const prompts = [...new Set(rows.flatMap((r) => r.samples.map((s) => s.prompt)))].sort();
  if (prompts.length === 0) return `<h2>Samples</h2><p class="muted">No samples.</p>`;
  const head = rows.map((r) => `<th>${escapeHtml(r.name)}</th>`).join("");
  const body = prompts
    .map(
      (p) =>
        `<tr><th scope="row">${escapeHtml(p)}</th>${rows
          .map((r) => {
            const s = r.samples.find((x) => x.prompt === p);
            return `<td>${s ? `${escapeHtml(s.output)} <span class="muted">(step ${s.step})</span>` : "—"}</td>`;
          })
          .join("")}</tr>`,
    )
    .join("");
  return `<h2>Samples (latest per prompt)</h2><div class="wrap"><table><thead><tr><th>Prompt</th>${head}</tr></thead><tbody>${body}</tbody></table></div>`;
}

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#1b1f24;max-width:1400px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px}h3{font-size:15px;margin:16px 0 6px}
.muted{color:#5b6570}table{border-collapse:collapse;font-size:13px}th,td{padding:4px 8px;border-bottom:1px solid #e3e7eb;text-align:left;vertical-align:top}
.num{text-align:right;font-variant-numeric:tabular-nums}.swatch{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:4px;vertical-align:-1px}
.legend{display:flex;gap:12px;flex-wrap:wrap;font-size:13px;margin-bottom:6px}.two{display:flex;gap:16px;flex-wrap:wrap}
figure{margin:0}figcaption{font-weight:600}pre{background:#f5f7f9;padding:8px;overflow:auto}.wrap{overflow-x:auto}svg{max-width:100%;height:auto}`;

export function compareReportHtml(report: CompareReport): string {
  const colorOf = new Map(report.rows.map((r, i) => [r.runId, COLORS[i % COLORS.length]!]));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(report.title)} — Tunelab comparison</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(report.title)}</h1>
<p class="muted">${escapeHtml(report.subtitle)} · ${report.rows.length} runs · exported ${escapeHtml(report.generatedAt.toISOString())} from Tunelab</p>
<h2>Runs side by side</h2>
<div class="wrap">${runsTable(report.rows, colorOf)}</div>
${memorySection(report.rows)}
${curvesSection(report.rows, report.series, colorOf)}
${paretoSection(report.pareto)}
${configsSection(report.rows)}
${samplesSection(report.rows)}
</body>
</html>
`;
}
