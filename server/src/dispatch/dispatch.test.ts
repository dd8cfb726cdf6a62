import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { type RunningServer, startServer } from "../app/server.js";
import { loadConfig } from "../config.js";
import type { Database } from "../db/database.js";
import { createExperiment, seedPeople } from "../runs/fixtures.js";
import { createApiKeyForTest, registerRunnerForTest } from "../testing/auth.js";
import { createThrowawayDatabase, type ThrowawayDatabase } from "../testing/pg.js";
import { type ReceivedEvent, ScriptedRunner } from "../testing/runner-client.js";
import { createRunFixtures, queueRunsForTest } from "../testing/runs.js";
import { gql, type TestServer } from "../testing/test-server.js";

/** Polls `check` until it returns true (or throws after ms). */
async function eventually(what: string, check: () => Promise<boolean>, ms = 120_000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > until) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const sql = <T = Record<string, unknown>>(db: Database, query: string, params: unknown[] = []) =>
  db.read((m) => m.query(query, params) as Promise<T[]>);

/** Runners that start and complete every job they are given, as fast as the protocol lets them. */
function autoComplete(runner: ScriptedRunner, errors: unknown[]): void {
  runner.onEvent = (e: ReceivedEvent) => {
    if (e.kind !== "ASSIGNED") return;
    void (async () => {
      await runner.start(e.job.id);
      await runner.complete(e.job.id, { finalTrainLoss: 1 });
    })().catch((err: unknown) => errors.push(err));
  };
}

/** Every run SUCCEEDED with exactly one job, and every job was pushed to exactly one runner, once. */
async function assertEachAssignedOnce(
  db: Database,
  runIds: string[],
  runners: ScriptedRunner[],
): Promise<void> {
  const jobs = await sql<{ id: string; run_id: string; runner_id: string; attempt: number; status: string }>(
    db,
    `SELECT id, run_id, runner_id, attempt, status FROM job WHERE run_id = ANY($1::uuid[])`,
    [runIds],
  );
  assert.equal(jobs.length, runIds.length, "one job per run");
  assert.equal(new Set(jobs.map((j) => j.run_id)).size, runIds.length, "no run has two jobs");
  assert.ok(jobs.every((j) => j.attempt === 1 && j.status === "SUCCEEDED"));
  const received = runners.flatMap((r) => r.assigned().map((j) => ({ jobId: j.id, runnerId: r.runnerId })));
  assert.equal(received.length, runIds.length, "each job pushed once in all");
  const byJob = new Map(received.map((r) => [r.jobId, r.runnerId]));
  assert.equal(byJob.size, runIds.length, "no job pushed twice");
  for (const j of jobs) assert.equal(byJob.get(j.id), j.runner_id, "pushed to the runner that holds it");
  const statuses = await sql<{ status: string; n: number }>(
    db,
    `SELECT status, count(*)::int AS n FROM run WHERE id = ANY($1::uuid[]) GROUP BY status`,
    [runIds],
  );
  assert.deepEqual(statuses, [{ status: "SUCCEEDED", n: runIds.length }]);
}

function config(databaseUrl: string, leaseMs: number) {
  return {
    ...loadConfig({ PORT: "0", LOG_LEVEL: process.env.LOG_LEVEL ?? "silent" }),
    databaseUrl,
    leaseMs,
    retryBaseMs: 50,
  };
}

