import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createThrowawayDatabase, type ThrowawayDatabase } from "../testing/pg.js";
import { Database } from "../db/database.js";
import {
  bridgeEventsToPostgres,
  createEvents,
  type EventTopic,
  type Events,
  type EventsBridge,
} from "./events.js";
import { createLogger } from "./logger.js";

let pg: ThrowawayDatabase;
let db: Database;
const bridges: EventsBridge[] = [];

before(async () => {
  pg = await createThrowawayDatabase();
  db = await Database.open({ driver: "pg", url: pg.url });
});
after(async () => {
  await Promise.all(bridges.map((b) => b.close()));
  await db.close();
  await pg.drop();
});

async function bridged(): Promise<Events> {
  const events = createEvents();
  bridges.push(await bridgeEventsToPostgres(events, pg.url, db, createLogger("silent")));
  return events;
}

/** Collects what `events` delivers on `topic`. */
function collect<T>(events: Events, topic: EventTopic): T[] {
  const seen: T[] = [];
  void (async () => {
    for await (const e of (events.subscribe as (t: string) => AsyncIterable<T>)(topic)) seen.push(e);
  })();
  return seen;
}

async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(check(), what);
}

test("events published in one process reach another once, locally at once and never twice", async () => {
  const a = await bridged();
  const b = await bridged();
  const wakesA = collect<{ runnerId: string }>(a, "JOBS_WAKE");
  const wakesB = collect<{ runnerId: string }>(b, "JOBS_WAKE");
  const updatesA = collect<{ runId: string }>(a, "RUN_UPDATED");
  const updatesB = collect<{ runId: string }>(b, "RUN_UPDATED");
  await new Promise((r) => setTimeout(r, 50));

  a.publish("JOBS_WAKE", { runnerId: "r1" });
  a.publish("RUN_UPDATED", { runId: "run-1", experimentId: null });
  await until("B got both", () => wakesB.length === 1 && updatesB.length === 1);
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(wakesA, [{ runnerId: "r1" }], "A saw its own wake once (not again through NOTIFY)");
  assert.deepEqual(updatesA, [{ runId: "run-1", experimentId: null }]);
  assert.deepEqual(wakesB, [{ runnerId: "r1" }]);
  assert.deepEqual(updatesB, [{ runId: "run-1", experimentId: null }]);
});

test("payloads over the NOTIFY limit cross as references: RUNS_QUEUED (a wake-up) and a long cancel reason", async () => {
  const a = await bridged();
  const b = await bridged();
  const queued = collect<{ runIds: string[] }>(b, "RUNS_QUEUED");
  const cancels = collect<{ reason: string }>(b, "RUN_CANCEL_REQUESTED");
  await new Promise((r) => setTimeout(r, 50));
  const runIds = Array.from(
    { length: 1000 },
    (_, i) => `00000000-0000-0000-0000-${String(i).padStart(12, "0")}`,
  );
  a.publish("RUNS_QUEUED", { runIds });
  a.publish("RUN_CANCEL_REQUESTED", { runId: "x", jobId: null, runnerId: "r", reason: "z".repeat(10_000) });
  await until("B got both", () => queued.length === 1 && cancels.length === 1);
  assert.deepEqual(queued[0]!.runIds, runIds.slice(0, 150));
  assert.equal(cancels[0]!.reason, "z".repeat(2000));
});
