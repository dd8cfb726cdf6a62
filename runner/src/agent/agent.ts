import { join } from "node:path";
import type { Logger } from "pino";
import { ApiError, type JobEvent, RunnerApi, serverUrls, sleep, withRetry } from "./api.js";
import type { RunnerConfig } from "./config-file.js";
import { Connection } from "./connection.js";
import { freeMemoryBytes } from "./devices.js";
import { Heartbeat } from "./heartbeat.js";
import { type JobOutcome, JobRunner } from "./job-runner.js";
import { AgentMetrics, serveMetrics } from "./metrics-server.js";
import { createProgress, type Progress } from "./progress.js";
import { MetricSpool } from "./spool.js";
import { runnerCommand } from "@tunelab/core";

/**
 * The agent: wires the loops together (connection.ts: job stream, heartbeat.ts: leases and cancels,
 * spool.ts: metrics, job-runner.ts: one per job) and owns the two stop verbs — `stopGracefully` (finish
 * the running jobs, take no new one) and `stopNow` (interrupt them: reported retryable, resumed elsewhere).
 * `run()` resolves with the process exit code (exit-codes.ts).
 */

export const EXIT = {
  OK: 0,
  FAILURE: 1,
  /** The config file is missing or invalid. */
  CONFIG: 78,
  /** The server refused the token or the runner's secret (unknown, revoked). */
  AUTH: 77,
  /** The server could not be reached within --give-up-after. */
  UNAVAILABLE: 69,
  /** Another `start` holds this config file (its pid is in `<config>.lock`). */
  LOCKED: 75,
  /** Stopped now by a second signal, with jobs interrupted. */
  INTERRUPTED: 130,
} as const;

export interface AgentOptions {
  config: RunnerConfig;
  logger: Logger;
  /** Spool, job folders and caches. */
  workDir: string;
  maxJobs: number;
  graceMs: number;
  heartbeatMs?: number;
  metricsEverySteps: number;
  metricsEveryMs: number;
  backend?: string;
  metricsPort?: number;
  metricsHost?: string;
  retryMaxMs: number;
  /** Give up (exit UNAVAILABLE) when the server is unreachable at start for this long. */
  giveUpAfterMs: number;
  progress?: Progress;
}

export class Agent {
  readonly metrics = new AgentMetrics();
  private readonly api: RunnerApi;
  private readonly jobs = new Map<string, JobRunner>();
  /** Assignments that arrived while every slot was busy, started in order as slots free. */
  private readonly waiting: JobEvent[] = [];
  private readonly spool: MetricSpool;
  private readonly progress: Progress;
  private readonly log: Logger;
  private connection: Connection | null = null;
  private heartbeat: Heartbeat | null = null;
  private stopping: "graceful" | "now" | null = null;
  private exitCode: number = EXIT.OK;
  private finished!: () => void;
  private readonly whenFinished = new Promise<void>((r) => {
    this.finished = r;
  });
  private readonly abandon = new AbortController();
  metricsPort: number | null = null;

  constructor(private readonly o: AgentOptions) {
    this.log = o.logger;
    this.api = new RunnerApi(serverUrls(o.config.server), o.config.secret);
    this.progress = o.progress ?? createProgress(o.logger);
    this.spool = new MetricSpool(
      join(o.workDir, "spool"),
      (jobId, points) => this.api.reportMetrics(jobId, points),
      {
        onSent: (_jobId, n) => {
          this.metrics.pointsSent.inc(n);
          this.metrics.spoolPoints.set(this.spool.size());
        },
        onDrop: (jobId, n, err) =>
          this.log.warn({ jobId, points: n, err: err.message }, "metric points dropped"),
        onRecovered: (points, waitedMs) =>
          this.log.info({ points, waitedMs }, "spooled metric points sent after the server came back"),
      },
    );
  }

