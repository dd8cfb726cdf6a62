import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { parse, subscribe } from "graphql";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { createEvents } from "../app/events.js";
import { buildAppSchema, type Services } from "../app/schema.js";
import { drivers, type TestServer, startTestServer } from "../testing/test-server.js";
import { createExperiment, seedPeople } from "./fixtures.js";

const withTimeout = <T>(p: Promise<T>, what: string) =>
  Promise.race([
    p,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`no ${what} within 20 s`)), 20_000).unref(),
    ),
  ]);

for (const driver of drivers) {
  describe(`runUpdated over graphql-ws on ${driver}`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(driver);
    });
    after(() => server.close());

    test("a cancelled run of the experiment arrives, read fresh; other experiments' runs do not", async () => {
      const seeded = await seedPeople(server);
      const watched = await createExperiment(server, seeded, [{ method: { method: "full" } }], "watched");
      const other = await createExperiment(server, seeded, [{ method: { method: "full" } }], "other");
      const client = createClient({
        url: server.url.replace(/^http/, "ws"),
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        connectionParams: { authorization: `Bearer ${server.adminKey}` },
      });
      try {
        const updates = client.iterate<{ runUpdated: { id: string; status: string; cancelReason: string } }>({
          query: `subscription($e: ID!) { runUpdated(experimentId: $e) { id status cancelReason } }`,
          variables: { e: watched.id },
        });
        const first = updates.next();
        // A round trip on the same socket after the subscribe message: the subscription is in place.
        await client.iterate({ query: "{ experiments(first: 1) { totalCount } }" }).next();
        await server.gql(`mutation($id: ID!) { cancelRun(id: $id, reason: "other") { id } }`, {
          id: other.runs[0]!.id,
        });
        await server.gql(`mutation($id: ID!) { cancelRun(id: $id, reason: "seen") { id } }`, {
          id: watched.runs[0]!.id,
        });
        // Creation updates may still be in flight (cross-process NOTIFY on pg): read until the cancellation.
        const seen: { id: string; status: string; cancelReason: string }[] = [];
        for (let next = first; ; next = updates.next()) {
          const got = await withTimeout(next, "runUpdated");
          seen.push(got.value!.data!.runUpdated);
          if (seen.at(-1)!.status === "CANCELLED") break;
        }
        assert.deepEqual(seen.at(-1), { id: watched.runs[0]!.id, status: "CANCELLED", cancelReason: "seen" });
        assert.ok(
          seen.every((r) => r.id === watched.runs[0]!.id),
          "only the watched experiment's runs",
        );
        await updates.return?.();

        // Three events for one run whose selected fields did not change between them (a checkpoint, samples…):
        // the subscriber hears the answer once, then the next real change.
        const statuses = client.iterate<{ runUpdated: { id: string; status: string } }>({
          query: `subscription($e: ID!) { runUpdated(experimentId: $e) { id status } }`,
          variables: { e: watched.id },
        });
        const firstStatus = statuses.next();
        await client.iterate({ query: "{ experiments(first: 1) { totalCount } }" }).next();
        const runId = watched.runs[0]!.id;
        for (let i = 0; i < 3; i++) server.events.publish("RUN_UPDATED", { runId, experimentId: watched.id });
        await server.gql(`mutation($id: ID!) { retryRun(id: $id) { id } }`, { id: runId });
        const heard = [(await withTimeout(firstStatus, "runUpdated")).value!.data!.runUpdated];
        heard.push((await withTimeout(statuses.next(), "runUpdated")).value!.data!.runUpdated);
        assert.deepEqual(heard, [
          { id: runId, status: "CANCELLED" },
          { id: runId, status: "QUEUED" },
        ]);
        await statuses.return?.();

        // Fields read through the context's loaders (the run's history) are read afresh for every event: one
        // context serves the whole subscription, and a cache kept from the first event would repeat its rows.
        const histories = client.iterate<{ runUpdated: { status: string; statusHistory: { to: string }[] } }>(
          {
            query: `subscription($e: ID!) { runUpdated(experimentId: $e) { status statusHistory { to } } }`,
            variables: { e: watched.id },
          },
        );
        const firstHistory = histories.next();
        await client.iterate({ query: "{ experiments(first: 1) { totalCount } }" }).next();
        await server.gql(`mutation($id: ID!) { cancelRun(id: $id, reason: "again") { id } }`, { id: runId });
        type History = { status: string; statusHistory: { to: string }[] };
        const nextHistory = async (next = histories.next()) =>
          (await withTimeout(next, "runUpdated")).value!.data!.runUpdated as History;
        // Heard before the retry (an event is read when it is handled, so a retry committed first would be
        // read); events of the retry above may still arrive first (dispatch marks a QUEUED run it cannot place).
        let cancelled = await nextHistory(firstHistory);
        while (cancelled.status !== "CANCELLED") cancelled = await nextHistory();
        await server.gql(`mutation($id: ID!) { retryRun(id: $id) { id } }`, { id: runId });
        const requeued = await nextHistory();
        assert.equal(cancelled.status, "CANCELLED");
        assert.equal(requeued.status, "QUEUED");
        assert.deepEqual(
          requeued.statusHistory.map((c: { to: string }) => c.to),
          [...cancelled.statusHistory.map((c: { to: string }) => c.to), "QUEUED"],
          "the second event's history has the retry",
        );
        await histories.return?.();

        const anonymous = createClient({
          url: server.url.replace(/^http/, "ws"),
          webSocketImpl: WebSocket,
          retryAttempts: 0,
        });
        try {
          const denied = await anonymous
            .iterate({
              query: `subscription($e: ID!) { runUpdated(experimentId: $e) { id } }`,
              variables: { e: watched.id },
            })
            .next()
            .then(
              (r) => r.value as { errors?: { extensions?: { code?: string } }[] },
              (errors: { extensions?: { code?: string } }[]) => ({ errors }),
            );
          assert.equal(denied.errors?.[0]?.extensions?.code, "UNAUTHENTICATED");
        } finally {
          await anonymous.dispose();
        }
      } finally {
        await client.dispose();
      }
    });
  });
}

describe("metricsAppended", () => {
  test("forwards the points published for its run only, with the run id", async () => {
    const events = createEvents();
    const schema = await buildAppSchema({} as Services, events);
    const result = await subscribe({
      schema,
      document: parse(`subscription { metricsAppended(runId: "r1") { runId key step value } }`),
      contextValue: { auth: { kind: "apiKey", keyId: "k", scope: "read" } },
    });
    assert.ok(Symbol.asyncIterator in result);
    const it = result[Symbol.asyncIterator]();
    const next = it.next();
    events.publish("METRICS_APPENDED", {
      runId: "r2",
      points: [{ runId: "r2", key: "train_loss", step: 1, value: 9 }],
    });
    events.publish("METRICS_APPENDED", {
      runId: "r1",
      points: [
        { runId: "r1", key: "train_loss", step: 1, value: 2.5 },
        { runId: "r1", key: "eval_loss", step: 1, value: 3 },
      ],
    });
    assert.deepEqual(JSON.parse(JSON.stringify((await next).value)), {
      data: {
        metricsAppended: [
          { runId: "r1", key: "train_loss", step: 1, value: 2.5 },
          { runId: "r1", key: "eval_loss", step: 1, value: 3 },
        ],
      },
    });
    await it.return?.();
  });
});
