import assert from "node:assert/strict";
import { request } from "node:http";
import { describe, test } from "node:test";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { drivers, startTestServer } from "../testing/test-server.js";

/** A fresh TCP connection (no keep-alive reuse): refused once the server stops listening. */
function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port, path: "/healthz", agent: false }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on("error", () => resolve(false));
    req.end();
  });
}

for (const driver of drivers) {
  describe(`shutdown on ${driver}`, () => {
    test("drains: an in-flight request completes, new connections are refused, then the database closes", async () => {
      const server = await startTestServer(driver);
      // Hold the dataset table so the query below is in flight until we let go.
      let release!: () => void;
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      let locked!: () => void;
      const isLocked = new Promise<void>((resolve) => {
        locked = resolve;
      });
      const holder = server.db.write(async (m) => {
        await m.query("LOCK TABLE dataset IN ACCESS EXCLUSIVE MODE");
        locked();
        await released;
      });
      await isLocked;
      try {
        const inFlight = server.gql("{ datasets { totalCount } }");
        await new Promise((resolve) => setTimeout(resolve, 100));

        let closed = false;
        const closing = server.close().then(() => {
          closed = true;
        });
        await new Promise((resolve) => setTimeout(resolve, 100));
        assert.equal(await connects(server.port), false, "no new connections while draining");
        assert.equal(closed, false, "close waits for the in-flight request");

        release();
        await holder;
        const response = await inFlight;
        assert.equal(response.status, 200);
        assert.deepEqual(response.data, { datasets: { totalCount: 0 } });
        await closing;
        assert.equal(await server.db.isReady(), false, "the database is closed");
      } finally {
        release();
        await server.close();
      }
    });
  });
}

test("a subscription client sees a clean close (1001) on shutdown", async () => {
  const server = await startTestServer("pglite");
  let onClosed!: (event: { code: number; reason: string }) => void;
  const closeEvent = new Promise<{ code: number; reason: string }>((resolve) => {
    onClosed = resolve;
  });
  const client = createClient({
    url: server.url.replace(/^http/, "ws"),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${server.adminKey}` },
    retryAttempts: 0,
    on: { closed: (event) => onClosed(event as { code: number; reason: string }) },
  });
  try {
    type Event = { datasetCreated: { name: string } };
    const received = client.iterate<Event>({ query: "subscription { datasetCreated { name } }" }).next();

    // The subscription is live once a created dataset arrives through it; retry until the server has it.
    let delivered: IteratorResult<{ data?: Event | null }> | undefined;
    for (let attempt = 0; !delivered && attempt < 50; attempt++) {
      await server.gql(
        `mutation($c: String!) { createDataset(input: {name: "live", format: JSONL, content: $c}) { id } }`,
        { c: `{"text":"attempt ${attempt}"}` },
      );
      delivered = await Promise.race([
        received,
        new Promise<undefined>((r) => setTimeout(r, 200, undefined)),
      ]);
    }
    assert.equal(delivered?.value?.data?.datasetCreated.name, "live");

    await server.close();
    const { code } = await closeEvent;
    assert.equal(code, 1001, "going away, not an abnormal close (1006)");
  } finally {
    await client.dispose();
    await server.close();
  }
});
