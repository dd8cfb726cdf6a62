import type { Logger } from "../app/logger.js";
import { type Events, type EventMap, type EventTopic, type PendingEvent, publishAll } from "../app/events.js";
import type { Database } from "../db/database.js";
import { type Job, type JobEvent, JobEventKind } from "../jobs/job.types.js";
import { loadJobs } from "../jobs/spec.js";
import { endAttempt, type RetryPolicy } from "./attempts.js";
import { claimRuns, expireLeases, liveJobIdsOf } from "./claim.js";
import { unplacedReason } from "./placement.js";

export interface DispatchConfig extends RetryPolicy {
  /** A job's lease: renewed by heartbeats; past it the job expires and its run is requeued. */
  leaseMs: number;
}

/** One `jobs` subscription of a runner: a push queue the subscription iterates. */
class JobSink implements AsyncIterableIterator<JobEvent> {
  /** Set until the runner's live jobs have been re-sent on this subscription. */
  needsResend = true;
  private readonly buffer: JobEvent[] = [];
  private waiting: ((r: IteratorResult<JobEvent>) => void) | null = null;
  private done = false;

  constructor(private readonly onClose: () => void) {}

  push(event: JobEvent): void {
    if (this.done) return;
    const waiting = this.waiting;
    if (waiting) {
      this.waiting = null;
      waiting({ value: event, done: false });
    } else this.buffer.push(event);
  }

