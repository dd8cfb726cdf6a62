// Dispatch benchmark (issue 6): job-created → runner-received latency (p50/p99) in one server process and
// across two processes (run queued through B, runner on A: LISTEN/NOTIFY), as multiples of a bare PostgreSQL
// round trip; and the time to dispatch 1,000 queued runs to 50 runners that start and complete each job at once.
// Usage: npx tsc -b server && node bench/dispatch/run.mjs [--samples 200] [--runs 1000] [--runners 50]
// Needs the test PostgreSQL. Writes bench/results/dispatch.json and dispatch.md. A benchmark, not a test.
import { writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const S = join(root, "server/dist");
const { startServer } = await import(join(S, "app/server.js"));
const { loadConfig } = await import(join(S, "config.js"));
const { createThrowawayDatabase } = await import(join(S, "testing/pg.js"));
const { registerRunnerForTest } = await import(join(S, "testing/auth.js"));
const { createRunFixtures, queueRunsForTest } = await import(join(S, "testing/runs.js"));
const { ScriptedRunner } = await import(join(S, "testing/runner-client.js"));

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const SAMPLES = arg("samples", 200);
const RUNS = arg("runs", 1000);
const RUNNERS = arg("runners", 50);

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

const db = await createThrowawayDatabase("tunelab_bench");
const config = { ...loadConfig({ PORT: "0", LOG_LEVEL: "silent" }), databaseUrl: db.url };
const a = await startServer(config);
const b = await startServer(config);
const clients = [];
try {
  const fixtures = await createRunFixtures(a.db);

  // Bare round trip: SELECT 1 on a pg connection.
  const raw = new pg.Client({ connectionString: db.url });
  await raw.connect();
  const rtt = [];
  for (let i = 0; i < 200; i++) {
    const t = performance.now();
    await raw.query("SELECT 1");
    rtt.push(performance.now() - t);
  }
  await raw.end();

  /** Queue one run through `via`, time until the runner on `on` has it; the runner then finishes it. */
  async function latencies(on, via, label) {
    const r = await registerRunnerForTest(on.db, { labels: [label] });
    const client = await ScriptedRunner.connect(on.url, r.secret, r.runnerId);
    clients.push(client);
    const out = [];
    for (let i = 0; i < SAMPLES; i++) {
      const before = client.events.length;
      await queueRunsForTest(via, { requiredLabels: [label], fixtures });
      // Measured from the queue transaction's commit (RUNS_QUEUED is published right after it).
      const t = performance.now();
      await client.waitFor((e) => e.length > before, 10_000, "job");
      out.push(performance.now() - t);
      const job = client.events[before].job;
      await client.start(job.id);
      await client.complete(job.id, {});
    }
    return out;
  }
  const local = await latencies(a, a, "local");
  const cross = await latencies(a, b, "cross");

  // Throughput: RUNNERS runners (half on each process), RUNS runs queued at once.
  const runners = [];
  for (let i = 0; i < RUNNERS; i++) {
    const server = i % 2 === 0 ? a : b;
    const r = await registerRunnerForTest(server.db, { labels: ["bulk"] });
    const client = await ScriptedRunner.connect(server.url, r.secret, r.runnerId);
    clients.push(client);
    runners.push(client);
  }
  await new Promise((r) => setTimeout(r, 300));
  let received = 0;
  let lastReceived = 0;
  let allReceived;
  const done = new Promise((resolve) => {
    allReceived = resolve;
  });
  for (const client of runners) {
    client.onEvent = (e) => {
      if (e.kind !== "ASSIGNED") return;
      received += 1;
      lastReceived = performance.now();
      if (received === RUNS) allReceived();
      void client
        .start(e.job.id)
        .then(() => client.complete(e.job.id, {}))
        .catch((err) => console.error(err));
    };
  }
  const t0 = performance.now();
  await queueRunsForTest(b, { count: RUNS, requiredLabels: ["bulk"], fixtures });
  await done;
  const dispatchMs = lastReceived - t0;
  const [{ n, runners: used }] = await a.db.read((m) =>
    m.query(
      `SELECT count(*)::int AS n, count(DISTINCT j.runner_id)::int AS runners FROM job j JOIN run r ON r.id = j.run_id
        WHERE 'bulk' = ANY(r.required_labels)`,
    ),
  );
  if (n !== RUNS) throw new Error(`${n} jobs for ${RUNS} runs`);

  // Dispatch alone: RUNNERS runners with enough slots for every run (RUNS / RUNNERS each), nothing completes.
  const slots = Math.ceil(RUNS / RUNNERS);
  const burst = [];
  for (let i = 0; i < RUNNERS; i++) {
    const server = i % 2 === 0 ? a : b;
    const r = await registerRunnerForTest(server.db, { labels: ["burst"], maxJobs: slots });
    const client = await ScriptedRunner.connect(server.url, r.secret, r.runnerId);
    clients.push(client);
    burst.push(client);
  }
  await new Promise((r) => setTimeout(r, 300));
  let burstReceived = 0;
  let burstDone;
  const burstAll = new Promise((resolve) => {
    burstDone = resolve;
  });
  for (const client of burst) {
    client.onEvent = (e) => {
      if (e.kind === "ASSIGNED" && ++burstReceived === RUNS) burstDone(performance.now());
    };
  }
  const tb = performance.now();
  await queueRunsForTest(b, { count: RUNS, requiredLabels: ["burst"], fixtures });
  const burstMs = (await burstAll) - tb;

  const rttP50 = pct(rtt, 50);
  const report = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, loadAverage: loadavg() },
    pgRoundTripMs: { p50: rttP50, p99: pct(rtt, 99) },
    latencyMs: {
      sameProcess: { samples: SAMPLES, p50: pct(local, 50), p99: pct(local, 99) },
      acrossProcesses: { samples: SAMPLES, p50: pct(cross, 50), p99: pct(cross, 99) },
    },
    dispatch: {
      runs: RUNS,
      runners: RUNNERS,
      runnersUsed: used,
      ms: dispatchMs,
      runsPerSecond: (RUNS / dispatchMs) * 1000,
    },
    dispatchOnly: {
      runs: RUNS,
      runners: RUNNERS,
      slotsPerRunner: slots,
      ms: burstMs,
      runsPerSecond: (RUNS / burstMs) * 1000,
    },
  };
  const x = (ms) => `${ms.toFixed(1)} ms (${(ms / rttP50).toFixed(0)}× RTT)`;
  const md = `# Dispatch benchmark (bench/dispatch/run.mjs)

${report.date} · ${report.machine.cpus} CPUs (${report.machine.model}) · Node ${report.machine.node} · PostgreSQL on the same machine · load average ${report.machine.loadAverage.map((l) => l.toFixed(1)).join(" ")} (machine shared with other work)
(two server processes = two startServer on one database, each with its own pub/sub: only LISTEN/NOTIFY connects them;
the scripted runners share that Node process)

Bare PostgreSQL round trip (SELECT 1): p50 ${rttP50.toFixed(2)} ms (RTT), p99 ${pct(rtt, 99).toFixed(2)} ms.

Job created → runner received (from the commit of the queueing transaction: RUNS_QUEUED, claim transaction, spec read, push over graphql-ws), ${SAMPLES} samples each:

| path | p50 | p99 | p99/p50 |
| --- | ---: | ---: | ---: |
| run queued on the runner's process | ${x(report.latencyMs.sameProcess.p50)} | ${x(report.latencyMs.sameProcess.p99)} | ${(report.latencyMs.sameProcess.p99 / report.latencyMs.sameProcess.p50).toFixed(1)} |
| run queued through the other process (NOTIFY) | ${x(report.latencyMs.acrossProcesses.p50)} | ${x(report.latencyMs.acrossProcesses.p99)} | ${(report.latencyMs.acrossProcesses.p99 / report.latencyMs.acrossProcesses.p50).toFixed(1)} |

Across / same process at p50: **${(report.latencyMs.acrossProcesses.p50 / report.latencyMs.sameProcess.p50).toFixed(2)}×**.

${RUNS} runs queued at once through one process, ${RUNNERS} runners (max 1 job each, half on each process) that start and
complete every job at once: last job received after **${Math.round(dispatchMs).toLocaleString("en-US")} ms**
(${report.dispatch.runsPerSecond.toFixed(0)} runs/s, ${used} runners used; each run = claim + startJob + completeJob
transactions, so this is the whole job loop, not the claim alone).

Dispatch alone: ${RUNS} runs queued at once, ${RUNNERS} runners with ${slots} free slots each (nothing completes): all
${RUNS} received after **${Math.round(burstMs).toLocaleString("en-US")} ms** (${report.dispatchOnly.runsPerSecond.toFixed(0)} runs/s; a claim takes up to its free
slots in one transaction). Job loop / dispatch alone: **${(dispatchMs / burstMs).toFixed(1)}×** the time.
`;
  writeFileSync(join(root, "bench/results/dispatch.json"), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(root, "bench/results/dispatch.md"), md);
  console.log(md);
} finally {
  for (const c of clients) await c.close();
  await a.close();
  await b.close();
  await db.drop();
}
