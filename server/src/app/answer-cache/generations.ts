import type { EventTopic, Events } from "../events.js";

/** Counters per hashed run id: a bounded table, so a collision costs a needless miss, never a stale answer. */
const metricSlots = 1 << 16;

/**
 * What a cached answer was computed against. Writes bump a generation; an answer is served only while
 * every generation it read is unchanged:
 * - `entities`: everything but metric points (experiments, runs and their states, datasets, base models,
 *   adapters…), bumped by every mutation and every event except the ones below;
 * - the metric points of one run, bumped by METRICS_APPENDED for that run, so a runner reporting every
 *   second leaves other runs' answers (a finished comparison, the experiments list) cached.
 * Events cross server processes (LISTEN/NOTIFY on PostgreSQL), so another process's writes bump these too.
 */
export class AnswerGenerations {
  private entityGeneration = 0;
  private readonly metrics = new Uint32Array(metricSlots);
  private readonly subscriptions: AsyncIterator<unknown>[] = [];

  get entities(): number {
    return this.entityGeneration;
  }

  bumpEntities(): void {
    this.entityGeneration++;
  }

  /** The slot of a run's metric points (FNV-1a of its id). */
  metricsSlot(runId: string): number {
    let h = 0x811c9dc5;
    for (let i = 0; i < runId.length; i++) h = Math.imul(h ^ runId.charCodeAt(i), 0x01000193);
    return (h >>> 0) & (metricSlots - 1);
  }

  metricsGeneration(slot: number): number {
    return this.metrics[slot]!;
  }

  bumpMetrics(runId: string): void {
    this.metrics[this.metricsSlot(runId)]!++;
  }

  /** Bumps on the events every write publishes (in this process and, through the bridge, in others). */
  listen(events: Events): void {
    const subscribe = events.subscribe.bind(events) as (topic: EventTopic) => AsyncIterable<unknown>;
    const follow = async (topic: EventTopic, onEvent: (payload: unknown) => void) => {
      const iterator = subscribe(topic)[Symbol.asyncIterator]();
      this.subscriptions.push(iterator);
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) onEvent(next.value);
    };
    const entities = () => this.bumpEntities();
    for (const topic of entityTopics) void follow(topic, entities);
    void follow("METRICS_APPENDED", (payload) => this.bumpMetrics((payload as { runId: string }).runId));
  }

  stop(): void {
    for (const s of this.subscriptions.splice(0)) void s.return?.();
  }
}

/**
 * Topics that announce a change to what answers show (besides metric points). JOBS_WAKE is a dispatch
 * wake-up and PLAYGROUND_UPDATED concerns playground sessions, which are never cached.
 */
const entityTopics = [
  "DATA_CHANGED",
  "DATASET_CREATED",
  "RUNS_QUEUED",
  "RUN_UPDATED",
  "RUN_CANCEL_REQUESTED",
] as const satisfies readonly EventTopic[];
