import { type Client, createClient } from "graphql-ws";
import WebSocket from "ws";

export interface ReceivedJob {
  id: string;
  runId: string;
  attempt: number;
  status: string;
  leaseExpiresAt: string;
  spec: Record<string, unknown>;
}

export interface ReceivedEvent {
  kind: "ASSIGNED" | "CANCEL";
  job: ReceivedJob;
  reason: string | null;
}

export interface GqlResult<T> {
  data?: T | null;
  errors?: readonly { message: string; extensions?: Record<string, unknown> }[];
}

const jobsSubscription = `subscription { jobs { kind reason job { id runId attempt status leaseExpiresAt spec } } }`;

/**
 * A scripted runner over a real graphql-ws socket (as the runner agent talks): it subscribes to `jobs`,
 * records every event, and sends the protocol's mutations on the same socket.
 */
export class ScriptedRunner {
  readonly events: ReceivedEvent[] = [];
  private listeners: (() => void)[] = [];
  private stopSubscription: (() => void) | undefined;
  subscriptionError: unknown;
  /** Called with every event as it arrives (scripted behaviour: start, report, complete). */
  onEvent: ((event: ReceivedEvent) => void) | undefined;

  private constructor(
    readonly client: Client,
    readonly runnerId: string,
  ) {}

  /** Connects with the runner's secret (or any credential) and subscribes to `jobs`. */
  static async connect(httpUrl: string, secret: string | null, runnerId = ""): Promise<ScriptedRunner> {
    const client = createClient({
      url: httpUrl.replace(/^http/, "ws"),
      webSocketImpl: WebSocket,
      connectionParams: secret ? { authorization: `Bearer ${secret}` } : {},
      retryAttempts: 0,
      lazy: false,
    });
    const runner = new ScriptedRunner(client, runnerId);
    runner.subscribe();
    return runner;
  }

  private subscribe(): void {
    this.stopSubscription = this.client.subscribe<{ jobs: ReceivedEvent }>(
      { query: jobsSubscription },
      {
        next: (result) => {
          if (result.errors) this.subscriptionError = result.errors;
          if (result.data?.jobs) {
            this.events.push(result.data.jobs);
            this.onEvent?.(result.data.jobs);
          }
          for (const l of this.listeners) l();
        },
        error: (err) => {
          this.subscriptionError = err;
          for (const l of this.listeners) l();
        },
        complete: () => {},
      },
    );
  }

  assigned(): ReceivedJob[] {
    return this.events.filter((e) => e.kind === "ASSIGNED").map((e) => e.job);
  }

  /** Resolves once `predicate` holds over the events received (checked on each event), or rejects after ms. */
  waitFor(predicate: (events: ReceivedEvent[]) => boolean, ms = 10_000, what = "event"): Promise<void> {
    if (predicate(this.events)) return Promise.resolve();
    if (this.subscriptionError) {
      return Promise.reject(new Error(`subscription failed: ${JSON.stringify(this.subscriptionError)}`));
    }
    return new Promise((resolve, reject) => {
      const check = () => {
        if (predicate(this.events)) {
          done();
          resolve();
        } else if (this.subscriptionError) {
          done();
          reject(new Error(`subscription failed: ${JSON.stringify(this.subscriptionError)}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.events.map((e) => e.kind))}`),
        );
      }, ms);
      const done = () => {
        clearTimeout(timer);
        this.listeners = this.listeners.filter((l) => l !== check);
      };
      this.listeners.push(check);
    });
  }

  /** One operation on the socket; resolves with its result (errors included). */
  request<T = Record<string, unknown>>(
    query: string,
    variables: Record<string, unknown> = {},
  ): Promise<GqlResult<T>> {
    return new Promise((resolve, reject) => {
      let result: GqlResult<T> = {};
      this.client.subscribe<T>(
        { query, variables },
        {
          next: (r) => {
            result = r as GqlResult<T>;
          },
          error: (err) => {
            if (Array.isArray(err)) resolve({ errors: err });
            else reject(err);
          },
          complete: () => resolve(result),
        },
      );
    });
  }

  /** Like request, but throws on GraphQL errors. */
  async mutate<T = Record<string, unknown>>(
    query: string,
    variables: Record<string, unknown> = {},
  ): Promise<T> {
    const r = await this.request<T>(query, variables);
    if (r.errors?.length) throw new Error(`${query.slice(0, 60)}: ${JSON.stringify(r.errors)}`);
    return r.data as T;
  }

  start(jobId: string) {
    return this.mutate(`mutation($j: ID!) { startJob(jobId: $j) { id status } }`, { j: jobId });
  }

  complete(
    jobId: string,
    result: Record<string, unknown> = { finalTrainLoss: 1.5, measuredPeakBytes: 1000 },
  ) {
    return this.mutate<{ completeJob: { id: string; status: string } }>(
      `mutation($j: ID!, $r: JSON!) { completeJob(jobId: $j, result: $r) { id status } }`,
      { j: jobId, r: result },
    );
  }

  heartbeat(runningJobIds: string[], freeMemoryBytes: number | null = null) {
    return this.mutate<{ heartbeat: { leaseExpiresAt: string; cancelJobIds: string[] } }>(
      `mutation($i: HeartbeatInput!) { heartbeat(input: $i) { leaseExpiresAt cancelJobIds } }`,
      { i: { runningJobIds, freeMemoryBytes } },
    );
  }

  reportMetrics(jobId: string, points: { key: string; step: number; value: number; wallTimeMs?: number }[]) {
    return this.request<{ reportMetrics: { accepted: number; duplicates: number } }>(
      `mutation($j: ID!, $p: [MetricPointInput!]!) { reportMetrics(jobId: $j, points: $p) { accepted duplicates } }`,
      { j: jobId, p: points },
    );
  }

  private keepAliveTimer: NodeJS.Timeout | undefined;

  /** Heartbeats every `ms` for its ASSIGNED jobs (as the agent does every leaseMs/3) until close(). */
  keepAlive(ms: number): void {
    clearInterval(this.keepAliveTimer);
    this.keepAliveTimer = setInterval(() => {
      const ids = [...new Set(this.assigned().map((j) => j.id))];
      this.heartbeat(ids).catch(() => {});
    }, ms);
  }

  async close(): Promise<void> {
    clearInterval(this.keepAliveTimer);
    this.stopSubscription?.();
    await this.client.dispose();
  }
}
