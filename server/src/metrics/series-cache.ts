import { LRUCache } from "lru-cache";
import type { MetricSeries } from "./metric-point.type.js";

/**
 * Downsampled series of finished runs, kept in memory: a finished run's points never change, so the
 * downsampling SQL (most of a `metrics` read) runs once per (run, keys, maxPoints). An entry is keyed by
 * the run's `finished` stamp (finished_at and attempt_count, read from the run row on every request), so
 * a retried run (QUEUED again, its points deleted) or a deleted run never matches an old entry, whatever
 * process cached it; those entries just age out. Bounded by the points held, least recently used first.
 */
export class FinishedSeriesCache {
  private readonly lru: LRUCache<string, readonly MetricSeries[]> | undefined;

  /** maxPoints 0 turns the cache off (every read runs the SQL). */
  constructor(maxPoints: number) {
    this.lru =
      maxPoints > 0
        ? new LRUCache({
            maxSize: maxPoints,
            sizeCalculation: (series) =>
              Math.max(
                1,
                series.reduce((n, s) => n + s.points.length, 0),
              ),
          })
        : undefined;
  }

  get enabled(): boolean {
    return this.lru !== undefined;
  }

  /** Every series of one run for these keys (null = every key) and maxPoints, if cached under stamp. */
  get(runId: string, stamp: string, keys: readonly string[] | null, maxPoints: number) {
    return this.lru?.get(cacheKey(runId, stamp, keys, maxPoints));
  }

  set(
    runId: string,
    stamp: string,
    keys: readonly string[] | null,
    maxPoints: number,
    series: readonly MetricSeries[],
  ): void {
    this.lru?.set(cacheKey(runId, stamp, keys, maxPoints), series);
  }
}

function cacheKey(runId: string, stamp: string, keys: readonly string[] | null, maxPoints: number): string {
  // JSON keeps keys containing separators apart; keys arrive sorted and deduplicated.
  return JSON.stringify([runId, stamp, maxPoints, keys]);
}