  async run(): Promise<number> {
    const { config } = this.o;
    let metricsServer: { port: number; close(): Promise<void> } | null = null;
    if (this.o.metricsPort !== undefined) {
      metricsServer = await serveMetrics(this.metrics, this.o.metricsPort, this.o.metricsHost);
      this.metricsPort = metricsServer.port;
      this.log.info(
        { host: this.o.metricsHost ?? "127.0.0.1", port: metricsServer.port },
        "Prometheus metrics on /metrics",
      );
    }
    try {
      if (!(await this.preflight())) return this.exitCode;
      this.log.info(
        { runnerId: config.runnerId, name: config.name, server: config.server, maxJobs: this.o.maxJobs },
        "runner online",
      );
      this.heartbeat = new Heartbeat(
        this.api,
        this.log,
        {
          runningJobIds: () => [...this.jobs.keys()],
          freeMemoryBytes,
        },
        {
          onCancel: (ids) => {
            for (const id of ids) this.jobs.get(id)?.cancel("cancel requested (heartbeat)");
          },
          onRejected: (err) => this.rejected(err.message),
          onResult: (ok) => this.metrics.heartbeats.inc({ result: ok ? "ok" : "error" }),
        },
        this.o.heartbeatMs,
      );
      this.heartbeat.start();
      this.connection = new Connection(
        this.api.urls,
        config.secret,
        this.log,
        {
          onEvent: (e) => this.onEvent(e),
          onConnected: (wasRetry) => {
            this.metrics.connected.set(1);
            if (wasRetry) {
              this.metrics.reconnects.inc();
              this.log.info("reconnected: re-announcing running jobs, sending spooled metrics");
              void this.heartbeat?.beat();
            } else this.log.info("connected: waiting for jobs");
            void this.spool.flush();
          },
          onDisconnected: (reason) => {
            this.metrics.connected.set(0);
            this.log.warn({ reason }, "connection lost; reconnecting with backoff");
          },
          onRejected: (reason) => this.rejected(reason),
        },
        { retryMaxMs: this.o.retryMaxMs },
      );
      this.connection.start();
      const retry = setInterval(() => {
        if (this.spool.size() > 0) void this.spool.flush();
        this.metrics.spoolPoints.set(this.spool.size());
      }, 2000);
      await this.whenFinished;
      clearInterval(retry);
      return this.exitCode;
    } finally {
      this.heartbeat?.stop();
      await this.connection?.close();
      // goodbye, unless the server refused our secret: OFFLINE on the Runners page now, not a lease later
      if (this.heartbeat && this.exitCode !== EXIT.AUTH)
        await Promise.race([this.api.signOff().catch(() => {}), sleep(2000)]);
      if (this.spool.size() > 0) {
        await Promise.race([this.spool.flush(), sleep(5000)]);
        if (this.spool.size() > 0)
          this.log.warn(
            { points: this.spool.size() },
            "unsent metric points stay in the spool for the next start",
          );
      }
      this.progress.close();
      await metricsServer?.close();
    }
  }

  /** One heartbeat before anything: checks the secret, and waits (with backoff) for the server. */
  private async preflight(): Promise<boolean> {
    const deadline = Date.now() + this.o.giveUpAfterMs;
    try {
      await withRetry(() => this.api.heartbeat({ runningJobIds: [], freeMemoryBytes: undefined }), {
        baseMs: 500,
        maxMs: this.o.retryMaxMs,
        deadline,
        signal: this.abandon.signal,
        onRetry: (e, wait) => this.log.warn({ retryInMs: Math.round(wait) }, `${e.message}; retrying`),
      });
      return true;
    } catch (err) {
      if (this.abandon.signal.aborted) return false;
      if (err instanceof ApiError && err.kind === "network") {
        this.log.error(
          `${err.message}; gave up after ${Math.round(this.o.giveUpAfterMs / 1000)} s (--give-up-after)`,
        );
        this.exitCode = EXIT.UNAVAILABLE;
      } else if (err instanceof ApiError && (err.kind === "auth" || err.kind === "forbidden")) {
        this.rejected(err.message);
      } else {
        this.log.error(`the server refused the heartbeat: ${(err as Error).message}`);
        this.exitCode = EXIT.FAILURE;
      }
      return false;
    }
  }

