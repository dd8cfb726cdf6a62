#!/usr/bin/env node
// `npm start`: builds what changed, then the server on the embedded PGlite with the dashboard on one URL,
// one local runner registered automatically, and the demo comparison (full vs LoRA, QLoRA, prefix-tuning,
// adapters) seeded and queued. A second start reuses the data folder: the key, the runner's registration,
// the datasets, the base model and the finished demo. Output: scripts/lib/output.mjs (a terminal gets
// friendly lines, anything else JSON lines). SIGINT or SIGTERM to this process stops everything it started.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { fineTuneSet, generalSet, pretrainCorpus, SAMPLE_PROMPTS, toJsonl } from "./demo/data.mjs";
import { ensureProfileExperiment, profileFinished } from "./demo/profile.mjs";
import { enginesOf, nodeVersionProblem } from "./lib/node-version.mjs";
import { createOutput } from "./lib/output.mjs";

const HELP = `Usage: npm start [-- options]

Builds what changed, then starts Tunelab locally: the GraphQL server and dashboard on an embedded
PostgreSQL (PGlite), one local runner, and a demo experiment comparing full fine-tuning, LoRA, QLoRA,
prefix-tuning and adapters.

Options:
  --port <n>        port of the server and dashboard (default: 4000, or PORT)
  --data-dir <dir>  data folder (default: .tunelab, or TUNELAB_DATA_DIR)
  --no-demo         do not seed or queue the demo experiment
  --no-runner       do not start the local runner
  -h, --help        show this help

On a terminal it prints friendly lines; otherwise one JSON object per line.
Ctrl-C (SIGINT) stops the runner (it checkpoints its job) and then the server.`;

const DEMO_EXPERIMENT = "Demo: full fine-tuning vs PEFT";
const DEMO_BASE = "demo-base (tunelab-nano, pretrained here)";

