// Small inline SVG bars for table cells: a pure function of the numbers, with a text equivalent.
import { formatBytes, formatCount } from "../../lib/format";
import { MEMORY_COLORS } from "../../lib/palette";

/** The predicted memory terms shown stacked, in stacking order; colours: lib/palette.ts (no category hue). */
export const MEMORY_TERMS = [
  { key: "frozen", label: "Frozen weights", color: MEMORY_COLORS.frozen },
  { key: "trainable", label: "Trainable weights", color: MEMORY_COLORS.trainable },
  { key: "gradients", label: "Gradients", color: MEMORY_COLORS.gradients },
  { key: "optimizer", label: "Optimizer state", color: MEMORY_COLORS.optimizer },
  { key: "activations", label: "Activations", color: MEMORY_COLORS.activations },
] as const;
export const MEASURED_COLOR = MEMORY_COLORS.measured;

export type MemoryTerms = Record<(typeof MEMORY_TERMS)[number]["key"], number>;

/** core's MemoryEstimate (or the GraphQL MemoryBreakdown) → the five stacked terms; quant constants count as frozen. */
export function memoryTerms(m: Record<string, unknown> | null | undefined): MemoryTerms {
  const n = (k: string) => (typeof m?.[k] === "number" ? (m[k] as number) : 0);
  return {
    frozen: n("frozenWeights") + n("quantConstants"),
    trainable: n("trainableWeights"),
    gradients: n("gradients"),
    optimizer: n("optimizerState"),
    activations: n("activations"),
  };
}

export function MemoryLegend() {
  return (
    <div className="chart-legend" aria-hidden="true">
      {MEMORY_TERMS.map((t) => (
        <span key={t.key}>
          <span className="swatch" style={{ background: t.color }} />
          {t.label}
        </span>
      ))}
      <span>
        <span className="swatch" style={{ background: MEASURED_COLOR }} />
        Measured peak
      </span>
    </div>
  );
}

/** Predicted memory stacked term by term, and the measured peak as a second bar, on a shared linear scale. */
export function MemoryBar({
  terms,
  measured,
  max,
  width = 170,
}: {
  terms: MemoryTerms;
  measured?: number | null;
  max: number;
  width?: number;
}) {
  const total = MEMORY_TERMS.reduce((s, t) => s + terms[t.key], 0);
  const scale = (v: number) => (max > 0 ? (v / max) * width : 0);
  let x = 0;
  const label =
    `Predicted ${formatBytes(total)}: ` +
    MEMORY_TERMS.map((t) => `${t.label.toLowerCase()} ${formatBytes(terms[t.key])}`).join(", ") +
    (measured != null ? `. Measured peak ${formatBytes(measured)}.` : ". Not measured yet.");
  return (
    <svg className="bar-svg" width={width} height={measured != null ? 26 : 12} role="img" aria-label={label}>
      <title>{label}</title>
      {MEMORY_TERMS.map((t) => {
        const w = scale(terms[t.key]);
        const rect = <rect key={t.key} x={x} y={0} width={Math.max(0, w)} height={11} fill={t.color} />;
        x += w;
        return rect;
      })}
      {measured != null ? (
        <rect x={0} y={14} width={Math.max(1, scale(measured))} height={11} fill={MEASURED_COLOR} />
      ) : null}
    </svg>
  );
}

/** A bar whose length is log10(value) between log10(min) and log10(max): parameters from 10³ to 10¹⁰ fit. */
export function LogBar({
  value,
  min,
  max,
  width = 140,
}: {
  value: number;
  min: number;
  max: number;
  width?: number;
}) {
  const lo = Math.log10(Math.max(1, min)) - 0.5;
  const hi = Math.log10(Math.max(1, max));
  const v = Math.log10(Math.max(1, value));
  const w = hi > lo ? ((v - lo) / (hi - lo)) * width : width;
  const label = `${formatCount(value)} (log scale)`;
  return (
    <svg className="bar-svg" width={width} height={10} role="img" aria-label={label}>
      <title>{label}</title>
      <rect x={0} y={0} width={width} height={10} fill="#eef1f4" />
      <rect x={0} y={0} width={Math.max(1, w)} height={10} fill="var(--fg-muted)" />
    </svg>
  );
}
