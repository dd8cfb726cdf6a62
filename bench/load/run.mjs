// Read-load benchmark (issue 14): CLIENTS concurrent dashboard readers against a real server process on
// PostgreSQL with seeded finished (and a few running) experiments, for SECONDS per phase. Each client loops
// over what the dashboard asks: the experiments list, an experiment's comparison, the comparison page's
// metrics (its runs' train/eval loss, 1000 points a series) and a run page's metrics (every key). Phases on
// the same data, each its own server process, side by side in one run: metrics read as point objects with
// the finished-series cache off (TUNELAB_METRICS_CACHE_POINTS=0) and on, then as columns (what the dashboard
// reads). Per phase: each operation alone (wall time, the server's CPU per request from /proc, answer size),
// then the load: req/s, p50/p99 (all and per operation), errors, the server's RSS, CPU per request and load
// average. Also the finished-series cache's bytes per point (cache-memory.mjs).
// Usage: npx tsc -b server && node bench/load/run.mjs [--clients 100] [--seconds 30] [--experiments 12]
//        [--runs 8] [--steps 2000] [--alone 20] [--phases points-nocache,points,columns] [--profile DIR]
// (--profile: each server process writes a V8 CPU profile into DIR.)
// Needs the test PostgreSQL (TUNELAB_TEST_PG_URL or postgres://postgres@127.0.0.1:5432). Writes
// bench/results/load.json and load.md. A benchmark, not a test: numbers vary by machine and load.
import { execFileSync, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { Agent, request as httpRequest } from "node:http";
import { createServer } from "node:net";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const S = join(root, "server/dist");
const { Database } = await import(join(S, "db/database.js"));
const { createThrowawayDatabase } = await import(join(S, "testing/pg.js"));
const { createApiKeyForTest, registerRunnerForTest } = await import(join(S, "testing/auth.js"));
const { createRunFixtures } = await import(join(S, "testing/runs.js"));

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const CLIENTS = arg("clients", 100);
const SECONDS = arg("seconds", 30);
const EXPERIMENTS = arg("experiments", 12);
const RUNS = arg("runs", 8);
const STEPS = arg("steps", 2000);
const ALONE = arg("alone", 20);
/** How often the stand-in runner reports a step of every key for each live run, in ms (0: never). */
const WRITE_INTERVAL_MS = arg("write-interval", 1000);
const PROFILE_DIR = (() => {
  const i = process.argv.indexOf("--profile");
  return i >= 0 ? process.argv[i + 1] : undefined;
})();
/** Experiments whose runs are still RUNNING (never cached): the rest are finished. */
const LIVE_EXPERIMENTS = 2;
const KEYS = [
  "train_loss",
  "eval_loss",
  "learning_rate",
  "grad_norm",
  "tokens_per_second",
  "live_tensor_bytes",
];

/** What the profiles said: written by hand from \`--profile\` runs of this script (2026-12-01, load ~17–21). */
const WHERE_THE_TIME_GOES = `## Where the time goes

- **The machine.** Its 2 vCPUs give about one core of throughput: two busy loops side by side take 1.95× as
  long as one alone (28.9 s against 14.9 s). Server, PostgreSQL, the stand-in runner and the 100 clients share
  it, so whatever the clients spend is taken from the server: with the answer cache the clients use more CPU
  than the server does, and req/s there measures the two together.
- **Points → columns.** As point objects a comparison page's \`metrics\` (16 series × 1,000 points) cost the
  server ~65–115 ms of CPU (graphql-js resolving three fields on each of 16,000 objects, the garbage they make,
  a 1.08 MB answer); as columns (\`steps values wallTimesMs\`, typed arrays in the finished-series cache) it is
  0.6 MB and ~20 ms, what is left being proportional to the bytes (\`JSON.stringify\`, the copy into a Buffer,
  socket writes).
- **Columns, answers computed every time.** The experiments list and compare then cost ~6–14 ms of server CPU
  each (SQL round trips, TypeORM hydrating \`Run\` entities, graphql-js over ~100 runs' fields) and the metrics
  reads ~6–20 ms; at ~9 ms a request one core serves ~100 req/s, so 100 clients wait ~1 s and the p99 is
  seconds.
- **Answers cached.** A kept answer is sent as the bytes Apollo sent the first time: the credential resolved
  from memory (reused for 5 s while no mutation happened), the body's key looked up, the Buffer written — no SQL,
  no graphql-js, no stringify: ~0.5 ms of server CPU a request here, the socket writes of the 0.2–0.6 MB answers
  being most of it. Finished experiments never go stale (nothing writes them); the live runs' answers go stale
  each time the runner reports and are recomputed in the background, one at a time, while the kept one is
  served: requests never wait for a recomputation, and the price is the live lag in the table (a live chart a
  few seconds behind its run's points; the dashboard's live view streams new points through the
  \`metricsAppended\` subscription on top). A mutation makes every kept answer stale before it returns
  (read your writes), and the first request after it computes the answer while concurrent ones wait for it.`;

/** The server's default TUNELAB_METRICS_CACHE_POINTS (server/src/config.ts): the phases with the cache use it. */
const DEFAULT_CACHE_POINTS = 5_000_000;
/** The server's default TUNELAB_ANSWER_CACHE_BYTES (server/src/config.ts). */
const DEFAULT_ANSWER_CACHE_BYTES = 64 * 1024 * 1024;
/**
 * The phases, each its own server process on the same data, in this order (`--phases a,b` picks some):
 * the metrics read as point objects without and with the finished-series cache, then as columns.
 */
const PHASE_SPECS = {
  "points-nocache": { name: "points, cache off", cachePoints: 0, answerBytes: 0, form: "points" },
  points: { name: "points, cache on", cachePoints: DEFAULT_CACHE_POINTS, answerBytes: 0, form: "points" },
  columns: { name: "columns, cache on", cachePoints: DEFAULT_CACHE_POINTS, answerBytes: 0, form: "columns" },
  answers: {
    name: "columns, answers cached",
    cachePoints: DEFAULT_CACHE_POINTS,
    answerBytes: DEFAULT_ANSWER_CACHE_BYTES,
    form: "columns",
  },
};
const PHASES = (() => {
  const i = process.argv.indexOf("--phases");
  const names = i >= 0 ? process.argv[i + 1].split(",") : Object.keys(PHASE_SPECS);
  return names.map(
    (n) =>
      PHASE_SPECS[n] ??
      (() => {
        throw new Error(`unknown phase ${n}`);
      })(),
  );
})();

const OPERATIONS = {
  experiments: `query Experiments { experiments(first: 100) { totalCount edges { node { id name description
    createdAt dataset { id name } baseModel { id name }
    statusCounts { queued assigned running succeeded failed cancelled total } runs { id name method status } } } } }`,
  compare: `query Compare($experimentId: ID) { compare(experimentId: $experimentId) { runId experimentId name
    method methodConfig sweepValues status steps trainableParams totalParams trainablePercent predictedMemory
    predictedTotalBytes measuredPeakBytes peakOverPredicted finalTrainLoss bestTrainLoss finalEvalLoss
    bestEvalLoss tokensPerSecond startedAt durationMs forgettingDelta samples { prompt output step } } }`,
  // The dashboard's read before and after the columnar form: the same series either way.
  metricsPoints: `query Metrics($runIds: [ID!]!, $keys: [String!], $maxPoints: Int!) {
    metrics(runIds: $runIds, keys: $keys, maxPoints: $maxPoints) { runId key totalPoints points { step value wallTimeMs } } }`,
  metricsColumns: `query Metrics($runIds: [ID!]!, $keys: [String!], $maxPoints: Int!) {
    metrics(runIds: $runIds, keys: $keys, maxPoints: $maxPoints) { runId key totalPoints steps values wallTimesMs } }`,
};

/** Experiments with RUNS runs each, every run with every key at every step (values like a loss curve). */
async function seed(db) {
  const fixtures = await createRunFixtures(db);
  return db.write(async (m) => {
    const experiments = [];
    for (let e = 0; e < EXPERIMENTS; e++) {
      const live = e < LIVE_EXPERIMENTS;
      const [{ id }] = await m.query(
        `INSERT INTO experiment (name, dataset_id, base_model_id, hyperparameters)
         VALUES ($1, $2, $3, '{"steps": ${STEPS}, "learningRate": 0.0002}') RETURNING id`,
        [`load ${e}`, fixtures.datasetId, fixtures.baseModelId],
      );
      const runs = await m.query(
        `INSERT INTO run (experiment_id, name, base_model_id, dataset_id, method, method_config, hyperparameters,
                          status, max_attempts, attempt_count, trainable_params, total_params,
                          predicted_total_bytes, predicted, started_at, finished_at)
         SELECT $1, 'r' || n || ' lora', $2, $3, 'lora', '{"method":"lora","r":8}', '{"steps": ${STEPS}}',
                $4, 3, 1, 1000 * n, 1000000, 1e9, '{"memory":{"total":1e9}}', now() - interval '1 hour',
                CASE WHEN $4 = 'RUNNING' THEN NULL ELSE now() END
           FROM generate_series(1, $5::int) AS n RETURNING id`,
        [id, fixtures.baseModelId, fixtures.datasetId, live ? "RUNNING" : "SUCCEEDED", RUNS],
      );
      experiments.push({ id, live, runIds: runs.map((r) => r.id) });
    }
    await m.query(
      `INSERT INTO metric_point (run_id, key, step, value, wall_time, attempt)
       SELECT r.id, k, s, 2.5 * exp(-s / 600.0) + 0.3 + 0.05 * random(),
              now() - interval '1 hour' + s * interval '1 second', 1
         FROM run r, unnest($1::text[]) AS k, generate_series(0, $2::int - 1) AS s
        WHERE r.experiment_id IS NOT NULL`,
      [KEYS, STEPS],
    );
    return experiments;
  });
}

/**
 * A runner holding a RUNNING job on every live run (lease for hours: nothing heartbeats), so the writer can
 * report through the real reportMetrics as a runner does. Returns the secret and the jobs.
 */
async function liveJobs(db, experiments) {
  const liveRunIds = experiments.filter((e) => e.live).flatMap((e) => e.runIds);
  const { runnerId, secret } = await registerRunnerForTest(db, { name: "load writer", maxJobs: 64 });
  const jobs = await db.write((m) =>
    m.query(
      `INSERT INTO job (run_id, attempt, runner_id, status, lease_expires_at, started_at)
       SELECT id, 1, $1, 'RUNNING', now() + interval '6 hours', now() FROM unnest($2::uuid[]) AS id
       RETURNING id, run_id AS "runId"`,
      [runnerId, liveRunIds],
    ),
  );
  return { secret, jobs };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

/** CPU time the process has used (user + system), in ms (clock ticks of 10 ms). */
const cpuMs = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
};

const rssBytes = (pid) =>
  Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]) * 1024;

