import type { RequestHandler, Response } from "express";
import { LRUCache } from "lru-cache";
import type { Auth } from "../../auth/guards.js";
import type { CacheableOperations } from "./cacheable-operation.js";
import type { AnswerGenerations } from "./generations.js";
import { ReadDependencies, recordReads } from "./read-dependencies.js";

/** One cached answer: Apollo's bytes and what they were computed against. */
interface Entry {
  bytes: Buffer;
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

export type AnswerCacheResult = "hit" | "miss" | "bypass";

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
 * one key wait for the first instead of computing it again.
 */
export class AnswerCache {
  private readonly entries: LRUCache<string, Entry> | undefined;
  private readonly inflight = new Map<string, Promise<Entry | undefined>>();

  constructor(
    private readonly generations: AnswerGenerations,
    private readonly operations: CacheableOperations,
    private readonly options: AnswerCacheOptions,
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
        case "old":
          // Stale by age only (nothing it read was written): served while one request computes its
          // successor, as HTTP's stale-while-revalidate does, so entries expiring together cost one
          // computation each instead of a stampede.
          if (this.inflight.has(key)) entry = kept;
          break;
        case "stale":
          // Something it read was written: never served. Requests arriving while the first one computes
          // the new answer wait for it.
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
      this.compute(key, res, next);
    };
  }

  /** fresh: servable; old: nothing it read changed, but older than maxAgeMs; stale: something changed. */
  private state(entry: Entry | undefined): "fresh" | "old" | "stale" {
    if (!entry || entry.entities !== this.generations.entities) return "stale";
    for (let i = 0; i < entry.metricSlots.length; i++) {
      if (this.generations.metricsGeneration(entry.metricSlots[i]!) !== entry.metricGenerations[i]) {
        return "stale";
      }
    }
    return Date.now() - entry.createdAt >= this.options.maxAgeMs ? "old" : "fresh";
  }

  /** Runs Apollo (next) recording what it reads, and keeps the answer it sends if it is a clean one. */
  private compute(key: string, res: Response, next: () => void): void {
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
      const entry: Entry = {
        bytes: Buffer.from(payload, "utf8"),
        contentType: String(res.getHeader("content-type") ?? "application/json; charset=utf-8"),
        entities,
        createdAt,
        metricSlots: Uint32Array.from(deps.metricSlots),
        metricGenerations: Uint32Array.from(deps.metricGenerations),
      };
      this.entries!.set(key, entry);
      finish(entry);
      return send(entry.bytes);
    };
    recordReads(deps, next);
  }
}
