import { randomUUID } from "node:crypto";
import { createPubSub, type PubSub, type PubSubEventTarget } from "@graphql-yoga/subscription";
import { Client } from "pg";
import { Dataset } from "../datasets/dataset.entity.js";
import type { Database } from "../db/database.js";
import type { MetricPoint } from "../metrics/metric-point.type.js";
import type { Logger } from "./logger.js";
import { boundedSubscribe } from "./bounded-subscribe.js";
import { TopicTarget } from "./topic-target.js";

/**
 * Topic → payload of the events subscriptions and dispatch listen to. `createEvents()` is in-process;
 * `bridgeEventsToPostgres` makes it cross-process on the pg driver (LISTEN/NOTIFY, see below). PGlite is
 * one process, so there it stays in-process.
 */
export type EventMap = {
  DATASET_CREATED: [Dataset];
  /** New QUEUED runs exist (created, retried, requeued): dispatch claims them (across processes a big batch's
   * ids are cut to the first 150: it is a wake-up). */
  RUNS_QUEUED: [{ runIds: string[] }];
  /** A run changed (status, result, cancel request); runUpdated(experimentId) re-reads it. */
  RUN_UPDATED: [{ runId: string; experimentId: string | null }];
  /** cancelRun on an ASSIGNED/RUNNING run: dispatch tells the runner holding the job. */
  RUN_CANCEL_REQUESTED: [{ runId: string; jobId: string | null; runnerId: string | null; reason: string }];
  /** Points reportMetrics stored (duplicates left out), for metricsAppended(runId). */
  METRICS_APPENDED: [{ runId: string; points: MetricPoint[] }];
  /** A playground session's outputs changed (reportGenerations); playgroundUpdated(id) re-reads it. */
  PLAYGROUND_UPDATED: [{ runId: string }];
  /** A mutation was answered: cached GraphQL answers computed before it are stale (app/answer-cache). */
  DATA_CHANGED: [Record<string, never>];
  /** Dispatch: runner `runnerId` (or every runner, "*") should try to claim work (a slot was freed). */
  JOBS_WAKE: [{ runnerId: string }];
};

export type EventTopic = keyof EventMap;
export type Events = PubSub<EventMap> & {
  /** How many subscriptions in this process listen on `topic` now (none is left once they end). */
  listenerCount(topic: EventTopic): number;
};

/** An event to publish once a transaction has committed. */
export type PendingEvent = {
  [K in EventTopic]: { topic: K; payload: EventMap[K][0] };
}[EventTopic];

export function publishAll(events: Events, pending: readonly PendingEvent[]): void {
  for (const e of pending) (events.publish as (topic: string, payload: unknown) => void)(e.topic, e.payload);
}

export function createEvents(): Events {
  const target = new TopicTarget();
  const pubSub = createPubSub<EventMap>({ eventTarget: target as PubSubEventTarget<EventMap> });
  // The routing the pub/sub's publish uses: the topic, or `topic:id` for a keyed subscription.
  const subscribe = (topic: string, id?: string) =>
    boundedSubscribe(target, id === undefined ? topic : `${topic}:${id}`);
  return Object.assign(pubSub, {
    subscribe: subscribe as unknown as PubSub<EventMap>["subscribe"],
    listenerCount: (topic: EventTopic) => target.listenerCount(topic),
  });
}

/**
 * PostgreSQL LISTEN/NOTIFY channels between server processes (runners never see them): job wake-ups (payload:
 * runner id or '*') and every other topic (an `Envelope`: origin, topic, payload or a reference to re-read).
 */
export const jobsChannel = "tunelab_jobs";
export const eventsChannel = "tunelab_events";
/** NOTIFY payloads must stay under 8000 bytes; bigger events travel as a reference and are re-read. */
const maxNotifyBytes = 7900;

/** How a topic's payload crosses processes when it does not fit (or is not plain JSON): ids + a re-read. */
interface TopicCodec<K extends EventTopic> {
  /** Always send the reference, never the payload (payloads with Dates or big rows). */
  always?: boolean;
  shrink(payload: EventMap[K][0]): unknown;
  expand(db: Database, ref: unknown): Promise<EventMap[K][0] | null>;
}

