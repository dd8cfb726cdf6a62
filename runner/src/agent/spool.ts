import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ApiError, type MetricPointInput } from "./api.js";

/**
 * Never lose a metric: every batch is kept in memory and in `<dir>/<jobId>.json` until the server has
 * accepted it; a failed send leaves it for the next flush (after a reconnect, or the retry timer). The
 * server is idempotent on (run, key, step), so sending a batch twice is harmless. A spool left by a
 * previous process is loaded and sent at start. Files are small (a job's unsent points) and rewritten
 * whole (temp + rename), so a crash mid-write leaves the previous version.
 */

export type SendBatch = (jobId: string, points: MetricPointInput[]) => Promise<unknown>;

export interface SpoolEvents {
  /** A send failed for good (e.g. the job is no longer ours): the points are dropped. */
  onDrop?: (jobId: string, points: number, error: Error) => void;
  onSent?: (jobId: string, points: number) => void;
  /** Everything is sent again after sends had failed: how many points waited, and since when. */
  onRecovered?: (points: number, waitedMs: number) => void;
}

export class MetricSpool {
  private readonly pending = new Map<string, MetricPointInput[][]>();
  private flushing: Promise<void> | null = null;
  private again = false;
  private stuckSince: number | null = null;
  private recovered = 0;

  constructor(
    private readonly dir: string,
    private readonly send: SendBatch,
    private readonly events: SpoolEvents = {},
  ) {
    mkdirSync(dir, { recursive: true });
    for (const name of readdirSync(dir)) {
      if (!name.endsWith(".json")) continue;
      try {
        const batches = JSON.parse(readFileSync(join(dir, name), "utf8")) as MetricPointInput[][];
        if (batches.length > 0) this.pending.set(name.slice(0, -".json".length), batches);
      } catch {
        rmSync(join(dir, name), { force: true });
      }
    }
  }

  /** Points waiting, per job or in all. */
  size(jobId?: string): number {
    const count = (bs: MetricPointInput[][]) => bs.reduce((n, b) => n + b.length, 0);
    if (jobId) return count(this.pending.get(jobId) ?? []);
    let n = 0;
    for (const bs of this.pending.values()) n += count(bs);
    return n;
  }

  add(jobId: string, points: MetricPointInput[]): void {
    if (points.length === 0) return;
    const batches = this.pending.get(jobId) ?? [];
    batches.push(points);
    this.pending.set(jobId, batches);
    this.persist(jobId);
  }

  /**
   * Sends what is pending, oldest first per job; stops at the first network failure (the rest waits).
   * Concurrent calls share one pass (and trigger one more pass after it).
   */
  flush(): Promise<void> {
    if (this.flushing) {
      this.again = true;
      return this.flushing;
    }
    this.flushing = (async () => {
      try {
        do {
          this.again = false;
          await this.pass();
        } while (this.again);
      } finally {
        this.flushing = null;
      }
    })();
    return this.flushing;
  }

  private async pass(): Promise<void> {
    for (const [jobId, batches] of this.pending) {
      while (batches.length > 0) {
        const batch = batches[0]!;
        try {
          await this.send(jobId, batch);
          this.events.onSent?.(jobId, batch.length);
          if (this.stuckSince !== null) this.recovered += batch.length;
        } catch (err) {
          if (err instanceof ApiError && err.retryable) {
            this.stuckSince ??= Date.now(); // server away: keep everything
            return;
          }
          this.events.onDrop?.(jobId, batch.length, err as Error);
        }
        batches.shift();
        this.persist(jobId);
      }
      this.pending.delete(jobId);
    }
    if (this.stuckSince !== null) {
      this.events.onRecovered?.(this.recovered, Date.now() - this.stuckSince);
      this.stuckSince = null;
      this.recovered = 0;
    }
  }

  private persist(jobId: string): void {
    const file = join(this.dir, `${jobId}.json`);
    const batches = this.pending.get(jobId) ?? [];
    if (batches.length === 0) {
      rmSync(file, { force: true });
      return;
    }
    writeFileSync(`${file}.tmp`, JSON.stringify(batches));
    renameSync(`${file}.tmp`, file);
  }
}

/**
 * Turns step metrics into batches: `flushEverySteps` steps or `flushEveryMs` after the first unsent
 * point, whichever comes first. `flush()` hands the batch to the spool.
 */
export class MetricBatcher {
  private points: MetricPointInput[] = [];
  private steps = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly jobId: string,
    private readonly spool: MetricSpool,
    private readonly opts: { everySteps: number; everyMs: number },
  ) {}

  add(points: MetricPointInput[]): void {
    this.points.push(...points);
    this.steps += 1;
    if (this.steps >= this.opts.everySteps) this.flush();
    else if (!this.timer) this.timer = setTimeout(() => this.flush(), this.opts.everyMs);
  }

  /** Moves the batch into the spool and starts sending it. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.points.length > 0) this.spool.add(this.jobId, this.points);
    this.points = [];
    this.steps = 0;
    return this.spool.flush();
  }
}

/** The engine's per-step metrics under the protocol's keys. */
export function metricPoints(m: {
  step: number;
  trainLoss: number;
  evalLoss?: number;
  lr: number;
  gradNorm: number;
  tokensPerSecond: number;
  liveTensorBytes: number;
}): MetricPointInput[] {
  const wallTimeMs = Date.now();
  const points: [string, number | undefined][] = [
    ["train_loss", m.trainLoss],
    ["eval_loss", m.evalLoss],
    ["learning_rate", m.lr],
    ["grad_norm", m.gradNorm],
    ["tokens_per_second", m.tokensPerSecond],
    ["live_tensor_bytes", m.liveTensorBytes],
  ];
  return points.flatMap(([key, value]) =>
    value === undefined || !Number.isFinite(value) ? [] : [{ key, step: m.step, value, wallTimeMs }],
  );
}