describe("dispatch on PostgreSQL", () => {
  let pg: ThrowawayDatabase;
  let server: RunningServer;
  const clients: ScriptedRunner[] = [];
  const connect = async (url: string, r: { runnerId: string; secret: string }) => {
    const client = await ScriptedRunner.connect(url, r.secret, r.runnerId);
    clients.push(client);
    return client;
  };

  before(async () => {
    pg = await createThrowawayDatabase();
    server = await startServer(config(pg.url, 30_000));
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await server.close();
    await pg.drop();
  });

  test("20 runners × 200 queued runs: every run assigned exactly once, none lost", async () => {
    const runners = await Promise.all(
      Array.from({ length: 20 }, () => registerRunnerForTest(server.db, { labels: ["bulk"] })),
    );
    const errors: unknown[] = [];
    const connected = await Promise.all(runners.map((r) => connect(server.url, r)));
    for (const c of connected) autoComplete(c, errors);
    const fixtures = await createRunFixtures(server.db);
    // Queued in four waves while runners already claim, so claims and queueing overlap.
    const runIds: string[] = [];
    for (let i = 0; i < 4; i++) {
      runIds.push(...(await queueRunsForTest(server, { count: 50, requiredLabels: ["bulk"], fixtures })));
    }
    await eventually("200 runs succeeded", async () => {
      const [row] = await sql<{ n: number }>(
        server.db,
        `SELECT count(*)::int AS n FROM run WHERE id = ANY($1::uuid[]) AND status = 'SUCCEEDED'`,
        [runIds],
      );
      return row!.n === runIds.length;
    });
    assert.deepEqual(errors, []);
    await assertEachAssignedOnce(server.db, runIds, connected);
    // Work was spread: more than one runner took part.
    assert.ok(connected.filter((c) => c.assigned().length > 0).length > 1);
  });

  test("memory-aware placement: a 20 GB run never goes to a 16 GB runner, says why, and goes to a 24 GB one", async () => {
    const small = await connect(
      server.url,
      await registerRunnerForTest(server.db, { labels: ["mem"], maxDeviceMemoryBytes: 16e9 }),
    );
    const [runId] = await queueRunsForTest(server, { requiredLabels: ["mem"], predictedTotalBytes: 20e9 });
    const reason = "needs 18.6 GiB; largest online runner with labels mem has 14.9 GiB"; // 20e9 and 16e9 bytes
    await eventually("the status reason", async () => {
      const [run] = await sql<{ status_reason: string | null }>(
        server.db,
        `SELECT status_reason FROM run WHERE id = $1`,
        [runId],
      );
      return run!.status_reason === reason;
    });
    // A while later the small runner still has nothing and the run still waits.
    await new Promise((r) => setTimeout(r, 1_200));
    assert.equal(small.events.length, 0);
    const [queued] = await sql<{ status: string }>(server.db, `SELECT status FROM run WHERE id = $1`, [
      runId,
    ]);
    assert.equal(queued!.status, "QUEUED");

    const bigRunner = await registerRunnerForTest(server.db, {
      name: "big-box",
      labels: ["mem"],
      maxDeviceMemoryBytes: 24e9,
    });
    const big = await connect(server.url, bigRunner);
    await big.waitFor(
      (e) => e.some((x) => x.job.runId === runId),
      10_000,
      "the 20 GB run on the 24 GB runner",
    );
    const [run] = await sql<{ status: string; runner_id: string; status_reason: string | null }>(
      server.db,
      `SELECT status, runner_id, status_reason FROM run WHERE id = $1`,
      [runId],
    );
    assert.deepEqual(run, { status: "ASSIGNED", runner_id: bigRunner.runnerId, status_reason: null });
    assert.equal(small.events.length, 0);
    // the history names the runner as people know it, not by id
    const [claimed] = await sql<{ reason: string }>(
      server.db,
      `SELECT reason FROM run_status_change WHERE run_id = $1 AND to_status = 'ASSIGNED'`,
      [runId],
    );
    assert.equal(claimed!.reason, "claimed by runner big-box");
  });

  test("jobs side by side on one device share its memory: two 14 GB runs on a 24 GB runner with two slots run one after the other", async () => {
    const shared = await registerRunnerForTest(server.db, {
      labels: ["share"],
      maxDeviceMemoryBytes: 24e9,
      maxJobs: 2,
    });
    const [first, second] = await queueRunsForTest(server, {
      count: 2,
      requiredLabels: ["share"],
      predictedTotalBytes: 14e9,
    });
    const client = await connect(server.url, shared);
    await client.waitFor((e) => e.some((x) => x.job.runId === first), 10_000, "the first 14 GB run");
    // A free slot, but not 28 GB: the second waits while the first runs.
    await new Promise((r) => setTimeout(r, 2_500));
    assert.deepEqual(
      client.assigned().map((j) => j.runId),
      [first],
    );
    const job = client.assigned()[0]!;
    await client.start(job.id);
    await client.complete(job.id);
    await client.waitFor(
      (e) => e.some((x) => x.job.runId === second),
      10_000,
      "the second run once memory freed",
    );
  });
});