interface MetricsRef {
  runId: string;
  keys: string[];
  minStep: number;
  maxStep: number;
}

const codecs: { [K in EventTopic]?: TopicCodec<K> } = {
  DATASET_CREATED: {
    always: true,
    shrink: (dataset) => ({ id: dataset.id }),
    expand: (db, ref) => db.read((m) => m.findOneBy(Dataset, { id: (ref as { id: string }).id })),
  },
  RUNS_QUEUED: {
    // A wake-up for dispatch, which does not need every id: a big batch crosses with its first 150.
    shrink: (e) => ({ runIds: e.runIds.slice(0, 150) }),
    expand: async (_db, ref) => ref as EventMap["RUNS_QUEUED"][0],
  },
  RUN_CANCEL_REQUESTED: {
    // Only the reason can be long: the runner gets its first 2,000 characters when sent across processes.
    shrink: (e) => ({ ...e, reason: e.reason.slice(0, 2000) }),
    expand: async (_db, ref) => ref as EventMap["RUN_CANCEL_REQUESTED"][0],
  },
  METRICS_APPENDED: {
    shrink: ({ runId, points }): MetricsRef => ({
      runId,
      keys: [...new Set(points.map((p) => p.key))],
      minStep: Math.min(...points.map((p) => p.step)),
      maxStep: Math.max(...points.map((p) => p.step)),
    }),
    expand: async (db, ref) => {
      const r = ref as MetricsRef;
      const rows: { key: string; step: number; value: number; wall_ms: number }[] = await db.read((m) =>
        m.query(
          `SELECT key, step, value, extract(epoch FROM wall_time) * 1000 AS wall_ms FROM metric_point
            WHERE run_id = $1 AND key = ANY($2::text[]) AND step BETWEEN $3 AND $4 ORDER BY key, step`,
          [r.runId, r.keys, r.minStep, r.maxStep],
        ),
      );
      return {
        runId: r.runId,
        points: rows.map((p) => ({
          runId: r.runId,
          key: p.key,
          step: p.step,
          value: p.value,
          wallTimeMs: Number(p.wall_ms),
        })),
      };
    },
  },
};

interface Envelope {
  /** The publishing process (its own notifications are skipped: it delivered them locally already). */
  o: string;
  topic: EventTopic;
  /** The payload, when it fits. */
  p?: unknown;
  /** A reference to re-read (see codecs). */
  ref?: unknown;
}

export interface EventsBridge {
  close(): Promise<void>;
}

/**
 * Makes `events` cross-process through PostgreSQL: every publish is delivered locally at once and sent
 * with NOTIFY on a dedicated connection; a second connection LISTENs and feeds what other processes
 * published into the local pub/sub. JOBS_WAKE uses channel tunelab_jobs with the bare runner id (or '*');
 * everything else goes on tunelab_events as `{o, topic, p | ref}`. If the LISTEN connection drops it
 * reconnects, wakes every local runner and drops cached answers (notifications may have been missed meanwhile).
 */