async function startServerProcess(url, cachePoints, answerBytes, profileName) {
  const port = await freePort();
  const profile = PROFILE_DIR
    ? ["--cpu-prof", `--cpu-prof-dir=${PROFILE_DIR}`, `--cpu-prof-name=${profileName}.cpuprofile`]
    : [];
  const child = spawn(process.execPath, [...profile, join(S, "main.js")], {
    env: {
      ...process.env,
      PORT: String(port),
      DATABASE_URL: url,
      LOG_LEVEL: "warn",
      TUNELAB_METRICS_CACHE_POINTS: String(cachePoints),
      TUNELAB_ANSWER_CACHE_BYTES: String(answerBytes),
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise((resolve, reject) => {
    child.on("exit", (code) => reject(new Error(`server exited ${code}`)));
    child.stdout.on("data", (d) => d.toString().includes("Tunelab is running") && resolve());
  });
  return { child, url: `http://127.0.0.1:${port}/graphql` };
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

/** The clients' sockets: one kept-alive connection per client, as a browser tab keeps one. */
const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });

async function phase({ name, cachePoints, answerBytes, form }, dbUrl, key, experiments, writer) {
  const server = await startServerProcess(dbUrl, cachePoints, answerBytes, name.replace(/\W+/g, "-"));
  const finished = experiments.slice(LIVE_EXPERIMENTS);
  const pick = (list) => list[Math.floor(Math.random() * list.length)];
  /** Resolves to the answer's size in bytes. */
  let answers = 0;
  /**
   * Resolves to the answer's size in bytes. The clients share the server's 2 cores, so they spend as little
   * CPU as a load generator can (node:http on kept-alive sockets, no fetch): every answer must be a 200 that
   * starts with `{"data":` (Apollo puts errors first), and one in fifty is parsed whole and checked to have
   * data and no errors; the others' bytes are counted, not kept.
   */
  const request = (query, variables, onParsed) =>
    new Promise((resolve, reject) => {
      const body = JSON.stringify({ query, variables });
      const req = httpRequest(
        server.url,
        {
          method: "POST",
          agent,
          headers: {
            "content-type": "application/json",
            "content-length": Buffer.byteLength(body),
            authorization: `Bearer ${key}`,
          },
        },
        (res) => {
          const whole = res.statusCode !== 200 || answers++ % 50 === 0 || onParsed !== undefined;
          const chunks = [];
          let head = "";
          let length = 0;
          res.on("data", (c) => {
            if (head.length < 8) head += c.subarray(0, 8).toString("latin1");
            length += c.length;
            if (whole) chunks.push(c);
          });
          res.on("error", reject);
          res.on("end", () => {
            const clean = res.statusCode === 200 && head.startsWith('{"data":');
            if (clean && !whole) return resolve(length);
            const text = Buffer.concat(chunks).toString("utf8");
            const parsed = clean ? JSON.parse(text) : undefined;
            if (!clean || !parsed.data || parsed.errors) {
              return reject(new Error(`${res.statusCode}: ${text.slice(0, 300)}`));
            }
            onParsed?.(parsed.data);
            resolve(length);
          });
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  const metricsQuery = form === "columns" ? OPERATIONS.metricsColumns : OPERATIONS.metricsPoints;
  // Mostly finished experiments, as a history of experiments is; a live one every fifth pick.
  const experiment = () =>
    Math.random() < 0.2 ? pick(experiments.slice(0, LIVE_EXPERIMENTS)) : pick(finished);
  /** [name, (experiment, runIndex) => request]: what each dashboard page asks for. */
  const ops = [
    ["experiments", () => request(OPERATIONS.experiments, {})],
    ["compare", (e) => request(OPERATIONS.compare, { experimentId: e.id })],
    [
      "metrics (comparison page)",
      (e) => request(metricsQuery, { runIds: e.runIds, keys: ["train_loss", "eval_loss"], maxPoints: 1000 }),
    ],
    [
      "metrics (run page)",
      (e, r) => {
        const variables = { runIds: [e.runIds[r % e.runIds.length]], keys: null, maxPoints: 1000 };
        // One live run page in ten: how many of the writer's acknowledged steps the answer does not have yet.
        const measure = e.live && measuring && Math.random() < 0.1;
        const written = writer.lastStep;
        return request(
          metricsQuery,
          variables,
          measure
            ? (data) => {
                const last = Math.max(
                  ...data.metrics.map((m) => (m.steps ?? m.points.map((p) => p.step)).at(-1) ?? 0),
                );
                liveLag.push(Math.max(0, written - last));
              }
            : undefined,
        );
      },
    ],
  ];
  /** Steps a live run page's answer was behind the points already acknowledged to the writer. */
  const liveLag = [];
  let measuring = false;
  // Warm-up (JIT, pool, and the cache for finished runs: each experiment's pages, every run's page).
  await ops[0][1]();
  for (const e of experiments) {
    await ops[1][1](e);
    await ops[2][1](e);
    for (let r = 0; r < RUNS; r++) await ops[3][1](e, r);
  }
  // Each operation alone, one request at a time (ALONE times on finished experiments, then on live ones):
  // its wall time and the server's CPU time per request, without the queueing of the load below.
  const alone = [];
  for (const [, op] of ops) {
    const of = {};
    for (const [which, list] of [
      ["finished", finished],
      ["live", experiments.slice(0, LIVE_EXPERIMENTS)],
    ]) {
      const times = [];
      let bytes = 0;
      const cpu0 = cpuMs(server.child.pid);
      for (let i = 0; i < ALONE; i++) {
        const t = performance.now();
        bytes = Math.max(bytes, await op(list[i % list.length], i));
        times.push(performance.now() - t);
      }
      times.sort((x, y) => x - y);
      of[which] = {
        medianMs: times[Math.floor(times.length / 2)],
        serverCpuMs: (cpuMs(server.child.pid) - cpu0) / ALONE,
        bytes,
      };
    }
    alone.push(of);
  }
  // The stand-in runner: every WRITE_INTERVAL_MS, the next step of every key for each live run, through
  // reportMetrics with the runner's secret, as a training run reports (each call is one run's batch).
  let writes = 0;
  let writeErrors = 0;
  let writing = true;
  const writeLoop = (async () => {
    while (writing && WRITE_INTERVAL_MS > 0) {
      const step = writer.nextStep++;
      await Promise.all(
        writer.jobs.map(async (job) => {
          try {
            const res = await fetch(server.url, {
              method: "POST",
              headers: { "content-type": "application/json", authorization: `Bearer ${writer.secret}` },
              body: JSON.stringify({
                query: `mutation Report($jobId: ID!, $points: [MetricPointInput!]!) {
                  reportMetrics(jobId: $jobId, points: $points) { accepted } }`,
                variables: {
                  jobId: job.id,
                  points: KEYS.map((k) => ({ key: k, step, value: 0.3 + Math.random() * 0.01 })),
                },
              }),
            });
            const body = await res.json();
            if (body.errors) throw new Error(JSON.stringify(body.errors).slice(0, 300));
            writes++;
          } catch (error) {
            writeErrors++;
            writer.firstError ??= String(error.message);
          }
        }),
      );
      writer.lastStep = step;
      await new Promise((r) => setTimeout(r, WRITE_INTERVAL_MS));
    }
  })();
  const rssBefore = rssBytes(server.child.pid);
  const loadStart = loadavg()[0];
  const clientCpuStart = process.cpuUsage();
  const samples = ops.map(() => []);
  let errors = 0;
  let firstError;
  const end = performance.now() + SECONDS * 1000;
  const client = async (c) => {
    for (let i = c; performance.now() < end; i++) {
      const o = i % ops.length;
      const t = performance.now();
      try {
        await ops[o][1](experiment(), Math.floor(Math.random() * RUNS));
        samples[o].push(performance.now() - t);
      } catch (error) {
        errors++;
        firstError ??= String(error.message);
      }
    }
  };
  const t0 = performance.now();
  const cpuStart = cpuMs(server.child.pid);
  measuring = true;
  await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));
  const elapsed = (performance.now() - t0) / 1000;
  const clientCpu = process.cpuUsage(clientCpuStart);
  writing = false;
  await writeLoop;
  const rssAfter = rssBytes(server.child.pid);
  const serverCpuMs = cpuMs(server.child.pid) - cpuStart;
  // What the answer cache did over the whole phase (warm-up and the requests alone included), from /metrics.
  const exposition = await (await fetch(server.url.replace(/\/graphql$/, "/metrics"))).text();
  const answerCache = Object.fromEntries(
    ["hit", "miss", "bypass", "refresh"].map((r) => [
      r,
      Number(
        new RegExp(`^tunelab_graphql_answer_cache_total\\{result="${r}"\\} (\\S+)$`, "m").exec(
          exposition,
        )?.[1] ?? 0,
      ),
    ]),
  );
  const loadEnd = loadavg()[0];
  server.child.kill("SIGTERM");
  await new Promise((r) => server.child.once("exit", r));
  const stats = (list) => {
    const sorted = list.slice().sort((a, b) => a - b);
    return { count: sorted.length, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99) };
  };
  const all = samples.flat();
  return {
    name,
    cachePoints,
    form,
    seconds: elapsed,
    requests: all.length,
    requestsPerSecond: all.length / elapsed,
    ...stats(all),
    errors,
    firstError,
    rssBeforeBytes: rssBefore,
    rssAfterBytes: rssAfter,
    loadAverage: { start: loadStart, end: loadEnd },
    serverCpuMsPerRequest: serverCpuMs / all.length,
    serverCpuShare: serverCpuMs / 1000 / elapsed,
    clientCpuShare: (clientCpu.user + clientCpu.system) / 1e6 / elapsed,
    writes,
    writeErrors,
    answerCache,
    liveLagSteps: (({ count, p50Ms, p99Ms }) => ({ count, p50: p50Ms, p99: p99Ms }))(stats(liveLag)),
    operations: Object.fromEntries(ops.map(([n], i) => [n, { ...stats(samples[i]), alone: alone[i] }])),
  };
}

const pgdb = await createThrowawayDatabase("tunelab_bench");
try {
  const t = performance.now();
  const db = await Database.open({ driver: "pg", url: pgdb.url });
  const experiments = await seed(db);
  const key = await createApiKeyForTest(db, "read", "load bench");
  const writer = {
    ...(await liveJobs(db, experiments)),
    nextStep: STEPS,
    lastStep: STEPS - 1,
    firstError: undefined,
  };
  await db.close();
  const seedMs = performance.now() - t;
  const points = EXPERIMENTS * RUNS * KEYS.length * STEPS;
  console.log(
    `seeded ${EXPERIMENTS} experiments × ${RUNS} runs, ${points.toLocaleString("en-US")} points in ${Math.round(seedMs)} ms`,
  );
  const cacheMemory = JSON.parse(
    execFileSync(process.execPath, ["--expose-gc", join(root, "bench/load/cache-memory.mjs"), "1000000"], {
      encoding: "utf8",
    }),
  );
  const phases = [];
  for (const spec of PHASES) {
    phases.push(await phase(spec, pgdb.url, key, experiments, writer));
    console.log(spec.name, JSON.stringify(phases.at(-1)));
  }

  const report = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, loadAverage: loadavg() },
    clients: CLIENTS,
    secondsPerPhase: SECONDS,
    data: {
      experiments: EXPERIMENTS,
      liveExperiments: LIVE_EXPERIMENTS,
      runsPerExperiment: RUNS,
      keys: KEYS.length,
      steps: STEPS,
      points,
    },
    phases,
    cacheMemory,
    issueBaseline: { requestsPerSecond: 43.5, p50Ms: 2100, p99Ms: 4900, target: "p99 < 500 ms" },
  };
  const f = (x) => Math.round(x).toLocaleString("en-US");
  const mib = (b) => `${f(b / 2 ** 20)} MiB`;
  const kb = (b) => `${f(b / 1000)} kB`;
  const opNames = Object.keys(phases[0].operations);
  const first = phases[0];
  const last = phases.at(-1);
  const memory = report.cacheMemory;
  const md = `# Read-load benchmark (bench/load/run.mjs)

${report.date} · ${report.machine.cpus} CPUs (${report.machine.model}) · Node ${report.machine.node} · PostgreSQL and the load generator on the same machine as the server · load average ${report.machine.loadAverage.map((l) => l.toFixed(1)).join(" ")} at the end (machine shared with other work; each phase's own below)

${CLIENTS} concurrent clients for ${SECONDS} s per phase, each looping over: the experiments list, an experiment's \`compare\`, the comparison page's \`metrics\` (its ${RUNS} runs × train/eval loss, maxPoints 1000) and a run page's \`metrics\` (every key, maxPoints 1000); 80% of the picks are finished experiments. Data: ${EXPERIMENTS} experiments × ${RUNS} runs (${LIVE_EXPERIMENTS} experiments still RUNNING), ${KEYS.length} keys × ${f(STEPS)} steps a run, ${f(points)} points. Each phase is its own server process (\`node server/dist/main.js\`) on the same database, one after the other in this run: the metrics read as point objects (\`points { step value wallTimeMs }\`, what the dashboard asked before) without and with the finished-series cache, then as columns (\`steps values wallTimesMs\`, what it asks now), the last with the answer cache on (\`TUNELAB_ANSWER_CACHE_BYTES\`, server/src/app/answer-cache; off in the others). Every phase runs today's server (series from SQL as JSON arrays, no ETag); only the form of the read and the caches differ. During every phase a stand-in runner reports the next step of every key for each of the ${LIVE_EXPERIMENTS * RUNS} live runs every ${WRITE_INTERVAL_MS} ms through the real \`reportMetrics\` (writes ok / failed below), so live answers go stale as they would while training. The clients (one process, node:http on kept-alive sockets) check every answer's status and that it starts with \`{"data":\`, parse one in fifty whole, and parse one live run page in ten to measure how far it is behind the writer.

| phase | requests | req/s | p50 | p99 | errors | writes ok / failed | server RSS before → after | server's share of a core | clients' share | load average (1 min) at start → end |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${phases.map((p) => `| ${p.name} | ${f(p.requests)} | ${p.requestsPerSecond.toFixed(1)} | ${f(p.p50Ms)} ms | ${f(p.p99Ms)} ms | ${p.errors} | ${p.writes} / ${p.writeErrors} | ${mib(p.rssBeforeBytes)} → ${mib(p.rssAfterBytes)} | ${(100 * p.serverCpuShare).toFixed(0)}% | ${(100 * p.clientCpuShare).toFixed(0)}% | ${p.loadAverage.start.toFixed(1)} → ${p.loadAverage.end.toFixed(1)} |`).join("\n")}

The answer cache over each phase (warm-up and the requests alone included; from the server's \`/metrics\`), and how many steps a live run page's answer was behind the points already acknowledged to the writer (p50 / p99; a step a second):

| phase | hits | misses | recomputed in the background | live run page behind by |
| --- | ---: | ---: | ---: | ---: |
${phases.map((p) => `| ${p.name} | ${f(p.answerCache.hit)} | ${f(p.answerCache.miss)} | ${f(p.answerCache.refresh)} | ${p.liveLagSteps.p50 ?? 0} / ${p.liveLagSteps.p99 ?? 0} steps (${p.liveLagSteps.count} answers) |`).join("\n")}

Per operation under load (p50 / p99):

| operation | ${phases.map((p) => p.name).join(" | ")} |
| --- | ${phases.map(() => "---:").join(" | ")} |
${opNames.map((o) => `| ${o} | ${phases.map((p) => `${f(p.operations[o].p50Ms)} / ${f(p.operations[o].p99Ms)} ms`).join(" | ")} |`).join("\n")}

Each operation alone, one request at a time before the load (${ALONE} on finished experiments, whose series the cache holds after the warm-up, then ${ALONE} on running ones): the server's CPU time per request (from /proc, 10 ms ticks: the figure that the machine's load distorts least), the median wall time and the answer's size:

| operation | ${phases.map((p) => `${p.name}: finished | running`).join(" | ")} |
| --- | ${phases.map(() => "---: | ---:").join(" | ")} |
${opNames
  .map(
    (o) =>
      `| ${o} | ${phases
        .map((p) =>
          ["finished", "live"]
            .map((w) => {
              const a = p.operations[o].alone[w];
              return `${a.serverCpuMs.toFixed(1)} ms CPU, ${a.medianMs.toFixed(0)} ms, ${kb(a.bytes)}`;
            })
            .join(" | "),
        )
        .join(" | ")} |`,
  )
  .join("\n")}

Under the load, the server's CPU per request: ${phases.map((p) => `${p.name} ${p.serverCpuMsPerRequest.toFixed(1)} ms (the server had ${(100 * p.serverCpuShare).toFixed(0)}% of a core)`).join("; ")}.

**${last.name} against ${first.name}: p99 × ${(last.p99Ms / first.p99Ms).toFixed(2)}, p50 × ${(last.p50Ms / first.p50Ms).toFixed(2)}, req/s × ${(last.requestsPerSecond / first.requestsPerSecond).toFixed(2)}.** The issue's baseline (another machine and data): 43.5 req/s, p50 2.1 s, p99 4.9 s; target p99 < 500 ms${last.p99Ms < 500 ? " — met here" : ` — not met here (${f(last.p99Ms)} ms)`}.${phases.length > 2 ? ` ${last.name} against ${phases.at(-2).name}, the same clients and writer: p99 × ${(last.p99Ms / phases.at(-2).p99Ms).toFixed(2)}, p50 × ${(last.p50Ms / phases.at(-2).p50Ms).toFixed(2)}, req/s × ${(last.requestsPerSecond / phases.at(-2).requestsPerSecond).toFixed(1)}.` : ""}

The finished-series cache's memory (bench/load/cache-memory.mjs: ${f(memory.cachedPoints)} points in series of 1,000, the heap and array buffers it adds after a full GC): as point objects ${mib(memory.points.bytes)} (${memory.points.bytesPerPoint.toFixed(0)} bytes a point), as columns ${mib(memory.columns.bytes)} (${memory.columns.bytesPerPoint.toFixed(0)} bytes a point); the default is now ${f(DEFAULT_CACHE_POINTS)} points (~${mib(DEFAULT_CACHE_POINTS * memory.columns.bytesPerPoint)}).

${WHERE_THE_TIME_GOES}
`;
  writeFileSync(join(root, "bench/results/load.json"), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(root, "bench/results/load.md"), md);
  console.log(md);
} finally {
  agent.destroy();
  await pgdb.drop();
}
