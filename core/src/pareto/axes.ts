// The axes a Pareto view can use: what a run bought (quality) and what it cost, each naming the comparison
// field it reads and which direction is better. Shared by the server's `pareto` query, its HTML report and
// the dashboard's scatter, so all three pick the same numbers.
import { formatBytes } from "../format-bytes.js";
import type { Better } from "./frontier.js";

export type AxisUnit = "loss" | "bytes" | "count" | "ms" | "tokens/s";

export interface ParetoAxis<F extends string = string> {
  /** The comparison row's field (GraphQL `compare`). */
  field: F;
  label: string;
  better: Better;
  unit: AxisUnit;
  /** What a run lacking the value is missing, for the exclusion reason. */
  missing: string;
}

export const QUALITY_AXES = {
  finalEvalLoss: {
    field: "finalEvalLoss",
    label: "Final eval loss",
    better: "min",
    unit: "loss",
    missing: "no eval loss",
  },
  bestEvalLoss: {
    field: "bestEvalLoss",
    label: "Best eval loss",
    better: "min",
    unit: "loss",
    missing: "no eval loss",
  },
  forgetting: {
    field: "forgettingDelta",
    label: "Forgetting (general loss after − before)",
    better: "min",
    unit: "loss",
    missing: "no forgetting measurement (the experiment has no forgetting set)",
  },
} as const satisfies Record<string, ParetoAxis>;

export const COST_AXES = {
  peakMemory: {
    field: "measuredPeakBytes",
    label: "Measured peak memory",
    better: "min",
    unit: "bytes",
    missing: "no measured peak memory",
  },
  trainableParams: {
    field: "trainableParams",
    label: "Trainable parameters",
    better: "min",
    unit: "count",
    missing: "no parameter count",
  },
  wallTime: {
    field: "durationMs",
    label: "Wall time",
    better: "min",
    unit: "ms",
    missing: "no wall time (never started or finished)",
  },
  tokensPerSecond: {
    field: "tokensPerSecond",
    label: "Tokens per second",
    better: "max",
    unit: "tokens/s",
    missing: "no tokens/s measurement",
  },
} as const satisfies Record<string, ParetoAxis>;

export type QualityAxis = keyof typeof QUALITY_AXES;
export type CostAxis = keyof typeof COST_AXES;
export const QUALITY_AXIS_NAMES = Object.keys(QUALITY_AXES) as QualityAxis[];
export const COST_AXIS_NAMES = Object.keys(COST_AXES) as CostAxis[];

/** A value on an axis as a person reads it (sizes in core's one convention, formatBytes). */
export function formatAxisValue(value: number, unit: AxisUnit): string {
  switch (unit) {
    case "bytes":
      return formatBytes(value);
    case "count":
      return scaled(value, ["", "K", "M", "B"], 1000);
    case "ms":
      return value < 1000 ? `${Math.round(value)} ms` : `${Number((value / 1000).toPrecision(3))} s`;
    case "tokens/s":
      return `${Number(value.toPrecision(4))} tokens/s`;
    case "loss":
      return String(Number(value.toPrecision(4)));
  }
}

function scaled(value: number, units: string[], step: number): string {
  let v = value;
  let u = 0;
  while (Math.abs(v) >= step && u < units.length - 1) {
    v /= step;
    u++;
  }
  return `${u === 0 ? v : Number(v.toPrecision(3))}${units[u]}`;
}