export async function bridgeEventsToPostgres(
  events: Events,
  url: string,
  db: Database,
  logger: Logger,
): Promise<EventsBridge> {
  const origin = randomUUID();
  const localPublish = events.publish.bind(events) as (topic: EventTopic, payload: unknown) => void;
  let closed = false;
  /** Own JOBS_WAKE payloads sent and not yet seen coming back (tunelab_jobs carries no origin). */
  const ownWakes = new Map<string, number>();

  let publisher = await connect(url);
  publisher.on("error", (err) => logger.warn({ err }, "events: NOTIFY connection error"));
  let listener: Client | undefined;

  /** NOTIFYs go out one after another on the publisher connection, in publish order. */
  let sending: Promise<unknown> = Promise.resolve();
  const notify = (channel: string, payload: string) => {
    if (closed) return;
    sending = sending.then(() => send(channel, payload));
  };
  const send = (channel: string, payload: string) =>
    publisher.query("SELECT pg_notify($1, $2)", [channel, payload]).catch(async (err: unknown) => {
      if (closed) return;
      logger.warn({ err, channel }, "events: NOTIFY failed; reconnecting");
      try {
        await publisher.end().catch(() => {});
        publisher = await connect(url);
        publisher.on("error", (e) => logger.warn({ err: e }, "events: NOTIFY connection error"));
        await publisher.query("SELECT pg_notify($1, $2)", [channel, payload]);
      } catch (e) {
        logger.error({ err: e, channel }, "events: NOTIFY lost");
      }
    });

  const deliver = async (channel: string, payload: string | undefined) => {
    if (payload === undefined) return;
    if (channel === jobsChannel) {
      const pending = ownWakes.get(payload) ?? 0;
      if (pending > 0) {
        if (pending === 1) ownWakes.delete(payload);
        else ownWakes.set(payload, pending - 1);
        return;
      }
      localPublish("JOBS_WAKE", { runnerId: payload });
      return;
    }
    const envelope = JSON.parse(payload) as Envelope;
    if (envelope.o === origin) return;
    if ("p" in envelope) {
      localPublish(envelope.topic, envelope.p);
      return;
    }
    const codec = codecs[envelope.topic] as TopicCodec<EventTopic> | undefined;
    if (!codec) return;
    const expanded = await codec.expand(db, envelope.ref);
    if (expanded !== null) localPublish(envelope.topic, expanded);
  };

  const listen = async (): Promise<void> => {
    const client = await connect(url);
    client.on("notification", (n) => {
      deliver(n.channel, n.payload).catch((err: unknown) =>
        logger.warn({ err, channel: n.channel }, "events: bad notification"),
      );
    });
    client.on("error", (err) => {
      if (closed) return;
      logger.warn({ err }, "events: LISTEN connection lost; reconnecting");
      client.end().catch(() => {});
      setTimeout(() => void relisten(), 500).unref();
    });
    await client.query(`LISTEN ${jobsChannel}; LISTEN ${eventsChannel}`);
    listener = client;
  };
  const relisten = async () => {
    if (closed) return;
    try {
      await listen();
      localPublish("JOBS_WAKE", { runnerId: "*" });
      // other processes' writes meanwhile were not heard: cached answers may be stale
      localPublish("DATA_CHANGED", {});
    } catch (err) {
      logger.warn({ err }, "events: LISTEN reconnect failed; retrying");
      setTimeout(() => void relisten(), 1000).unref();
    }
  };
  await listen();

  events.publish = ((topic: EventTopic, ...args: unknown[]) => {
    const payload = args[args.length - 1];
    (localPublish as (...a: unknown[]) => void)(topic, ...args);
    if (topic === "JOBS_WAKE") {
      const runnerId = (payload as { runnerId: string }).runnerId;
      ownWakes.set(runnerId, (ownWakes.get(runnerId) ?? 0) + 1);
      notify(jobsChannel, runnerId);
      return;
    }
    const codec = codecs[topic] as TopicCodec<EventTopic> | undefined;
    if (!codec?.always) {
      const inline = JSON.stringify({ o: origin, topic, p: payload } satisfies Envelope);
      if (Buffer.byteLength(inline) <= maxNotifyBytes) {
        notify(eventsChannel, inline);
        return;
      }
    }
    if (!codec) {
      logger.error({ topic }, "events: payload too big for NOTIFY and no reference codec; not sent");
      return;
    }
    notify(eventsChannel, JSON.stringify({ o: origin, topic, ref: codec.shrink(payload as never) }));
  }) as Events["publish"];

  return {
    close: async () => {
      closed = true;
      events.publish = localPublish as Events["publish"];
      await sending;
      await Promise.allSettled([listener?.end(), publisher.end()]);
    },
  };
}

async function connect(url: string): Promise<Client> {
  const client = new Client({ connectionString: url, application_name: "tunelab-events" });
  await client.connect();
  return client;
}
