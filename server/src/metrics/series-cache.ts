import { LRUCache } from "lru-cache";

/**
 * Values derived from finished runs' points (downsampled series, compare's summaries), kept in memory: a
 * finished run's points never change, so the SQL that derives them (most of a `metrics` read) runs once.
 * An entry is keyed by the run, what was asked (keys, maxPoints) and the run's `finished` stamp (when it
 * finished and its attempt count, read from the run row on every request), so a retried run (QUEUED again,
 * its points deleted) or a deleted run never matches an old entry, whatever process cached it; those entries
 * just age out. Bounded by `maxSize` in the units `sizeOf` counts (points), least recently used first.
 */
export class FinishedRunCache<V extends {}> {
  private readonly lru: LRUCache<string, V> | undefined;

  /** maxSize 0 turns the cache off (every read runs the SQL). */
  constructor(maxSize: number, sizeOf: (value: V) => number) {
    this.lru =
      maxSize > 0
        ? new LRUCache<string, V>({ maxSize, sizeCalculation: (value) => Math.max(1, sizeOf(value)) })
        : undefined;
  }

  get enabled(): boolean {
    return this.lru !== undefined;
  }

  /** `asked` names what the value answers (sorted keys, maxPoints): part of the key. */
  get(runId: string, stamp: string, asked: unknown): V | undefined {
    return this.lru?.get(JSON.stringify([runId, stamp, asked]));
  }

  set(runId: string, stamp: string, asked: unknown, value: V): void {
    this.lru?.set(JSON.stringify([runId, stamp, asked]), value);
  }
}
