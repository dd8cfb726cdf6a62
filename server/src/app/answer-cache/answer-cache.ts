import type { RequestHandler, Response } from "express";
import { LRUCache } from "lru-cache";
import type { Auth } from "../../auth/guards.js";
import type { CacheableOperations } from "./cacheable-operation.js";
import type { AnswerGenerations } from "./generations.js";
import { ReadDependencies, recordReads } from "./read-dependencies.js";

/** One cached answer: Apollo's bytes, what they were computed against, and how to compute them again. */
interface Entry {
  bytes: Buffer;
  /** The parsed body and the caller's Auth (its scope is in the key), for a recomputation in the background. */
  body: unknown;
  auth: Auth;
  contentType: string;
  entities: number;
  createdAt: number;
  metricSlots: Uint32Array;
  metricGenerations: Uint32Array;
}

export interface AnswerCacheOptions {
  /** Bytes of answers kept (least recently used dropped first); 0 turns the cache off. */
  maxBytes: number;
  /**
   * The age after which an answer is recomputed even though nothing it read was written: fields computed
   * from the clock (a running run's duration) and writes no event announces are this stale, plus the time
   * one request takes to compute its successor (served meanwhile, see middleware).
   */
  maxAgeMs: number;
}

/** hit/miss/bypass: what a request got; refresh: a kept answer recomputed in the background. */
export type AnswerCacheResult = "hit" | "miss" | "bypass" | "refresh";

/** Apollo run on a body as the given caller, outside any HTTP request (server.ts). */
export type ExecuteGraphql = (
  body: unknown,
  auth: Auth,
) => Promise<{ status: number; contentType: string; text: string }>;

/** What the answer cache tells the Prometheus metrics (app/metrics.ts). */
export type AnswerCacheObserver = (
  result: AnswerCacheResult,
  label: string | undefined,
  startedAt: number,
) => void;

/** The HTTP query body as it arrived (set by graphqlBody): the cache key, so no re-serialisation. */
export function setGraphqlBodyText(res: Response, text: string): void {
  res.locals.graphqlBodyText = text;
}

/**
 * Whole GraphQL answers, as the bytes Apollo sent, keyed by the caller's scope and the request body, and
 * served without running Apollo while nothing they read has changed (generations.ts): a dashboard's
 * repeated reads of finished experiments cost a lookup and a socket write, not SQL, entity hydration,
 * graphql-js and JSON.stringify. Only queries by API keys are cached (runners' reads are their own jobs'),
 * only complete answers without errors, and nothing volatile (cacheable-operation.ts). Concurrent misses of
 * one key wait for the first instead of computing it again; answers that are only old, or that read a
 * running run's points, are served while recomputed in the background.
 */
export class AnswerCache {
  private readonly entries: LRUCache<string, Entry> | undefined;
  /** Answers being computed by a request (stale by a write): concurrent requests for them wait. */
  private readonly inflight = new Map<string, Promise<Entry | undefined>>();
  /** Kept answers queued or being recomputed in the background, one at a time (see refresh). */
  private readonly refreshing = new Set<string>();
  private readonly refreshQueue: (() => Promise<void>)[] = [];
  private refreshRunning = false;

  constructor(
    private readonly generations: AnswerGenerations,
    private readonly operations: CacheableOperations,
    private readonly options: AnswerCacheOptions,
    private readonly execute: ExecuteGraphql,
    private readonly observe: AnswerCacheObserver = () => {},
  ) {
    if (options.maxBytes > 0) {
      this.entries = new LRUCache<string, Entry>({
        maxSize: options.maxBytes,
        // an answer bigger than an eighth of the cache would push out the rest for one key
        maxEntrySize: Math.ceil(options.maxBytes / 8),
        sizeCalculation: (entry, key) => entry.bytes.length + 2 * key.length + 128,
      });
    }
  }

  /** Between graphqlBody (body parsed, caller resolved) and Apollo. */
  middleware(authOf: (res: Response) => Auth | undefined): RequestHandler {
    return async (req, res, next) => {
      const startedAt = performance.now();
      const auth = authOf(res);
      const text = res.locals.graphqlBodyText as string | undefined;
      const body = req.body as { query?: unknown; operationName?: unknown } | undefined;
      if (
        !this.entries ||
        auth?.kind !== "apiKey" ||
        text === undefined ||
        typeof body?.query !== "string" ||
        (body.operationName != null && typeof body.operationName !== "string")
      ) {
        return next();
      }
      const verdict = this.operations.of(body.query, (body.operationName as string | null) ?? undefined);
      if (!verdict.cacheable) {
        this.observe("bypass", undefined, startedAt);
        return next();
      }
      const key = `${auth.scope}\n${text}`;
      const kept = this.entries.get(key);
      let entry: Entry | undefined;
      switch (this.state(kept)) {
        case "fresh":
          entry = kept;
          break;
        case "revalidate":
          // Older than maxAgeMs, or a running run it read has new points: served as it is while its successor
          // is computed in the background (HTTP's stale-while-revalidate), so no request waits for it and
          // answers expiring together cost one computation each. A live chart is one computation behind.
          entry = kept;
          this.refresh(key, kept!);
          break;
        case "stale":
          // Something a person or a service changed: never served (read your writes). Requests arriving while
          // the first one computes the new answer wait for it.
          if (this.inflight.has(key)) {
            const next = await this.inflight.get(key);
            if (this.state(next) === "fresh") entry = next;
          }
          break;
      }
      if (entry) {
        res.statusCode = 200;
        res.setHeader("content-type", entry.contentType);
        res.setHeader("content-length", entry.bytes.length);
        res.end(entry.bytes);
        this.observe("hit", verdict.label, startedAt);
        return;
      }
      this.observe("miss", verdict.label, startedAt);
      this.compute(key, body, auth, res, next);
    };
  }

