import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
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

/**
 * CPU time of the thread running this code — the event loop's — in ms: utime + stime of
 * /proc/thread-self/stat (clock ticks of 10 ms). Not process.cpuUsage(): that adds every thread's time
 * (GC helpers, the thread pool), which on a busy machine piles up in one turn without blocking the loop.
 */
function loopThreadCpuMs(): number {
  const stat = readFileSync("/proc/thread-self/stat", "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10; // fields 14 and 15 of proc(5)
}

/**
 * The most CPU time the event loop's thread spent between two consecutive turns of the loop: a synchronous
 * block (a JSON.parse of megabytes) shows as CPU spent in one turn; a process that only waited for a CPU
 * shows as wall time without CPU, and does not count.
 */
function cpuBetweenLoopTurns(): { stop(): number } {
  let last = loopThreadCpuMs();
  let most = 0;
  const turn = () => {
    const now = loopThreadCpuMs();
    most = Math.max(most, now - last);
    last = now;
  };
  const timer = setInterval(turn, 5);
  return {
    stop() {
      clearInterval(timer);
      turn();
      return most;
    },
  };
}

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
    // a lease heartbeats (every 500 ms) keep only if the loop is not blocked for seconds; long enough that
    // a machine busy with other work does not expire it between assignment and startJob
    server = await startTestServer("pglite", { leaseMs: 3_000 });
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

    // Probing /healthz through the attack (every probe must be answered), and measuring what the issue is
    // about: how long the event loop is blocked. Wall time between two turns of the loop also grows when the
    // process merely waits for a CPU (a machine shared with other work); CPU time spent between two turns
    // does not, so the longest block is measured in CPU milliseconds and compared with the quiet window.
    const measure = async (during: Promise<unknown>) => {
      const blocking = cpuBetweenLoopTurns();
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
      return { healthzMs: slowest, blockedCpuMs: blocking.stop(), failed };
    };
    const quiet = await measure(new Promise((r) => setTimeout(r, 3_000)));
    let outcomes: Record<string, number[]> = {};
    const attacked = await measure(
      hostileTraffic([server.url, server.adminKey, readKey, secret, "3"]).then((o) => {
        outcomes = o;
      }),
    );

    // a 20 MB body refused unread may reach the client as its status or as a closed connection
    const refusedUnread = (status: number) => (outcome: number[]) =>
      outcome.every((o) => o === status || o === closedEarly);
    const report = `event loop blocked by at most ${attacked.blockedCpuMs.toFixed(0)} ms of CPU under attack, ${quiet.blockedCpuMs.toFixed(0)} ms quiet; slowest /healthz ${attacked.healthzMs.toFixed(0)} ms under attack, ${quiet.healthzMs.toFixed(0)} ms quiet (wall time, not asserted: it includes waiting for a CPU)`;
    console.log(report);
    for (const what of ["anonymous 20 MB of [", "read key 20 MB of [", "admin key 20 MB of ["]) {
      assert.ok(refusedUnread(413)(outcomes[what] ?? [200]), `${what}: ${outcomes[what]}`);
      delete outcomes[what];
    }
    // 10 MB before connection_init is closed for its size (1009) as its frame header arrives; on a machine
    // busy enough that the frame is not reached within graphql-ws's 3 s for connection_init, the init
    // timeout (4408) closes the socket first: refused unread either way
    const preInit = "ws 10 MB before connection_init";
    assert.ok(
      outcomes[preInit]?.every((code) => code === 1009 || code === 4408),
      `${preInit}: ${outcomes[preInit]}`,
    );
    delete outcomes[preInit];
    assert.deepEqual(outcomes, {
      "admin key variables 5,000 deep": [400],
      "ws read key 1 MB message": [1009],
      "ws runner 1 MB message": [1009],
      "ws runner 100,000 deep": [4400],
    });
    assert.equal(attacked.failed, 0, "every /healthz probe was answered 200");
    // reading 20 MB of `[` whole and parsing it blocked for seconds; refusing it while it arrives, for none
    assert.ok(attacked.blockedCpuMs < 100 + quiet.blockedCpuMs, report);
    const [row] = (await server.db.read((m) =>
      m.query("SELECT status, attempt_count FROM run WHERE id = $1", [runId]),
    )) as { status: string; attempt_count: number }[];
    assert.equal(row!.status, "RUNNING", "the lease held: the run was not requeued");
  });

  test("a read-write key and a runner get the same 256 KiB GraphQL body limit as anyone: files go to POST /uploads", async () => {
    const writeKey = await createApiKeyForTest(server.db, "read-write");
    const { secret } = await registerRunnerForTest(server.db);
    const body = (bytes: number) =>
      JSON.stringify({ query: "{ __typename }", variables: { pad: "x".repeat(bytes) } });
    for (const [who, token] of [
      ["read-write key", writeKey],
      ["admin key", server.adminKey],
      ["runner", secret],
    ] as const) {
      const post = (text: string) =>
        fetch(server.url, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
          body: text,
        });
      const over = await post(body(300 * 1024));
      assert.equal(over.status, 413, who);
      const answer = (await over.json()) as { errors: { message: string; extensions: { limit: number } }[] };
      assert.equal(answer.errors[0]!.extensions.limit, 256 * 1024, who);
      assert.match(answer.errors[0]!.message, /POST \/uploads/, who);
      const under = await post(body(200 * 1024));
      assert.equal(under.status, 200, who);
    }
  });

  test("one connection may hold 100 operations; the 101st is refused with TOO_MANY_SUBSCRIPTIONS", async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on("warning", onWarning);
    after(() => process.off("warning", onWarning));
    const before = server.events.listenerCount("RUN_UPDATED");
    const client = createClient({
      url: server.url.replace(/^http/, "ws"),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${readKey}` },
    });
    const query = "subscription($e: ID!) { runUpdated(experimentId: $e) { id } }";
    const stops: (() => void)[] = [];
    const refusedAt: number[] = [];
    const refused = new Promise<unknown>((resolve) => {
      for (let i = 0; i <= 100; i += 1) {
        stops.push(
          client.subscribe(
            { query, variables: { e: "00000000-0000-4000-8000-000000000000" } },
            {
              next: () => {},
              error: (e) => {
                refusedAt.push(i);
                resolve(e);
              },
              complete: () => {},
            },
          ),
        );
      }
    });
    const errors = (await refused) as { extensions?: { code?: string } }[];
    assert.equal(errors[0]?.extensions?.code, "TOO_MANY_SUBSCRIPTIONS");
    // the other 100 are held, each one listener on the pub/sub (added as the server sets it up), sent in one
    // burst: the limit counts what arrived before, not operations still being set up
    const listeners = async (n: number) => {
      for (let i = 0; i < 500 && server.events.listenerCount("RUN_UPDATED") !== n; i++)
        await new Promise((r) => setTimeout(r, 10));
      return server.events.listenerCount("RUN_UPDATED");
    };
    assert.equal(await listeners(before + 100), before + 100);
    assert.deepEqual(refusedAt, [100]);
    // each listener ends with its subscription, and none printed MaxListenersExceededWarning
    for (const stop of stops) stop();
    await client.dispose();
    assert.equal(await listeners(before), before);
    await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
    assert.deepEqual(
      warnings.map((w) => `${w.name}: ${w.message}`),
      [],
    );
  });
});