const root = resolve(import.meta.dirname, "..");
const out = createOutput();
const nodeProblem = nodeVersionProblem(process.versions.node, enginesOf(root));
if (nodeProblem) {
  out.error(nodeProblem);
  process.exit(1);
}
const { values: args } = parseArgs({
  options: {
    port: { type: "string", default: process.env.PORT ?? "4000" },
    "data-dir": { type: "string", default: process.env.TUNELAB_DATA_DIR ?? ".tunelab" },
    "no-demo": { type: "boolean", default: false },
    "no-runner": { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (args.help) {
  console.log(HELP);
  process.exit(0);
}
const dataDir = resolve(root, args["data-dir"]);
const children = [];

/**
 * A child whose output goes through `out` under `name` (or is kept in `captured` when given). A `group`
 * child leads a process group of its own and is stopped with everything it started (npm → sh → next).
 */
function run(name, command, argv, { captured, group = false } = {}) {
  const child = spawn(command, argv, { cwd: root, stdio: ["ignore", "pipe", "pipe"], detached: group });
  child.group = group;
  children.push(child);
  for (const stream of [child.stdout, child.stderr]) {
    if (captured) stream.on("data", (d) => captured.push(d));
    else out.follow(name, stream);
  }
  return child;
}

function exited(child) {
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

/** `npm run build`: tsc -b, the native addon, the IDE bundle, the dashboard (skipped when unchanged). */
async function build() {
  const started = Date.now();
  out.info("building (TypeScript, native addon, GraphQL IDE, dashboard)…");
  const captured = out.tty ? [] : undefined; // on a terminal the build's output is shown only if it fails
  const code = await exited(run("build", "npm", ["run", "--silent", "build"], { captured, group: true }));
  if (code !== 0) {
    if (captured) process.stdout.write(Buffer.concat(captured));
    throw new Error(`the build failed (exit code ${code})`);
  }
  const skipped = captured && Buffer.concat(captured).toString().includes("build skipped");
  out.info(
    `built in ${((Date.now() - started) / 1000).toFixed(1)} s${skipped ? " (dashboard unchanged)" : ""}`,
  );
}

async function waitFor(what, check, timeoutMs = 120_000) {
  const start = Date.now();
  for (;;) {
    try {
      const result = await check();
      if (result) return result;
    } catch {
      // not yet
    }
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

function client(url, key) {
  const gql = async (query, variables = {}) => {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = await response.json();
    if (body.errors?.length) {
      const e = body.errors[0];
      throw new Error(`${e.message}${e.extensions?.field ? ` (field ${e.extensions.field})` : ""}`);
    }
    return body.data;
  };
  /** POST /uploads: a file goes there (a GraphQL body is held to 256 KiB) and a mutation names its id. */
  gql.upload = async (content) => {
    const response = await fetch(new URL("/uploads", url), {
      method: "POST",
      headers: { "content-type": "application/octet-stream", authorization: `Bearer ${key}` },
      body: content,
    });
    const body = await response.json();
    if (response.status !== 201) throw new Error(`upload refused: ${body.error?.message ?? response.status}`);
    return body.id;
  };
  return gql;
}

async function ensureDataset(gql, name, rows, evalFraction) {
  const data = await gql(
    `mutation($input: CreateDatasetInput!) { createDataset(input: $input) { id name rowCount } }`,
    {
      input: {
        name,
        format: "JSONL",
        contentUploadId: await gql.upload(toJsonl(rows)),
        evalFraction,
        splitSeed: 1,
      },
    },
  );
  return data.createDataset;
}

async function findByName(gql, listField, name, fields = "id name") {
  const data = await gql(`{ ${listField}(first: 100) { edges { node { ${fields} } } } }`);
  return data[listField].edges.map((e) => e.node).find((n) => n.name === name);
}

async function ensureBaseModel(gql, corpus) {
  const existing = await findByName(gql, "baseModels", DEMO_BASE, "id name status");
  if (existing && existing.status !== "FAILED") return existing;
  const data = await gql(
    `mutation($input: PretrainBaseModelInput!) { pretrainBaseModel(input: $input) { id name status } }`,
    {
      input: {
        name: DEMO_BASE,
        preset: "tunelab-nano",
        datasetId: corpus.id,
        steps: 300,
        learningRate: 3e-3,
        batchSize: 8,
        seqLen: 64,
        seed: 7,
      },
    },
  );
  return data.pretrainBaseModel;
}

async function ensureExperiment(gql, dataset, general, base) {
  const existing = await findByName(gql, "experiments", DEMO_EXPERIMENT);
  if (existing) return existing;
  const lora = { r: 8, lora_alpha: 16, target_modules: ["q_proj", "v_proj"] };
  const data = await gql(
    `mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { id name } }`,
    {
      input: {
        name: DEMO_EXPERIMENT,
        datasetId: dataset.id,
        baseModelId: base.id,
        hyperparameters: {
          steps: 150,
          learningRate: 3e-3,
          batchSize: 4,
          seqLen: 64,
          seed: 1,
          evalEvery: 25,
          warmupSteps: 10,
          gradientAccumulation: 1,
          checkpointEvery: 50,
          samplePrompts: SAMPLE_PROMPTS,
          generalDatasetId: general.id,
        },
        variants: [
          { name: "full", method: { method: "full" } },
          { name: "lora r=8", method: { method: "lora", ...lora } },
          { name: "qlora r=8", method: { method: "qlora", ...lora } },
          { name: "prefix 10 tokens", method: { method: "prefix", num_virtual_tokens: 10 } },
          {
            name: "adapter (Pfeiffer, rf 4)",
            method: { method: "adapter", reduction_factor: 4, placement: "pfeiffer" },
          },
        ],
      },
    },
  );
  return data.createExperiment;
}

async function registerLocalRunner(gql, serverUrl) {
  const config = join(dataDir, "runner.json");
  if (existsSync(config)) return config;
  const data = await gql(
    `mutation($input: CreateRegistrationTokenInput!) { createRegistrationToken(input: $input) { token } }`,
    { input: { description: "local runner started by npm start", expiresInSeconds: 600, singleUse: true } },
  );
  const captured = [];
  const child = run(
    "runner",
    process.execPath,
    [
      "runner/dist/cli/main.js",
      "register",
      "--server",
      serverUrl,
      "--token",
      data.createRegistrationToken.token,
      "--name",
      "local",
      "--config",
      config,
    ],
    { captured },
  );
  // its "start it with" hint is for people registering by hand: here npm start starts the runner itself
  const code = await exited(child);
  if (code !== 0) throw new Error(`runner register exited with ${code}: ${Buffer.concat(captured)}`);
  out.info(`registered the local runner (config in ${config})`);
  return config;
}

async function progress(gql, experimentId, dashboard) {
  const data = await gql(`query($id: ID!) { experiment(id: $id) { runs { name status } } }`, {
    id: experimentId,
  });
  const runs = data.experiment.runs;
  const done = runs.filter((r) => ["SUCCEEDED", "FAILED", "CANCELLED"].includes(r.status)).length;
  const running = runs.filter((r) => r.status === "RUNNING").map((r) => r.name);
  const line = `demo: ${done}/${runs.length} runs finished${running.length ? `, training ${running.join(", ")}` : ""} — ${dashboard}`;
  out.progress(line, { finished: done, runs: runs.length });
  return { done: done === runs.length, line };
}

async function main() {
  await build();
  const server = run("server", process.execPath, [
    "server/dist/main.js",
    "--port",
    args.port,
    "--data-dir",
    dataDir,
  ]);
  server.on("exit", (code) => {
    if (!stopping) {
      out.error(`the server exited with ${code}`);
      process.exit(code ?? 1);
    }
  });
  const origin = `http://127.0.0.1:${args.port}`;
  await waitFor("the server", async () => (await fetch(`${origin}/readyz`)).ok);
  const keyFile = join(dataDir, "admin-key");
  const key = await waitFor("the admin key", () => readFileSync(keyFile, "utf8").trim(), 10_000);
  const gql = client(`${origin}/graphql`, key);
  out.info(`Tunelab is up: dashboard ${origin}/  GraphQL ${origin}/graphql  (admin key in ${keyFile})`, {
    url: `${origin}/`,
    adminKeyFile: keyFile,
    pid: server.pid,
  });

  if (!args["no-runner"]) {
    const config = await registerLocalRunner(gql, `${origin}/graphql`);
    // Its own progress lines would fight with ours: warnings only; the dashboard shows the training.
    const runner = run("runner", process.execPath, [
      "runner/dist/cli/main.js",
      "start",
      "--config",
      config,
      "--work-dir",
      join(dataDir, "runner"),
      "--log-level",
      "warn",
    ]);
    out.info("the local runner is starting (Ctrl-C stops it, then the server)", { pid: runner.pid });
  }
  if (args["no-demo"]) return;

  const corpus = await ensureDataset(gql, "demo pretraining corpus", pretrainCorpus(), 0.05);
  const dataset = await ensureDataset(gql, "demo toy translations and summaries", fineTuneSet(), 0.2);
  const general = await ensureDataset(gql, "demo general text (forgetting)", generalSet(), 0);
  let base = await ensureBaseModel(gql, corpus);
  if (base.status !== "READY") {
    out.info("demo: pretraining the base model (tunelab-nano on the generated corpus)…");
    base = await waitFor(
      "the pretrained base model",
      async () => {
        const found = await findByName(gql, "baseModels", DEMO_BASE, "id name status");
        if (found?.status === "FAILED") throw new Error("pretraining failed: see the run in the dashboard");
        return found?.status === "READY" ? found : undefined;
      },
      15 * 60_000,
    );
  }
  const experiment = await ensureExperiment(gql, dataset, general, base);
  const dashboard = `${origin}/compare?experiment=${experiment.id}`;
  out.info(`demo: comparing 5 methods — open ${dashboard}`, { url: dashboard });
  const profile = await ensureProfileExperiment(gql, findByName);
  out.info(`demo: what they cost at SmolLM-135M scale — ${origin}/compare?experiment=${profile.id}`, {
    url: `${origin}/compare?experiment=${profile.id}`,
  });
  for (;;) {
    const { done, line } = await progress(gql, experiment.id, dashboard);
    if (done && (await profileFinished(gql, profile.id))) {
      out.endProgress();
      out.info(line.replace("runs finished", "runs finished ✔"));
      out.info(`The comparison is ready: ${dashboard}   (Ctrl-C stops Tunelab)`, { url: dashboard });
      return;
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
}

let stopping = false;
async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  out.endProgress();
  out.info("stopping: runner first, then the server…");
  for (const child of children.reverse()) {
    if (child.exitCode === null && child.signalCode === null) {
      const gone = exited(child);
      if (child.group) process.kill(-child.pid, "SIGTERM");
      else child.kill("SIGTERM");
      await gone;
    }
  }
  out.info("stopped");
  process.exit(code);
}
process.on("SIGINT", () => stop(0));
process.on("SIGTERM", () => stop(0));

main().catch((error) => {
  out.error(`npm start failed: ${error.message}`);
  stop(1);
});