  /**
   * fresh: servable; revalidate: servable while recomputed (older than maxAgeMs, or new metric points of a
   * run it read); stale: an entity it may have read changed.
   */
  private state(entry: Entry | undefined): "fresh" | "revalidate" | "stale" {
    if (!entry || entry.entities !== this.generations.entities) return "stale";
    for (let i = 0; i < entry.metricSlots.length; i++) {
      if (this.generations.metricsGeneration(entry.metricSlots[i]!) !== entry.metricGenerations[i]) {
        return "revalidate";
      }
    }
    return Date.now() - entry.createdAt >= this.options.maxAgeMs ? "revalidate" : "fresh";
  }

  /**
   * Queues a kept answer to be computed again outside any request. One recomputation runs at a time: a
   * burst of live runs' reports then costs requests the wait for one at most, not for all of them, and
   * when they come faster than they can be recomputed live answers fall behind instead of requests.
   * A failure drops the entry (the next request computes it and sees the error).
   */
  private refresh(key: string, kept: Entry): void {
    if (this.refreshing.has(key)) return;
    this.refreshing.add(key);
    const recompute = async () => {
      // An answer computed by a request meanwhile is newer than this one would be.
      if (this.entries!.peek(key) !== kept) return;
      const entities = this.generations.entities;
      const createdAt = Date.now();
      const deps = new ReadDependencies(this.generations);
      const startedAt = performance.now();
      try {
        const answer = await recordReads(deps, () => this.execute(kept.body, kept.auth));
        if (this.entries!.peek(key) !== kept) return;
        if (answer.status !== 200 || !answer.text.startsWith('{"data":')) this.entries!.delete(key);
        else {
          const { body, auth } = kept;
          this.entries!.set(
            key,
            this.entry(answer.text, answer.contentType, body, auth, entities, createdAt, deps),
          );
        }
      } catch {
        if (this.entries!.peek(key) === kept) this.entries!.delete(key);
      } finally {
        this.observe("refresh", undefined, startedAt);
      }
    };
    this.refreshQueue.push(() => recompute().finally(() => this.refreshing.delete(key)));
    if (!this.refreshRunning) void this.runRefreshes();
  }

  private async runRefreshes(): Promise<void> {
    this.refreshRunning = true;
    try {
      for (let job = this.refreshQueue.shift(); job; job = this.refreshQueue.shift()) await job();
    } finally {
      this.refreshRunning = false;
    }
  }

  private entry(
    text: string,
    contentType: string,
    body: unknown,
    auth: Auth,
    entities: number,
    createdAt: number,
    deps: ReadDependencies,
  ): Entry {
    return {
      bytes: Buffer.from(text, "utf8"),
      body,
      auth,
      contentType,
      entities,
      createdAt,
      metricSlots: Uint32Array.from(deps.metricSlots),
      metricGenerations: Uint32Array.from(deps.metricGenerations),
    };
  }

  /** Runs Apollo (next) recording what it reads, and keeps the answer it sends if it is a clean one. */
  private compute(key: string, body: unknown, auth: Auth, res: Response, next: () => void): void {
    // Read before Apollo reads anything: a write during the computation leaves this entry stale.
    const entities = this.generations.entities;
    const createdAt = Date.now();
    const deps = new ReadDependencies(this.generations);
    let settle: ((entry: Entry | undefined) => void) | undefined;
    if (!this.inflight.has(key)) {
      this.inflight.set(key, new Promise((resolve) => (settle = resolve)));
    }
    const finish = (entry: Entry | undefined) => {
      if (!settle) return;
      this.inflight.delete(key);
      settle(entry);
      settle = undefined;
    };
    res.once("close", () => finish(undefined));
    const send = res.send.bind(res);
    res.send = (payload: unknown) => {
      res.send = send;
      // Apollo puts errors first: an answer that starts with data has none.
      if (res.statusCode !== 200 || typeof payload !== "string" || !payload.startsWith('{"data":')) {
        finish(undefined);
        return send(payload);
      }
      const contentType = String(res.getHeader("content-type") ?? "application/json; charset=utf-8");
      const entry = this.entry(payload, contentType, body, auth, entities, createdAt, deps);
      this.entries!.set(key, entry);
      finish(entry);
      return send(entry.bytes);
    };
    recordReads(deps, next);
  }
}
