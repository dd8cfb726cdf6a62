// Metric series as the charts draw them, and aligning several runs' series on one x axis (uPlot wants one x).

export interface Series {
  steps: number[];
  values: number[];
  /** ms since the epoch, or null when the runner sent none. */
  wall: (number | null)[];
}

export interface RawPoint {
  runId: string;
  key: string;
  step: number;
  value: number;
  wallTimeMs?: number | null;
}

export function emptySeries(): Series {
  return { steps: [], values: [], wall: [] };
}

/** Adds points in step order; a step already present is kept as it was (points are idempotent per step). */
export function appendPoints(series: Series, points: readonly RawPoint[]): Series {
  const next: Series = {
    steps: series.steps.slice(),
    values: series.values.slice(),
    wall: series.wall.slice(),
  };
  for (const p of points) {
    const last = next.steps.length - 1;
    if (last < 0 || p.step > next.steps[last]!) {
      next.steps.push(p.step);
      next.values.push(p.value);
      next.wall.push(p.wallTimeMs ?? null);
      continue;
    }
    let lo = 0;
    let hi = next.steps.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (next.steps[mid]! < p.step) lo = mid + 1;
      else hi = mid;
    }
    if (next.steps[lo] === p.step) continue;
    next.steps.splice(lo, 0, p.step);
    next.values.splice(lo, 0, p.value);
    next.wall.splice(lo, 0, p.wallTimeMs ?? null);
  }
  return next;
}

export type XMode = "step" | "time";

/** x of each point: the step, or seconds since the run's first point with a wall time. */
export function xsOf(series: Series, mode: XMode): (number | null)[] {
  if (mode === "step") return series.steps;
  const first = series.wall.find((w) => w != null);
  return series.wall.map((w) => (w == null || first == null ? null : (w - first) / 1000));
}

/** One x array (sorted union) and each series' y on it (null where a series has no point): uPlot's data. */
export function alignSeries(list: readonly { xs: (number | null)[]; ys: (number | null)[] }[]): {
  x: number[];
  ys: (number | null)[][];
} {
  const all = new Set<number>();
  for (const s of list) for (const x of s.xs) if (x != null) all.add(x);
  const x = Array.from(all).sort((a, b) => a - b);
  const index = new Map<number, number>();
  for (let i = 0; i < x.length; i++) index.set(x[i]!, i);
  const ys = list.map((s) => {
    const out: (number | null)[] = new Array(x.length).fill(null);
    for (let i = 0; i < s.xs.length; i++) {
      const xv = s.xs[i];
      if (xv != null) out[index.get(xv)!] = s.ys[i] ?? null;
    }
    return out;
  });
  return { x, ys };
}

/** 16 distinguishable colours (Okabe–Ito first, then Tableau), assigned by run order. */
export const RUN_COLORS = [
  "#0072B2",
  "#D55E00",
  "#009E73",
  "#CC79A7",
  "#E69F00",
  "#56B4E9",
  "#000000",
  "#F0E442",
  "#4E79A7",
  "#E15759",
  "#59A14F",
  "#B07AA1",
  "#9C755F",
  "#76B7B2",
  "#EDC948",
  "#BAB0AC",
];
