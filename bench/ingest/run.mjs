// Ingest benchmark (issue 6): metric points per second through reportMetrics (graphql-ws, batched, idempotent
// INSERT … SELECT FROM unnest … ON CONFLICT DO NOTHING) beside a raw PostgreSQL COPY of the same points into
// the same table (pg-copy-streams), as a ratio. Also the cost of re-sending a batch (all duplicates).
// Usage: npx tsc -b server && node bench/ingest/run.mjs [--points 120000] [--batch 500] [--runners 4]
// Needs the test PostgreSQL (TUNELAB_TEST_PG_URL or postgres://postgres@127.0.0.1:5432). Writes
// bench/results/ingest.json and ingest.md. A benchmark, not a test: numbers vary by machine and load.
import { writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import pg from "pg";
import copyStreams from "pg-copy-streams";

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
const POINTS = arg("points", 120_000);
const BATCH = arg("batch", 500);
const RUNNERS = arg("runners", 4);
const KEYS = [
  "train_loss",
  "eval_loss",
  "learning_rate",
  "grad_norm",
  "tokens_per_second",
  "live_tensor_bytes",
];

/** `n` points as a runner sends them: every key at every step, steps from 0. */
function points(n) {
  const out = [];
  const t0 = Date.now();
  for (let i = 0; i < n; i++) {
    const step = Math.floor(i / KEYS.length);
    out.push({ key: KEYS[i % KEYS.length], step, value: Math.sin(i) + 2, wallTimeMs: t0 + step });
  }
  return out;
}

const db = await createThrowawayDatabase("tunelab_bench");
const server = await startServer({
  ...loadConfig({ PORT: "0", LOG_LEVEL: "silent" }),
  databaseUrl: db.url,
});
try {
  const fixtures = await createRunFixtures(server.db);
  const [copyRun] = await queueRunsForTest(server, { requiredLabels: ["nobody"], fixtures });

  // 1. reportMetrics: RUNNERS runners, each its own run, batches of BATCH points sent back to back.
  const clients = [];
  for (let i = 0; i < RUNNERS; i++) {
    const r = await registerRunnerForTest(server.db, { labels: [`ingest-${i}`] });
    const client = await ScriptedRunner.connect(server.url, r.secret, r.runnerId);
    clients.push(client);
    await queueRunsForTest(server, { requiredLabels: [`ingest-${i}`], fixtures });
    await client.waitFor((e) => e.length > 0, 10_000, "job");
    await client.start(client.assigned()[0].id);
  }
  const perRunner = Math.floor(POINTS / RUNNERS);
  const data = points(perRunner);
  const send = async (client, list) => {
    const jobId = client.assigned()[0].id;
    let accepted = 0;
    let duplicates = 0;
    for (let i = 0; i < list.length; i += BATCH) {
      const r = await client.reportMetrics(jobId, list.slice(i, i + BATCH));
      if (r.errors) throw new Error(JSON.stringify(r.errors));
      accepted += r.data.reportMetrics.accepted;
      duplicates += r.data.reportMetrics.duplicates;
    }
    return { accepted, duplicates };
  };
  // Warm-up (JIT, pool): one batch on a throwaway run is not worth it; the first 2% of points are small.
  let t = performance.now();
  const results = await Promise.all(clients.map((c) => send(c, data)));
  const ingestMs = performance.now() - t;
  const accepted = results.reduce((s, r) => s + r.accepted, 0);
  if (accepted !== perRunner * RUNNERS) throw new Error(`accepted ${accepted} of ${perRunner * RUNNERS}`);

  // 1b. one runner alone (what a single training process sees)
  t = performance.now();
  const resend = await send(clients[0], data);
  const resendMs = performance.now() - t;
  if (resend.duplicates !== perRunner) throw new Error("a re-sent batch stored points");

  // 2. COPY of the same number of points into metric_point (another run), one stream.
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  const all = points(perRunner * RUNNERS);
  const lines = all.map(
    (p) => `${copyRun}\t${p.key}\t${p.step}\t${p.value}\t${new Date(p.wallTimeMs).toISOString()}\t1\n`,
  );
  // Chunks of 1,000 rows: what a bulk loader writes to the socket (one chunk per row would measure Node streams).
  const chunks = [];
  for (let i = 0; i < lines.length; i += 1000) chunks.push(lines.slice(i, i + 1000).join(""));
  t = performance.now();
  await pipeline(
    Readable.from(chunks),
    client.query(
      copyStreams.from("COPY metric_point (run_id, key, step, value, wall_time, attempt) FROM STDIN"),
    ),
  );
  const copyMs = performance.now() - t;
  const [{ n }] = (
    await client.query("SELECT count(*)::int AS n FROM metric_point WHERE run_id = $1", [copyRun])
  ).rows;
  if (n !== all.length) throw new Error(`COPY stored ${n}`);
  await client.end();
  for (const c of clients) await c.close();

  const total = perRunner * RUNNERS;
  const report = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, loadAverage: loadavg() },
    points: total,
    batch: BATCH,
    runners: RUNNERS,
    reportMetrics: { ms: ingestMs, pointsPerSecond: (total / ingestMs) * 1000 },
    resendAllDuplicates: { points: perRunner, ms: resendMs, pointsPerSecond: (perRunner / resendMs) * 1000 },
    copy: { ms: copyMs, pointsPerSecond: (total / copyMs) * 1000 },
  };
  report.ratioReportMetricsToCopy = report.reportMetrics.pointsPerSecond / report.copy.pointsPerSecond;
  const f = (x) => Math.round(x).toLocaleString("en-US");
  const md = `# Ingest benchmark (bench/ingest/run.mjs)

${report.date} · ${report.machine.cpus} CPUs (${report.machine.model}) · Node ${report.machine.node} · PostgreSQL on the same machine · load average ${report.machine.loadAverage.map((l) => l.toFixed(1)).join(" ")} (machine shared with other work)

| path | points | time | points/s |
| --- | ---: | ---: | ---: |
| reportMetrics over graphql-ws (${RUNNERS} runners, batches of ${BATCH}, INSERT … unnest … ON CONFLICT DO NOTHING) | ${f(total)} | ${f(ingestMs)} ms | ${f(report.reportMetrics.pointsPerSecond)} |
| same batches re-sent by one runner (all duplicates) | ${f(perRunner)} | ${f(resendMs)} ms | ${f(report.resendAllDuplicates.pointsPerSecond)} |
| raw \`COPY metric_point FROM STDIN\` (pg-copy-streams, one stream) | ${f(total)} | ${f(copyMs)} ms | ${f(report.copy.pointsPerSecond)} |

**reportMetrics / COPY = ${report.ratioReportMetricsToCopy.toFixed(2)}** (1.0 would be as fast as a bulk load; the API path adds
GraphQL parsing and validation, the job ownership check, a transaction per batch, the primary-key conflict check and
the METRICS_APPENDED event. The scripted runners run in the server's Node process, so their JSON and socket
work is counted too; a 1-point call costs about as much as a heartbeat, so batching is what makes it fast).
`;
  writeFileSync(join(root, "bench/results/ingest.json"), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(root, "bench/results/ingest.md"), md);
  console.log(md);
} finally {
  await server.close();
  await db.drop();
}
