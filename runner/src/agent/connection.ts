import { type Client, createClient } from "graphql-ws";
import type { Logger } from "pino";
import WebSocket from "ws";
import { backoffMs, JOBS_SUBSCRIPTION, type JobEvent, type ServerUrls } from "./api.js";

/**
 * The job stream: one graphql-ws client (lazy: false, keep-alive pings, unlimited reconnects with jittered
 * backoff) holding the `jobs` subscription. graphql-ws re-subscribes after every reconnect; the server
 * then re-sends this runner's ASSIGNED/RUNNING jobs, and `onConnected(true)` tells the agent to
 * re-announce what it runs (a heartbeat) and to flush its spool.
 * Close codes 4401/4403 (the server refusing the secret) are not retried: `onRejected`.
 */

export interface ConnectionHandlers {
  onEvent(event: JobEvent): void;
  onConnected(wasRetry: boolean): void;
  onDisconnected(reason: string): void;
  onRejected(reason: string): void;
}

export interface ConnectionOptions {
  keepAliveMs?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
}

const REJECTED = new Set([4401, 4403]);

function isCloseEvent(e: unknown): e is { code: number; reason: string } {
  return (
    typeof e === "object" && e !== null && "code" in e && typeof (e as { code: unknown }).code === "number"
  );
}

export class Connection {
  private client: Client | null = null;
  private unsubscribe: (() => void) | null = null;
  private closing = false;
  private up = false;

  constructor(
    private readonly urls: ServerUrls,
    private readonly secret: string,
    private readonly logger: Logger,
    private readonly handlers: ConnectionHandlers,
    private readonly opts: ConnectionOptions = {},
  ) {}

  start(): void {
    const { retryBaseMs = 500, retryMaxMs = 15_000 } = this.opts;
    this.client = createClient({
      url: this.urls.ws,
      webSocketImpl: WebSocket,
      lazy: false,
      keepAlive: this.opts.keepAliveMs ?? 10_000,
      retryAttempts: Number.POSITIVE_INFINITY,
      retryWait: (retries) => new Promise((r) => setTimeout(r, backoffMs(retries, retryBaseMs, retryMaxMs))),
      shouldRetry: (e) => !this.closing && !(isCloseEvent(e) && REJECTED.has(e.code)),
      connectionParams: { authorization: `Bearer ${this.secret}` },
      onNonLazyError: (e) => this.rejectedOrLost(e),
      on: {
        connected: (_socket, _payload, wasRetry) => {
          this.up = true;
          this.handlers.onConnected(wasRetry);
        },
        closed: (e) => {
          if (this.closing) return;
          if (isCloseEvent(e) && REJECTED.has(e.code)) return this.rejectedOrLost(e);
          if (!this.up) return; // a failed reconnect attempt: reported once, when the connection was lost
          this.up = false;
          this.handlers.onDisconnected(isCloseEvent(e) ? `closed ${e.code} ${e.reason}`.trim() : "closed");
        },
        error: (e) => this.logger.debug({ err: e }, "websocket error"),
      },
    });
    this.subscribe();
  }

  private rejectedOrLost(e: unknown): void {
    if (this.closing) return;
    if (isCloseEvent(e) && REJECTED.has(e.code))
      this.handlers.onRejected(e.reason || `the server closed the connection with ${e.code}`);
    else this.logger.warn({ err: e }, "connection gave up");
  }

  private subscribe(): void {
    if (!this.client || this.closing) return;
    this.unsubscribe = this.client.subscribe<{ jobs: JobEvent }>(
      { query: JOBS_SUBSCRIPTION },
      {
        next: (result) => {
          if (result.errors?.length) {
            const code = (result.errors[0]!.extensions as { code?: string } | undefined)?.code;
            if (code === "UNAUTHENTICATED" || code === "FORBIDDEN") {
              this.handlers.onRejected(result.errors[0]!.message);
              return;
            }
            this.logger.warn({ errors: result.errors }, "jobs subscription error");
            return;
          }
          if (result.data?.jobs) this.handlers.onEvent(result.data.jobs);
        },
        error: (err) => {
          if (this.closing) return;
          if (isCloseEvent(err) && REJECTED.has(err.code)) return this.rejectedOrLost(err);
          const errors = Array.isArray(err)
            ? (err as { message: string; extensions?: { code?: string } }[])
            : [];
          const code = errors[0]?.extensions?.code;
          if (code === "UNAUTHENTICATED" || code === "FORBIDDEN") {
            this.handlers.onRejected(errors[0]!.message);
            return;
          }
          this.logger.warn({ err }, "jobs subscription failed; subscribing again");
          setTimeout(() => this.subscribe(), backoffMs(1, this.opts.retryBaseMs ?? 500, 5000));
        },
        complete: () => {
          if (this.closing || !this.unsubscribe) return;
          this.logger.info("the server ended the jobs subscription; subscribing again");
          setTimeout(() => this.subscribe(), backoffMs(1, this.opts.retryBaseMs ?? 500, 5000));
        },
      },
    );
  }

  /** Graceful stop: take no new jobs (the socket stays open for nothing else; heartbeats are HTTP). */
  stopJobs(): void {
    const u = this.unsubscribe;
    this.unsubscribe = null;
    u?.();
  }

  async close(): Promise<void> {
    this.closing = true;
    this.stopJobs();
    await this.client?.dispose();
    this.client = null;
  }
}
