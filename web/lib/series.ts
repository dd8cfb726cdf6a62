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

/**
 * A series read again (downsampled by the server) in place of the one shown, keeping the shown points after
 * its last step: points streamed live since the answer was computed (a live run's answer can be a few
 * seconds behind its points), which the next read will hold.
 */
export function mergeFresh(fresh: Series, shown: Series | undefined): Series {
  const last = fresh.steps.at(-1);
  if (!shown || last === undefined) return shown && last === undefined ? shown : fresh;
  let from = shown.steps.length;
  while (from > 0 && shown.steps[from - 1]! > last) from--;
  if (from === shown.steps.length) return fresh;
  return {
    steps: [...fresh.steps, ...shown.steps.slice(from)],
    values: [...fresh.values, ...shown.values.slice(from)],
    wall: [...fresh.wall, ...shown.wall.slice(from)],
  };
}

export type XMode = "step" | "time";

/**
 * x of each point: the step, or seconds since the run started (`startedAtMs`, the run's startedAt), the
 * same origin for every series of that run — a run's first point is not its start (data loading, the
 * base model, a resumed attempt). A run not started yet has no time x.
 */
export function xsOf(series: Series, mode: XMode, startedAtMs: number | null): (number | null)[] {
  if (mode === "step") return series.steps;
  return series.wall.map((w) => (w == null || startedAtMs == null ? null : (w - startedAtMs) / 1000));
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

/**
 * A chart legend's value for one series: at the hovered index, or — with nothing hovered — the series'
 * latest point, so the legend reads as the current values instead of uPlot's "--" placeholders.
 */
export function legendValue(ys: ArrayLike<number | null | undefined>, idx: number | null): string {
  let i = idx ?? ys.length - 1;
  if (idx == null) while (i >= 0 && ys[i] == null) i--;
  const v = i >= 0 ? ys[i] : null;
  return v == null ? "" : Number(v.toPrecision(4)).toString();
}

/** px per character of a tick label (uPlot's default 12px font) and the tick's own gap. */
const TICK_CHAR_PX = 7.5;
const TICK_GAP_PX = 16;

/** The width a y axis needs for its tick labels (uPlot's axis `size`): the axis title goes beyond it. */
export function axisSize(tickLabels: readonly string[] | null | undefined): number {
  const longest = Math.max(0, ...(tickLabels ?? []).map((l) => l.length));
  return Math.ceil(longest * TICK_CHAR_PX + TICK_GAP_PX);
}
