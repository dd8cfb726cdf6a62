import { AsyncLocalStorage } from "node:async_hooks";
import type { AnswerGenerations } from "./generations.js";

/**
 * The metric-point generations an answer read, recorded where metric points are read (the metrics service,
 * the metric keys loader) while the answer is computed: its runs are known only then (a comparison's runs
 * are the experiment's). Each slot keeps the generation seen before the read, so a point appended while the
 * answer was computed makes it stale at once.
 */
export class ReadDependencies {
  readonly metricSlots: number[] = [];
  readonly metricGenerations: number[] = [];
  private readonly seen = new Set<number>();

  constructor(private readonly generations: AnswerGenerations) {}

  metricsOf(runIds: Iterable<string>): void {
    for (const id of runIds) {
      const slot = this.generations.metricsSlot(id);
      if (this.seen.has(slot)) continue;
      this.seen.add(slot);
      this.metricSlots.push(slot);
      this.metricGenerations.push(this.generations.metricsGeneration(slot));
    }
  }
}

const recording = new AsyncLocalStorage<ReadDependencies>();

/** Runs fn (the rest of a request) recording into deps what it reads. */
export function recordReads<T>(deps: ReadDependencies, fn: () => T): T {
  return recording.run(deps, fn);
}

/** Called by every reader of metric points: the answer being computed (if any) depends on these runs'. */
export function recordMetricReads(runIds: Iterable<string>): void {
  recording.getStore()?.metricsOf(runIds);
}