describe("dispatch on PostgreSQL: lease expiry", () => {
  let pg: ThrowawayDatabase;
  let leaseServer: RunningServer;
  const clients: ScriptedRunner[] = [];
  const connect = async (url: string, r: { runnerId: string; secret: string }) => {
    const client = await ScriptedRunner.connect(url, r.secret, r.runnerId);
    clients.push(client);
    return client;
  };

  before(async () => {
    pg = await createThrowawayDatabase();
    leaseServer = await startServer(config(pg.url, 1_500));
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await leaseServer.close();
    await pg.drop();
  });

  test("a runner that stops heartbeating: its run is requeued after the lease and resumes from its checkpoint elsewhere", async () => {
    const first = await registerRunnerForTest(leaseServer.db, { labels: ["lease"] });
    const second = await registerRunnerForTest(leaseServer.db, { labels: ["lease"] });
    const r1 = await connect(leaseServer.url, first);
    r1.keepAlive(200);
    const [runId] = await queueRunsForTest(leaseServer, { requiredLabels: ["lease"] });
    await r1.waitFor((e) => e.length > 0, 10_000, "attempt 1");
    const job1 = r1.assigned()[0]!;
    await r1.start(job1.id);
    const batch = (from: number, to: number) =>
      Array.from({ length: to - from + 1 }, (_, i) => ({
        key: "train_loss",
        step: from + i,
        value: 10 - (from + i),
      }));
    assert.deepEqual((await r1.reportMetrics(job1.id, batch(0, 4))).data?.reportMetrics, {
      accepted: 5,
      duplicates: 0,
    });
    const checkpoint = await r1.mutate<{ uploadCheckpoint: { id: string } }>(
      `mutation($j: ID!) { uploadCheckpoint(jobId: $j, step: 4, files: [{name: "state.bin", base64: "AQID"}]) { id } }`,
      { j: job1.id },
    );
    // Runner 1 vanishes (no more heartbeats, socket gone); runner 2 is there.
    await r1.close();
    const r2 = await connect(leaseServer.url, second);
    r2.keepAlive(200);
    await r2.waitFor((e) => e.length > 0, 15_000, "attempt 2 after the lease expired");
    const job2 = r2.assigned()[0]!;
    assert.equal(job2.runId, runId);
    assert.equal(job2.attempt, 2);
    const resume = (
      job2.spec as {
        resumeFrom: { artifactId: string; step: number; files: { name: string; sizeBytes: number }[] };
      }
    ).resumeFrom;
    assert.equal(resume.artifactId, checkpoint.uploadCheckpoint.id);
    assert.equal(resume.step, 4);
    assert.deepEqual(
      resume.files.map((f) => [f.name, f.sizeBytes]),
      [["state.bin", 3]],
    );
    const [expired] = await sql<{ status: string }>(leaseServer.db, `SELECT status FROM job WHERE id = $1`, [
      job1.id,
    ]);
    assert.equal(expired!.status, "EXPIRED");

    await r2.start(job2.id);
    // Attempt 2 resends runner 1's last batch (it could not know it was stored), then continues.
    assert.deepEqual((await r2.reportMetrics(job2.id, batch(3, 7))).data?.reportMetrics, {
      accepted: 3,
      duplicates: 2,
    });
    assert.deepEqual((await r2.reportMetrics(job2.id, batch(5, 9))).data?.reportMetrics, {
      accepted: 2,
      duplicates: 3,
    });
    await r2.complete(job2.id);

    // Runner 1 comes back late: its old job takes nothing.
    const late = await connect(leaseServer.url, first);
    const lateReport = await late.reportMetrics(job1.id, batch(10, 10));
    assert.equal(lateReport.errors?.[0]?.extensions?.code, "CONFLICT");
    assert.deepEqual((await late.heartbeat([job1.id])).heartbeat.cancelJobIds, [job1.id]);

    const points = await sql<{ step: number; value: number; attempt: number }>(
      leaseServer.db,
      `SELECT step, value, attempt FROM metric_point WHERE run_id = $1 AND key = 'train_loss' ORDER BY step`,
      [runId],
    );
    assert.deepEqual(
      points.map((p) => p.step),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
    assert.deepEqual(
      points.map((p) => p.attempt),
      [1, 1, 1, 1, 1, 2, 2, 2, 2, 2],
    );
    const history = await sql<{ to_status: string; attempt: number }>(
      leaseServer.db,
      `SELECT to_status, attempt FROM run_status_change WHERE run_id = $1 ORDER BY seq`,
      [runId],
    );
    assert.deepEqual(
      history.map((h) => `${h.to_status}/${h.attempt}`),
      ["QUEUED/0", "ASSIGNED/1", "RUNNING/1", "QUEUED/1", "ASSIGNED/2", "RUNNING/2", "SUCCEEDED/2"],
    );
  });
});

describe("dispatch across two server processes on one database", () => {
  let pg: ThrowawayDatabase;
  let a: RunningServer;
  let b: RunningServer;
  const clients: ScriptedRunner[] = [];

  before(async () => {
    pg = await createThrowawayDatabase();
    a = await startServer(config(pg.url, 30_000));
    b = await startServer(config(pg.url, 30_000));
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await a.close();
    await b.close();
    await pg.drop();
  });

  test("a runner connected to A receives a run queued through B", async () => {
    const runner = await registerRunnerForTest(a.db, { labels: ["cross"] });
    const client = await ScriptedRunner.connect(a.url, runner.secret, runner.runnerId);
    clients.push(client);
    await new Promise((r) => setTimeout(r, 200));
    const [runId] = await queueRunsForTest(b, { requiredLabels: ["cross"] });
    await client.waitFor((e) => e.some((x) => x.job.runId === runId), 10_000, "the run queued through B");
    // And a cancel requested through B reaches it on A.
    const job = client.assigned()[0]!;
    await client.start(job.id);
    await b.db.write((m) =>
      m.query(`UPDATE run SET cancel_requested_at = now(), cancel_reason = 'via B' WHERE id = $1`, [runId]),
    );
    b.events.publish("RUN_CANCEL_REQUESTED", {
      runId,
      jobId: job.id,
      runnerId: runner.runnerId,
      reason: "via B",
    });
    await client.waitFor((e) => e.some((x) => x.kind === "CANCEL"), 10_000, "the cancel sent through B");
  });

  test("createExperiment through B reaches a runner on A; cancelRun through B stops it there", async () => {
    const key = await createApiKeyForTest(b.db, "read-write");
    const viaB = {
      ...b,
      gql: (q: string, v?: Record<string, unknown>) => gql(b.url, q, v, key),
    } as unknown as TestServer;
    const runner = await registerRunnerForTest(a.db, { labels: ["people"] });
    const client = await ScriptedRunner.connect(a.url, runner.secret, runner.runnerId);
    clients.push(client);
    const seeded = await seedPeople(viaB, "cross-process");
    const experiment = await createExperiment(viaB, seeded, [
      { method: { method: "lora", r: 4 }, requiredLabels: ["people"] },
    ]);
    const runId = experiment.runs[0]!.id;
    await client.waitFor((e) => e.some((x) => x.job.runId === runId), 10_000, "the run created through B");
    const job = client.assigned()[0]!;
    const spec = job.spec as {
      method: { method: string; r: number };
      dataset: { id: string; rowCount: number };
    };
    assert.equal(spec.method.method, "lora");
    assert.equal(spec.method.r, 4);
    assert.equal(spec.dataset.id, seeded.datasetId);
    await client.start(job.id);
    const cancel = await viaB.gql(`mutation($id: ID!) { cancelRun(id: $id, reason: "stop from B") { id } }`, {
      id: runId,
    });
    assert.equal(cancel.errors, undefined, JSON.stringify(cancel.errors));
    await client.waitFor(
      (e) => e.some((x) => x.kind === "CANCEL" && x.job.id === job.id),
      10_000,
      "the cancel",
    );
    await client.mutate(
      `mutation($j: ID!) { failJob(jobId: $j, error: "cancelled", retryable: false) { id } }`,
      {
        j: job.id,
      },
    );
    const run = await viaB.gql<{ run: { status: string } }>(`query($id: ID!) { run(id: $id) { status } }`, {
      id: runId,
    });
    assert.equal(run.data?.run.status, "CANCELLED");
  });

  test("metricsAppended on B sees points reported on A, big batches (over the NOTIFY limit) re-read by reference", async () => {
    const key = await createApiKeyForTest(b.db, "read");
    const runner = await registerRunnerForTest(a.db, { labels: ["metrics-x"] });
    const client = await ScriptedRunner.connect(a.url, runner.secret, runner.runnerId);
    clients.push(client);
    const [runId] = await queueRunsForTest(a, { requiredLabels: ["metrics-x"] });
    await client.waitFor((e) => e.length > 0, 10_000, "the job");
    const job = client.assigned()[0]!;
    await client.start(job.id);

    const people = createClient({
      url: b.url.replace(/^http/, "ws"),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${key}` },
      retryAttempts: 0,
    });
    const seen = new Set<string>();
    const errors: unknown[] = [];
    const stop = people.subscribe<{ metricsAppended: { key: string; step: number; value: number }[] }>(
      {
        query: `subscription($r: ID!) { metricsAppended(runId: $r) { key step value } }`,
        variables: { r: runId },
      },
      {
        next: (r) => {
          if (r.errors) errors.push(r.errors);
          for (const p of r.data?.metricsAppended ?? []) seen.add(`${p.key}:${p.step}:${p.value}`);
        },
        error: (e) => errors.push(e),
        complete: () => {},
      },
    );
    try {
      await new Promise((r) => setTimeout(r, 300));
      const big = Array.from({ length: 600 }, (_, i) => ({
        key: `k${i % 3}`,
        step: Math.floor(i / 3),
        value: i,
      }));
      const small = [{ key: "train_loss", step: 1, value: 0.5 }];
      assert.deepEqual((await client.reportMetrics(job.id, big)).data?.reportMetrics, {
        accepted: 600,
        duplicates: 0,
      });
      assert.deepEqual((await client.reportMetrics(job.id, small)).data?.reportMetrics, {
        accepted: 1,
        duplicates: 0,
      });
      const expected = [...big, ...small].map((p) => `${p.key}:${p.step}:${p.value}`);
      await eventually("every point seen on B", async () => expected.every((e) => seen.has(e)), 20_000);
      assert.deepEqual(errors, []);
      assert.equal(seen.size, expected.length);
    } finally {
      stop();
      await people.dispose();
    }
  });

  test("20 runners on two processes × 200 runs queued through both: every run assigned exactly once", async () => {
    const errors: unknown[] = [];
    const connected: ScriptedRunner[] = [];
    for (let i = 0; i < 20; i++) {
      const server = i % 2 === 0 ? a : b;
      const r = await registerRunnerForTest(server.db, { labels: ["two"] });
      const client = await ScriptedRunner.connect(server.url, r.secret, r.runnerId);
      clients.push(client);
      connected.push(client);
      autoComplete(client, errors);
    }
    const fixtures = await createRunFixtures(a.db);
    const runIds: string[] = [];
    for (let i = 0; i < 4; i++) {
      runIds.push(
        ...(await queueRunsForTest(i % 2 === 0 ? b : a, { count: 50, requiredLabels: ["two"], fixtures })),
      );
    }
    await eventually("200 runs succeeded", async () => {
      const [row] = await sql<{ n: number }>(
        a.db,
        `SELECT count(*)::int AS n FROM run WHERE id = ANY($1::uuid[]) AND status = 'SUCCEEDED'`,
        [runIds],
      );
      return row!.n === runIds.length;
    });
    assert.deepEqual(errors, []);
    await assertEachAssignedOnce(a.db, runIds, connected);
    // Runners on both processes did work.
    assert.ok(connected.filter((c, i) => i % 2 === 0 && c.assigned().length > 0).length > 0);
    assert.ok(connected.filter((c, i) => i % 2 === 1 && c.assigned().length > 0).length > 0);
  });
});
