import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { promisify } from "node:util";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { createApiKeyForTest, registerRunnerForTest } from "../testing/auth.js";
import { ScriptedRunner } from "../testing/runner-client.js";
import { queueRunsForTest } from "../testing/runs.js";
import { type TestServer, startTestServer } from "../testing/test-server.js";
import { jsonNestsDeeperThan } from "./request-limits.js";

test("jsonNestsDeeperThan counts [ and { outside strings, escapes included", () => {
  const cases: [string, number, boolean][] = [
    ["[[[]]]", 3, false],
    ["[[[[]]]]", 3, true],
    ['{"a":{"b":[1]}}', 3, false],
    ['{"a":"[[[[[[[["}', 1, false],
    ['{"a":"\\"[[[[["}', 1, false],
    ['[{"a":"\\\\"},[[[]]]]', 3, true],
    ["[".repeat(1_000_000), 64, true],
  ];
  for (const [text, max, deeper] of cases)
    assert.equal(jsonNestsDeeperThan(text, max), deeper, text.slice(0, 40));
});

const hostileClient = join(__dirname, "../testing/hostile-client.js");
/** What the hostile client records for an upload whose connection was closed before it ended. */
const closedEarly = -1;

/** Runs the hostile client in its own process; resolves with what each kind of request got back. */
async function hostileTraffic(args: string[]): Promise<Record<string, number[]>> {
  const { stdout } = await promisify(execFile)(process.execPath, [hostileClient, ...args], {
    maxBuffer: 1024 * 1024,
  });
  return JSON.parse(stdout) as Record<string, number[]>;
}

describe("request limits under hostile bodies and messages (PGlite)", () => {
  let server: TestServer;
  let readKey: string;
  before(async () => {
    server = await startTestServer("pglite", { leaseMs: 1_500 });
    readKey = await createApiKeyForTest(server.db, "read");
  });
  after(() => server.close());

  test("oversized and deeply nested bodies and messages are refused while /healthz answers and heartbeats keep the lease", async () => {
    const { runnerId, secret } = await registerRunnerForTest(server.db);
    const runner = await ScriptedRunner.connect(server.url, secret, runnerId);
    const [runId] = await queueRunsForTest(server);
    await runner.waitFor((events) => events.some((e) => e.kind === "ASSIGNED"), 10_000, "assignment");
    const job = runner.assigned()[0]!;
    await runner.start(job.id);
    runner.keepAlive(500);
    after(() => runner.close());

    // The same /healthz probe and event-loop histogram over a quiet window, then under attack: on a machine
    // shared with other work the loop also waits for a CPU, so what the attack adds is what is bounded.
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const measure = async (during: Promise<unknown>) => {
      delay.reset();
      let slowest = 0;
      let failed = 0;
      let probing = true;
      const probe = (async () => {
        while (probing) {
          const started = performance.now();
          const res = await fetch(`${server.origin}/healthz`);
          await res.arrayBuffer();
          if (res.status !== 200) failed += 1;
          slowest = Math.max(slowest, performance.now() - started);
          await new Promise((r) => setTimeout(r, 50));
        }
      })();
      await during;
      probing = false;
      await probe;
      return { healthzMs: slowest, loopMs: delay.max / 1e6, failed };
    };
    const quiet = await measure(new Promise((r) => setTimeout(r, 5_000)));
    let outcomes: Record<string, number[]> = {};
    const attacked = await measure(
      hostileTraffic([server.url, server.adminKey, readKey, secret, "3"]).then((o) => {
        outcomes = o;
      }),
    );
    delay.disable();

    // a 20 MB upload refused mid-way may reach the client as its status or as a closed connection
    const refusedUnread = (status: number) => (outcome: number[]) =>
      outcome.every((o) => o === status || o === closedEarly);
    for (const [what, status] of [
      ["anonymous 20 MB of [", 413],
      ["read key 20 MB of [", 413],
      ["admin key 20 MB of [", 400],
    ] as const) {
      assert.ok(refusedUnread(status)(outcomes[what] ?? [200]), `${what}: ${outcomes[what]}`);
      delete outcomes[what];
    }
    assert.deepEqual(outcomes, {
      "admin key variables 5,000 deep": [400],
      "ws 10 MB before connection_init": [1009],
      "ws read key 1 MB message": [1009],
      "ws runner 100,000 deep": [4400],
    });
    const report = `under attack: slowest /healthz ${attacked.healthzMs.toFixed(0)} ms, event loop blocked ≤ ${attacked.loopMs.toFixed(0)} ms; quiet: ${quiet.healthzMs.toFixed(0)} ms, ${quiet.loopMs.toFixed(0)} ms`;
    console.log(report);
    assert.equal(attacked.failed, 0);
    assert.ok(attacked.healthzMs < 200 + quiet.healthzMs, report);
    assert.ok(attacked.loopMs < 200 + quiet.loopMs, report);
    const [row] = (await server.db.read((m) =>
      m.query("SELECT status, attempt_count FROM run WHERE id = $1", [runId]),
    )) as { status: string; attempt_count: number }[];
    assert.equal(row!.status, "RUNNING", "the lease held: the run was not requeued");
  });

  test("one connection may hold 100 operations; the 101st is refused with TOO_MANY_SUBSCRIPTIONS", async () => {
    const client = createClient({
      url: server.url.replace(/^http/, "ws"),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${readKey}` },
    });
    const query = "subscription($e: ID!) { runUpdated(experimentId: $e) { id } }";
    const stops: (() => void)[] = [];
    const refused = new Promise<unknown>((resolve) => {
      for (let i = 0; i <= 100; i += 1) {
        stops.push(
          client.subscribe(
            { query, variables: { e: "00000000-0000-4000-8000-000000000000" } },
            { next: () => {}, error: (e) => resolve(e), complete: () => {} },
          ),
        );
      }
    });
    const errors = (await refused) as { extensions?: { code?: string } }[];
    assert.equal(errors[0]?.extensions?.code, "TOO_MANY_SUBSCRIPTIONS");
    for (const stop of stops) stop();
    await client.dispose();
  });
});
