// UI benchmark (issue 8): time to a rendered comparison (table + both loss charts drawn) of 16 runs × 10k
// points each, beside the same page with 1 run, in headless Chromium against a real server serving the built
// dashboard. The data is seeded straight into the database (metric points by SQL); the page reads it through
// GraphQL as a user's would (the server downsamples each series to the page's maxPoints).
// Usage: npm run build && node bench/ui/run.mjs [--points 10000] [--repeat 5]
// Needs the test PostgreSQL (postgres://postgres@127.0.0.1:5432) and Chromium at /usr/bin/chromium.
// Writes bench/results/ui.json and ui.md. A benchmark, not a test: numbers vary by machine and load.
import { existsSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const { startTestServer } = await import(join(root, "server/dist/testing/test-server.js"));

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const POINTS = arg("points", 10_000);
const REPEAT = arg("repeat", 5);
const EVAL_EVERY = 100;

if (!existsSync(join(root, "web/out/index.html"))) {
  console.error("the dashboard is not built: run npm run build first");
  process.exit(1);
}

async function gql(server, query, variables) {
  const res = await server.gql(query, variables);
  if (res.errors?.length) throw new Error(res.errors.map((e) => e.message).join("; "));
  return res.data;
}

/** An experiment with `runs` LoRA variants (r = 1…runs), finished, with POINTS train_loss points each. */
async function seedExperiment(server, name, runs, datasetId, baseModelId) {
  const { createExperiment } = await gql(
    server,
    `mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { id runs { id } } }`,
    {
      input: {
        name,
        datasetId,
        baseModelId,
        hyperparameters: {
          steps: POINTS,
          learningRate: 0.001,
          batchSize: 4,
          seqLen: 32,
          evalEvery: EVAL_EVERY,
        },
        variants: Array.from({ length: runs }, (_, i) => ({
          name: `lora-r${i + 1}`,
          method: { method: "lora", r: i + 1 },
        })),
      },
    },
  );
  const runIds = createExperiment.runs.map((r) => r.id);
  await server.db.write(async (m) => {
    for (const [i, runId] of runIds.entries()) {
      // A plausible curve per run: decaying loss with noise, 100 ms per step.
      await m.query(
        `INSERT INTO metric_point (run_id, key, step, value, wall_time)
         SELECT $1, 'train_loss', s, 2.0 + $3::float8 * exp(-s / ($2::int / 4.0)) + 0.08 * sin(s * 0.37 + $3::float8),
                now() + s * interval '100 ms'
         FROM generate_series(1, $2::int) AS s`,
        [runId, POINTS, 1 + i * 0.1],
      );
      await m.query(
        `INSERT INTO metric_point (run_id, key, step, value, wall_time)
         SELECT $1, 'eval_loss', s, 2.2 + $3::float8 * exp(-s / ($2::int / 4.0)), now() + s * interval '100 ms'
         FROM generate_series($4::int, $2::int, $4::int) AS s`,
        [runId, POINTS, 1 + i * 0.1, EVAL_EVERY],
      );
      await m.query(
        `UPDATE run SET status = 'SUCCEEDED', started_at = now(), finished_at = now() + $2::int * interval '100 ms',
                final_train_loss = 2.0, best_eval_loss = 2.2, tokens_per_second = 1000 + $3::int,
                measured_peak_bytes = predicted_total_bytes * 1.2
         WHERE id = $1`,
        [runId, POINTS, i],
      );
    }
  });
  return { id: createExperiment.id, runIds };
}

/** Navigation start → table rows and both charts drawn with every run, measured in the page. */
async function timeToRendered(browser, origin, key, experimentId, runs) {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${origin}/api-keys`);
  await page.evaluate((k) => window.localStorage.setItem("tunelab.apiKey", k), key);
  await page.goto(`${origin}/compare?experiment=${experimentId}`);
  const handle = await page.waitForFunction(
    (n) => {
      const rows = document.querySelectorAll("[data-testid=compare-table] tbody tr[data-run-id]").length;
      const charts = Array.from(document.querySelectorAll("[data-testid=chart]"));
      const drawn =
        charts.length === 2 &&
        charts.every(
          (c) => c.getAttribute("data-rendered") === "true" && Number(c.getAttribute("data-series")) === n,
        );
      return rows === n && drawn ? performance.now() : false;
    },
    runs,
    { timeout: 120_000, polling: "raf" },
  );
  const ms = await handle.jsonValue();
  const points = await page.$$eval("[data-testid=chart]", (cs) =>
    cs.map((c) => Number(c.getAttribute("data-points"))),
  );
  // When the last GraphQL answer arrived: the rest is parsing, React and uPlot in the page.
  const dataMs = await page.evaluate(() =>
    Math.max(
      0,
      ...performance
        .getEntriesByType("resource")
        .filter((e) => e.name.endsWith("/graphql"))
        .map((e) => e.responseEnd),
    ),
  );
  await context.close();
  return { ms, points, dataMs };
}

const median = (xs) => {
  const s = xs.slice().sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const server = await startTestServer("pg");
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
});
try {
  const { dataset, base } = await gql(
    server,
    `mutation {
      dataset: createDataset(input: { name: "bench", format: JSONL, content: "{\\"text\\": \\"a b c\\"}\\n{\\"text\\": \\"d e f\\"}" }) { id }
      base: createBaseModel(input: { name: "bench-nano", preset: "tunelab-nano" }) { id }
    }`,
  );
  const seedStart = Date.now();
  const one = await seedExperiment(server, "bench: 1 run", 1, dataset.id, base.id);
  const many = await seedExperiment(server, "bench: 16 runs", 16, dataset.id, base.id);
  const seedMs = Date.now() - seedStart;
  console.log(`seeded 17 runs × ${POINTS} train_loss points in ${seedMs} ms`);

  // The same two reads the page makes, timed from Node: how much of the wait is the server's.
  const apiMs = { 1: [], 16: [] };
  for (let i = 0; i < REPEAT; i++) {
    for (const [n, exp] of [
      [1, one],
      [16, many],
    ]) {
      const t0 = performance.now();
      await gql(server, `query($id: ID) { compare(experimentId: $id) { runId name trainableParams } }`, {
        id: exp.id,
      });
      const t1 = performance.now();
      await gql(
        server,
        `query($ids: [ID!]!) { metrics(runIds: $ids, keys: ["train_loss", "eval_loss"], maxPoints: 1000) {
          runId key totalPoints points { step value wallTimeMs } } }`,
        { ids: exp.runIds },
      );
      apiMs[n].push({ compare: t1 - t0, metrics: performance.now() - t1 });
    }
  }
  const apiMedian = (n, k) => median(apiMs[n].map((x) => x[k]));
  console.log(
    `API from Node: compare ${apiMedian(1, "compare").toFixed(0)} / ${apiMedian(16, "compare").toFixed(0)} ms, ` +
      `metrics ${apiMedian(1, "metrics").toFixed(0)} / ${apiMedian(16, "metrics").toFixed(0)} ms (1 / 16 runs)`,
  );

  // Warm-up (first load compiles the page's JS), then alternate 1 and 16 runs.
  await timeToRendered(browser, server.origin, server.adminKey, one.id, 1);
  const samples = { 1: [], 16: [] };
  const dataSamples = { 1: [], 16: [] };
  const pointsDrawn = {};
  for (let i = 0; i < REPEAT; i++) {
    for (const [n, exp] of [
      [1, one],
      [16, many],
    ]) {
      const { ms, points, dataMs } = await timeToRendered(browser, server.origin, server.adminKey, exp.id, n);
      samples[n].push(ms);
      dataSamples[n].push(dataMs);
      pointsDrawn[n] = points;
      console.log(
        `${n} run(s): ${ms.toFixed(0)} ms, data in at ${dataMs.toFixed(0)} ms (points drawn per chart: ${points.join(", ")})`,
      );
    }
  }
  const m1 = median(samples[1]);
  const m16 = median(samples[16]);
  const ratio = m16 / m1;
  const result = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavg: loadavg(), node: process.version },
    pointsPerRun: POINTS,
    evalEvery: EVAL_EVERY,
    repeat: REPEAT,
    msToRendered: { oneRun: samples[1], sixteenRuns: samples[16] },
    median: { oneRun: m1, sixteenRuns: m16 },
    apiFromNodeMedianMs: {
      compare: { oneRun: apiMedian(1, "compare"), sixteenRuns: apiMedian(16, "compare") },
      metrics: { oneRun: apiMedian(1, "metrics"), sixteenRuns: apiMedian(16, "metrics") },
    },
    medianLastGraphqlResponseMs: { oneRun: median(dataSamples[1]), sixteenRuns: median(dataSamples[16]) },
    ratio,
    pointsDrawnPerChart: pointsDrawn,
    storedPoints: { oneRun: POINTS + POINTS / EVAL_EVERY, sixteenRuns: 16 * (POINTS + POINTS / EVAL_EVERY) },
  };
  writeFileSync(join(root, "bench/results/ui.json"), `${JSON.stringify(result, null, 2)}\n`);
  const fmt = (n) => Math.round(n).toLocaleString("en-US");
  writeFileSync(
    join(root, "bench/results/ui.md"),
    `# UI benchmark (bench/ui/run.mjs)

${result.date} · ${result.machine.cpus} CPUs (${result.machine.model}) · Node ${process.version} · headless Chromium · load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")} (machine shared with other work)

Time from navigation to a rendered comparison page (table rows and both loss charts drawn by uPlot with every
run), served by the GraphQL server from the static export; data read through GraphQL (compare + metrics,
the server downsampling each series to the page's maxPoints). Median of ${REPEAT} loads each, after one warm-up load.

| comparison | stored points | points drawn (train / eval chart) | median to rendered | median last GraphQL answer | loads (ms) |
| --- | ---: | ---: | ---: | ---: | --- |
| 1 run × ${fmt(POINTS)} steps | ${fmt(result.storedPoints.oneRun)} | ${pointsDrawn[1].map(fmt).join(" / ")} | ${fmt(m1)} ms | ${fmt(result.medianLastGraphqlResponseMs.oneRun)} ms | ${samples[1].map(fmt).join(", ")} |
| 16 runs × ${fmt(POINTS)} steps | ${fmt(result.storedPoints.sixteenRuns)} | ${pointsDrawn[16].map(fmt).join(" / ")} | ${fmt(m16)} ms | ${fmt(result.medianLastGraphqlResponseMs.sixteenRuns)} ms | ${samples[16].map(fmt).join(", ")} |

**16 runs / 1 run = ${ratio.toFixed(2)}** (16× the data; 1.0 would mean the page cost does not grow with runs). "Last GraphQL
answer" is when the page had all its data (compare and metrics, asked in parallel once the run ids are known); the rest is the page's own work.

The same reads from Node (median): compare ${fmt(result.apiFromNodeMedianMs.compare.oneRun)} ms / ${fmt(result.apiFromNodeMedianMs.compare.sixteenRuns)} ms,
metrics (maxPoints 1000) ${fmt(result.apiFromNodeMedianMs.metrics.oneRun)} ms / ${fmt(result.apiFromNodeMedianMs.metrics.sixteenRuns)} ms (1 run / 16 runs).
`,
  );
  console.log(`median 1 run ${m1.toFixed(0)} ms, 16 runs ${m16.toFixed(0)} ms, ratio ${ratio.toFixed(2)}`);
} finally {
  await browser.close();
  await server.close();
}