  private rejected(reason: string): void {
    if (this.exitCode === EXIT.AUTH) return;
    this.log.error(
      `the server rejected this runner (${reason}): it was revoked or its secret is unknown; ` +
        `register again with \`${runnerCommand("register --server URL --token TOKEN")}\``,
    );
    this.exitCode = EXIT.AUTH;
    this.stopNow("the runner's secret was rejected");
  }

  private onEvent(e: JobEvent): void {
    if (e.kind === "CANCEL") {
      const held = this.waiting.findIndex((w) => w.job.id === e.job.id);
      if (held >= 0) {
        this.waiting.splice(held, 1);
        this.giveBack(e.job.id, e.reason ?? "cancelled from the API");
      }
      this.jobs.get(e.job.id)?.cancel(e.reason ?? "cancelled from the API");
      return;
    }
    if (this.jobs.has(e.job.id)) return; // re-sent after a reconnect: already running here
    if (e.job.status === "RUNNING") {
      // a previous process of this runner started it and is gone: hand it back to resume from a checkpoint
      this.giveBack(e.job.id, "the runner restarted while the job ran");
      return;
    }
    if (this.stopping) {
      this.giveBack(e.job.id, "the runner is stopping");
      return;
    }
    if (this.jobs.size >= this.o.maxJobs) {
      // The server counts a slot free once completeJob is stored, which can be before the finished job's
      // clean-up here ends: hold the assignment until that slot frees rather than burn an attempt.
      if (!this.waiting.some((w) => w.job.id === e.job.id)) this.waiting.push(e);
      return;
    }
    const runner = new JobRunner(e.job, {
      api: this.api,
      logger: this.log,
      spool: this.spool,
      progress: this.progress,
      metrics: this.metrics,
      workDir: this.o.workDir,
      cacheDir: join(this.o.workDir, "cache"),
      graceMs: this.o.graceMs,
      metricsEverySteps: this.o.metricsEverySteps,
      metricsEveryMs: this.o.metricsEveryMs,
      backend: this.o.backend,
    });
    this.jobs.set(e.job.id, runner);
    if (this.stopping === "now") runner.interrupt("the runner is stopping now");
    void runner.run().then((outcome: JobOutcome) => {
      this.jobs.delete(e.job.id);
      const next = this.waiting.shift();
      if (next) this.onEvent(next);
      if (outcome === "interrupted" && this.exitCode === EXIT.OK) this.exitCode = EXIT.INTERRUPTED;
      void this.heartbeat?.beat();
      this.maybeFinish();
    });
  }

  private giveBack(jobId: string, reason: string): void {
    this.log.info({ jobId, reason }, "handing the job back");
    void withRetry(() => this.api.failJob(jobId, reason, true), { deadline: Date.now() + 60_000 }).catch(
      (err) => this.log.warn({ jobId, err: (err as Error).message }, "could not hand the job back"),
    );
  }

  /** Held jobs count too: their leases are renewed while they wait for a slot. */
  runningJobIds(): string[] {
    return [...this.jobs.keys(), ...this.waiting.map((w) => w.job.id)];
  }

  private giveBackWaiting(reason: string): void {
    for (const w of this.waiting.splice(0)) this.giveBack(w.job.id, reason);
  }

  /** First signal: finish what runs, take nothing new. */
  stopGracefully(): void {
    if (this.stopping) return;
    this.stopping = "graceful";
    this.abandon.abort();
    this.connection?.stopJobs();
    this.giveBackWaiting("the runner is stopping");
    this.log.info(
      { running: this.jobs.size },
      "stopping gracefully: finishing running jobs, taking no new one (signal again to stop now)",
    );
    this.maybeFinish();
  }

  /** Second signal (or a rejected secret): interrupt every job; they are reported retryable. */
  stopNow(reason = "stopped by the operator"): void {
    if (this.stopping === "now") return;
    this.stopping = "now";
    this.abandon.abort();
    this.connection?.stopJobs();
    this.giveBackWaiting("the runner is stopping");
    this.log.warn({ running: this.jobs.size }, `stopping now: ${reason}`);
    for (const job of this.jobs.values()) job.interrupt(reason);
    this.maybeFinish();
  }

  private maybeFinish(): void {
    if (this.stopping && this.jobs.size === 0) this.finished();
  }
}
