#!/usr/bin/env node
// `npm start`: the server on the embedded PGlite with the dashboard on one URL, one local runner registered
// automatically, and the demo comparison (full vs LoRA, QLoRA, prefix-tuning, adapters) seeded and queued.
// A second start reuses the data folder: the key, the runner's registration, the datasets, the base model
// and the finished demo.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { fineTuneSet, generalSet, pretrainCorpus, SAMPLE_PROMPTS, toJsonl } from "./demo/data.mjs";
import { ensureProfileExperiment, profileFinished } from "./demo/profile.mjs";

const HELP = `Usage: npm start [-- options]

Starts Tunelab locally: the GraphQL server and dashboard on an embedded PostgreSQL (PGlite), one local
runner, and a demo experiment comparing full fine-tuning, LoRA, QLoRA, prefix-tuning and adapters.

Options:
  --port <n>        port of the server and dashboard (default: 4000, or PORT)
  --data-dir <dir>  data folder (default: .tunelab, or TUNELAB_DATA_DIR)
  --no-demo         do not seed or queue the demo experiment
  --no-runner       do not start the local runner
  -h, --help        show this help

Ctrl-C stops the runner (it checkpoints its job) and then the server.`;

const DEMO_EXPERIMENT = "Demo: full fine-tuning vs PEFT";
const DEMO_BASE = "demo-base (tunelab-nano, pretrained here)";

const root = resolve(import.meta.dirname, "..");
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

function log(message) {
  process.stdout.write(`\r\x1b[K${message}\n`);
}

function run(command, argv, options = {}) {
  const child = spawn(command, argv, { cwd: root, stdio: ["ignore", "inherit", "inherit"], ...options });
  children.push(child);
  return child;
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
  return async (query, variables = {}) => {
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
}

async function ensureDataset(gql, name, rows, evalFraction) {
  const data = await gql(
    `mutation($input: CreateDatasetInput!) { createDataset(input: $input) { id name rowCount } }`,
    { input: { name, format: "JSONL", content: toJsonl(rows), evalFraction, splitSeed: 1 } },
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
  await new Promise((ok, fail) => {
    const child = run(process.execPath, [
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
    ]);
    child.on("exit", (code) => (code === 0 ? ok() : fail(new Error(`runner register exited with ${code}`))));
  });
  return config;
}

let lastLine = "";
async function progress(gql, experimentId, dashboard) {
  const data = await gql(`query($id: ID!) { experiment(id: $id) { runs { name status } } }`, {
    id: experimentId,
  });
  const runs = data.experiment.runs;
  const done = runs.filter((r) => ["SUCCEEDED", "FAILED", "CANCELLED"].includes(r.status)).length;
  const running = runs.filter((r) => r.status === "RUNNING").map((r) => r.name);
  const line = `demo: ${done}/${runs.length} runs finished${running.length ? `, training ${running.join(", ")}` : ""} — ${dashboard}`;
  if (process.stdout.isTTY) process.stdout.write(`\r\x1b[K${line}`);
  else if (line !== lastLine) console.log(line);
  lastLine = line;
  return { done: done === runs.length, line };
}

async function main() {
  const server = run(process.execPath, ["server/dist/main.js", "--port", args.port, "--data-dir", dataDir]);
  server.on("exit", (code) => {
    if (!stopping) {
      log(`server exited with ${code}`);
      process.exit(code ?? 1);
    }
  });
  const origin = `http://127.0.0.1:${args.port}`;
  await waitFor("the server", async () => (await fetch(`${origin}/readyz`)).ok);
  const keyFile = join(dataDir, "admin-key");
  const key = await waitFor("the admin key", () => readFileSync(keyFile, "utf8").trim(), 10_000);
  const gql = client(`${origin}/graphql`, key);
  log(`Tunelab is up: dashboard ${origin}/  GraphQL ${origin}/graphql  (admin key in ${keyFile})`);

  if (!args["no-runner"]) {
    const config = await registerLocalRunner(gql, `${origin}/graphql`);
    // Its own progress lines would fight with ours: warnings only; the dashboard shows the training.
    run(process.execPath, [
      "runner/dist/cli/main.js",
      "start",
      "--config",
      config,
      "--work-dir",
      join(dataDir, "runner"),
      "--log-level",
      "warn",
    ]);
  }
  if (args["no-demo"]) return;

  const corpus = await ensureDataset(gql, "demo pretraining corpus", pretrainCorpus(), 0.05);
  const dataset = await ensureDataset(gql, "demo toy translations and summaries", fineTuneSet(), 0.2);
  const general = await ensureDataset(gql, "demo general text (forgetting)", generalSet(), 0);
  let base = await ensureBaseModel(gql, corpus);
  if (base.status !== "READY") {
    log("demo: pretraining the base model (tunelab-nano on the generated corpus)…");
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
  log(`demo: comparing 5 methods — open ${dashboard}`);
  const profile = await ensureProfileExperiment(gql, findByName, dataset);
  log(`demo: what they cost at SmolLM-135M scale — ${origin}/compare?experiment=${profile.id}`);
  for (;;) {
    const { done, line } = await progress(gql, experiment.id, dashboard);
    if (done && (await profileFinished(gql, profile.id))) {
      log(line.replace("runs finished", "runs finished ✔"));
      log(`The comparison is ready: ${dashboard}   (Ctrl-C stops Tunelab)`);
      return;
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
}

let stopping = false;
async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  log("stopping: runner first, then the server…");
  for (const child of children.reverse()) {
    if (child.exitCode === null) {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    }
  }
  process.exit(code);
}
process.on("SIGINT", () => stop(0));
process.on("SIGTERM", () => stop(0));

main().catch((error) => {
  log(`npm start failed: ${error.message}`);
  stop(1);
});