  next(): Promise<IteratorResult<JobEvent>> {
    const event = this.buffer.shift();
    if (event) return Promise.resolve({ value: event, done: false });
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  return(): Promise<IteratorResult<JobEvent>> {
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  end(): void {
    if (this.done) return;
    this.done = true;
    this.onClose();
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.({ value: undefined, done: true });
  }

  [Symbol.asyncIterator]() {
    return this;
  }
}

/** Status reasons dispatch writes (and may clear again); any other reason is left alone. */
const placementReasonPattern = /^(needs |waiting: no runner)/;

/**
 * Hands QUEUED runs to the runners connected to this process. Each runner's claims are serialised here
 * (one claim transaction at a time per runner) and, across processes, by the runner row lock inside the
 * claim; runs are picked with SKIP LOCKED so runners never wait on each other. Claims are triggered by
 * RUNS_QUEUED (any process, via NOTIFY), JOBS_WAKE (a slot was freed), a new subscription and the
 * periodic tick, which also expires leases (every process sweeps; SKIP LOCKED shares the work) and keeps
 * the "fits no online runner" status reasons current.
 */
export class Dispatcher {
  private readonly sinks = new Map<string, Set<JobSink>>();
  private readonly workers = new Map<string, { again: boolean }>();
  private readonly listeners: { return?: () => unknown }[] = [];
  private tickTimer: NodeJS.Timeout | undefined;
  private reasonsTimer: NodeJS.Timeout | undefined;
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private ticking = false;
  /** When placement reasons were last refreshed (ms since the epoch). */
  private reasonsAt = 0;
  private stopped = false;

  constructor(
    private readonly db: Database,
    private readonly events: Events,
    private readonly config: DispatchConfig,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.listen("RUNS_QUEUED", () => {
      this.wakeAll();
      this.scheduleReasons();
    });
    this.listen("JOBS_WAKE", ({ runnerId }) => (runnerId === "*" ? this.wakeAll() : this.wake(runnerId)));
    this.listen("RUN_CANCEL_REQUESTED", (e) => void this.pushCancel(e));
    // Leases are swept at least every leaseMs/2; waiting runs are re-offered at least every 2 s, which bounds
    // a wake-up lost to SKIP LOCKED (a claim skipping rows another transaction held and then let go).
    this.tickTimer = setInterval(
      () => void this.tick(),
      Math.max(20, Math.min(2_000, Math.floor(this.config.leaseMs / 2))),
    );
    this.tickTimer.unref();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.tickTimer);
    clearTimeout(this.reasonsTimer);
    for (const t of this.retryTimers) clearTimeout(t);
    for (const l of this.listeners) l.return?.();
    for (const set of this.sinks.values()) for (const sink of set) sink.end();
  }

  /** The `jobs` subscription of a runner: its live jobs re-sent, then claims as slots free up. */
  subscribe(runnerId: string): AsyncIterableIterator<JobEvent> {
    const sink = new JobSink(() => {
      const set = this.sinks.get(runnerId);
      set?.delete(sink);
      if (set?.size === 0) this.sinks.delete(runnerId);
    });
    const set = this.sinks.get(runnerId) ?? new Set();
    set.add(sink);
    this.sinks.set(runnerId, set);
    // Connecting is a sign of life: the runner counts as online for placement until its lease passes.
    this.db
      .read((m) =>
        m.query(`UPDATE runner SET last_heartbeat_at = now(), signed_off_at = NULL WHERE id = $1`, [
          runnerId,
        ]),
      )
      .then(() => this.scheduleReasons())
      .catch((err: unknown) => this.logger.warn({ err, runnerId }, "dispatch: could not mark runner seen"));
    this.wake(runnerId);
    return sink;
  }

  /** Runners with a subscription to this process. */
  connectedRunners(): string[] {
    return [...this.sinks.keys()];
  }

  /** Publishes events of a committed transaction; a delayed requeue also gets a timer to claim it. */
  publish(pending: readonly PendingEvent[], retryAfterMs: number | null = null): void {
    publishAll(this.events, pending);
    if (retryAfterMs !== null && !this.stopped) {
      const timer = setTimeout(() => {
        this.retryTimers.delete(timer);
        this.events.publish("JOBS_WAKE", { runnerId: "*" });
      }, retryAfterMs + 5);
      timer.unref();
      this.retryTimers.add(timer);
    }
  }

  private listen<K extends EventTopic>(topic: K, handle: (payload: EventMap[K][0]) => void): void {
    const iterator = (this.events.subscribe as (t: string) => AsyncIterableIterator<EventMap[K][0]>)(topic);
    this.listeners.push(iterator);
    void (async () => {
      for await (const payload of iterator) {
        try {
          handle(payload);
        } catch (err) {
          this.logger.error({ err, topic }, "dispatch: event handler failed");
        }
      }
    })();
  }

  private wakeAll(): void {
    for (const runnerId of this.sinks.keys()) this.wake(runnerId);
  }

  private wake(runnerId: string): void {
    if (this.stopped || !this.sinks.has(runnerId)) return;
    const running = this.workers.get(runnerId);
    if (running) {
      running.again = true;
      return;
    }
    const state = { again: false };
    this.workers.set(runnerId, state);
    void this.work(runnerId, state);
  }

  /** Re-sends and claims for one runner until no wake-up arrived meanwhile. */
  private async work(runnerId: string, state: { again: boolean }): Promise<void> {
    try {
      do {
        state.again = false;
        const fresh = [...(this.sinks.get(runnerId) ?? [])].filter((s) => s.needsResend);
        if (fresh.length > 0) {
          for (const s of fresh) s.needsResend = false;
          const jobs = await this.db.read(async (m) => loadJobs(m, await liveJobIdsOf(m, runnerId)));
          for (const s of fresh)
            for (const job of jobs) s.push({ kind: JobEventKind.ASSIGNED, job, reason: null });
        }
        const claimed = await this.db.write((m) => claimRuns(m, runnerId, this.config.leaseMs));
        if (claimed.length > 0) {
          const jobs = await this.db.read((m) =>
            loadJobs(
              m,
              claimed.map((c) => c.jobId),
            ),
          );
          this.pushTo(runnerId, jobs, JobEventKind.ASSIGNED, null);
          publishAll(
            this.events,
            claimed.map((c) => ({
              topic: "RUN_UPDATED",
              payload: { runId: c.runId, experimentId: c.experimentId },
            })),
          );
          // Slots may remain (max_jobs > 1 and more runs queued meanwhile): one more pass is cheap.
          state.again = true;
        }
      } while (state.again && !this.stopped && this.sinks.has(runnerId));
    } catch (err) {
      if (!this.stopped)
        this.logger.error({ err, runnerId }, "dispatch: claim failed; the next tick retries");
    } finally {
      // In the same microtask as the loop's last check: a wake-up arriving later starts a new worker.
      this.workers.delete(runnerId);
    }
  }

  private pushTo(runnerId: string, jobs: Job[], kind: JobEventKind, reason: string | null): void {
    for (const sink of this.sinks.get(runnerId) ?? [])
      for (const job of jobs) sink.push({ kind, job, reason });
  }

  private async pushCancel(e: EventMap["RUN_CANCEL_REQUESTED"][0]): Promise<void> {
    if (!e.runnerId || !this.sinks.has(e.runnerId)) return;
    try {
      const jobs = await this.db.read(async (m) => {
        const ids = e.jobId
          ? [e.jobId]
          : (
              (await m.query(`SELECT id FROM job WHERE run_id = $1 AND status IN ('ASSIGNED', 'RUNNING')`, [
                e.runId,
              ])) as { id: string }[]
            ).map((r) => r.id);
        return loadJobs(m, ids);
      });
      this.pushTo(e.runnerId, jobs, JobEventKind.CANCEL, e.reason);
    } catch (err) {
      this.logger.error({ err, runId: e.runId }, "dispatch: could not push a cancel");
    }
  }

  /** Expires leases, wakes runners when claimable runs wait, refreshes placement reasons. */
  async tick(): Promise<void> {
    if (this.ticking || this.stopped) return;
    this.ticking = true;
    try {
      for (;;) {
        const { events, count } = await this.db.write(async (m) => {
          const expired = await expireLeases(m, 100);
          const events: PendingEvent[] = [];
          for (const job of expired) {
            const end = await endAttempt(m, job, { kind: "expired" }, this.config);
            events.push(...end.events);
          }
          return { events, count: expired.length };
        });
        if (count > 0) this.logger.warn({ count }, "dispatch: leases expired; runs requeued or failed");
        publishAll(this.events, events);
        if (count < 100) break;
      }
      const [waiting] = await this.db.read(
        (m) =>
          m.query(
            `SELECT EXISTS (SELECT 1 FROM run WHERE status = 'QUEUED' AND cancel_requested_at IS NULL) AS queued,
                    EXISTS (SELECT 1 FROM run WHERE status = 'QUEUED' AND cancel_requested_at IS NULL
                               AND (not_before IS NULL OR not_before <= now())) AS claimable`,
          ) as Promise<{ queued: boolean; claimable: boolean }[]>,
      );
      // Runners come and go (heartbeats stop): reasons of waiting runs follow in every process.
      if (waiting?.queued && Date.now() - this.reasonsAt >= this.config.leaseMs / 2) this.scheduleReasons();
      if (waiting?.claimable) this.wakeAll();
    } catch (err) {
      if (!this.stopped) this.logger.error({ err }, "dispatch: sweep failed");
    } finally {
      this.ticking = false;
    }
  }

  scheduleReasons(): void {
    if (this.reasonsTimer || this.stopped) return;
    this.reasonsTimer = setTimeout(() => {
      this.reasonsTimer = undefined;
      this.reasonsAt = Date.now();
      this.refreshReasons().catch((err: unknown) => {
        if (!this.stopped) this.logger.error({ err }, "dispatch: placement reasons failed");
      });
    }, 50);
    this.reasonsTimer.unref();
  }

  /** Sets (or clears) "fits no online runner" on QUEUED runs; publishes RUN_UPDATED for the changed ones. */
  async refreshReasons(): Promise<void> {
    const changed = await this.db.write(async (m) => {
      const runs: {
        id: string;
        experiment_id: string | null;
        required_labels: string[];
        predicted_total_bytes: string;
        status_reason: string | null;
      }[] = await m.query(
        `SELECT id, experiment_id, required_labels, predicted_total_bytes, status_reason FROM run
          WHERE status = 'QUEUED' AND cancel_requested_at IS NULL ORDER BY queued_at, seq LIMIT 5000`,
      );
      if (runs.length === 0) return [];
      const online: { labels: string[]; mem: string }[] = await m.query(
        `SELECT labels, max_device_memory_bytes AS mem FROM runner
          WHERE revoked_at IS NULL AND signed_off_at IS NULL
            AND last_heartbeat_at > now() - $1::int * interval '1 millisecond'`,
        [this.config.leaseMs],
      );
      const runners = online.map((r) => ({ labels: r.labels, maxDeviceMemoryBytes: Number(r.mem) }));
      const updates = runs.flatMap((run) => {
        const reason = unplacedReason(
          { labels: run.required_labels, predictedMemoryBytes: Number(run.predicted_total_bytes) },
          runners,
        );
        if (reason === run.status_reason) return [];
        if (reason === null && !placementReasonPattern.test(run.status_reason ?? "")) return [];
        return [{ id: run.id, experimentId: run.experiment_id, reason }];
      });
      if (updates.length === 0) return [];
      await m.query(
        `UPDATE run SET status_reason = u.reason, updated_at = now()
           FROM unnest($1::uuid[], $2::text[]) AS u(id, reason)
          WHERE run.id = u.id AND run.status = 'QUEUED'`,
        [updates.map((u) => u.id), updates.map((u) => u.reason)],
      );
      return updates;
    });
    publishAll(
      this.events,
      changed.map((u) => ({ topic: "RUN_UPDATED", payload: { runId: u.id, experimentId: u.experimentId } })),
    );
  }
}
