import type { MetricPoint, MetricSeries } from "./metric-point.type.js";

/** A series with no points (a key asked for that the run never reported). */
export function emptySeries(runId: string, key: string): MetricSeries {
  return {
    runId,
    key,
    totalPoints: 0,
    steps: new Int32Array(0),
    values: new Float64Array(0),
    wallTimesMs: new Float64Array(0),
  };
}

/** The series' points as objects: what `points` answers (the columns are how the server holds them). */
export function pointsOf(series: MetricSeries): MetricPoint[] {
  const out: MetricPoint[] = new Array(series.steps.length);
  for (let i = 0; i < out.length; i++) {
    out[i] = {
      runId: series.runId,
      key: series.key,
      step: series.steps[i]!,
      value: series.values[i]!,
      wallTimeMs: series.wallTimesMs[i]!,
    };
  }
  return out;
}
