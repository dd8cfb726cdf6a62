import type { Logger } from "pino";
import { ApiError, type RunnerApi } from "./api.js";

/**
 * The heartbeat loop: every interval (a third of the lease the server grants, unless fixed) it tells the
 * server which jobs run here and how much memory is free; the answer renews their leases and lists jobs
 * to cancel. `beat()` sends one now (after a reconnect: the re-announcement). Over HTTP, independent of
 * the job stream, so a lost subscription does not lose the leases.
 */

export interface HeartbeatSource {
  runningJobIds(): string[];
  freeMemoryBytes(): Promise<number>;
}

export interface HeartbeatHandlers {
  onCancel(jobIds: string[]): void;
  onRejected(error: ApiError): void;
  onResult?(ok: boolean): void;
}

export class Heartbeat {
  private timer: NodeJS.Timeout | null = null;
  private intervalMs: number;
  private inFlight: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly api: RunnerApi,
    private readonly logger: Logger,
    private readonly source: HeartbeatSource,
    private readonly handlers: HeartbeatHandlers,
    private readonly fixedIntervalMs?: number,
  ) {
    this.intervalMs = fixedIntervalMs ?? 10_000;
  }

  start(): void {
    this.stopped = false;
    void this.beat();
  }

  /** One heartbeat now (shared with one in flight), then the next after the interval. */
  beat(): Promise<void> {
    if (this.inFlight) return this.inFlight;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.inFlight = this.send().finally(() => {
      this.inFlight = null;
      if (!this.stopped) this.timer = setTimeout(() => void this.beat(), this.intervalMs);
    });
    return this.inFlight;
  }

  private async send(): Promise<void> {
    const runningJobIds = this.source.runningJobIds();
    try {
      const answer = await this.api.heartbeat({
        runningJobIds,
        freeMemoryBytes: await this.source.freeMemoryBytes(),
      });
      this.handlers.onResult?.(true);
      if (answer.leaseExpiresAt && this.fixedIntervalMs === undefined) {
        const lease = Date.parse(answer.leaseExpiresAt) - Date.now();
        if (lease > 0) this.intervalMs = Math.min(30_000, Math.max(500, lease / 3));
      }
      if (answer.cancelJobIds.length > 0) this.handlers.onCancel(answer.cancelJobIds);
    } catch (err) {
      this.handlers.onResult?.(false);
      if (err instanceof ApiError && (err.kind === "auth" || err.kind === "forbidden")) {
        this.stopped = true;
        this.handlers.onRejected(err);
        return;
      }
      this.logger.warn({ err: (err as Error).message, runningJobIds }, "heartbeat failed");
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
