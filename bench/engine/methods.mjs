// Per-method benchmark of the engine, and the calibration of core's memory model: every method (full,
// LoRA, QLoRA, DoRA, QDoRA = QLoRA with use_dora, IA3, adapter, prefix, prompt; PEFT's defaults) trains two steps through the engine's
// own loop (trainLoop: AdamW, clipping, the methods' hooks) on tunelab-tiny, tunelab-small and
// SmolLM-135M (presets, random init), batch 4 × 128, float32 and (not full) bfloat16; tunelab-small also
// at batch 1 × 128 and with gradient checkpointing. Each row: the loop's measured peak (memory-meter.ts:
// the most bytes of distinct tensor buffers alive at once) beside core's estimateMemory total for the
// same run, their ratio and where core puts the peak; ms per step (the second); trainable parameters
// beside core's countParameters. Each configuration runs in its own process (independent heaps).
// Usage: npx tsc -b runner core && node bench/engine/methods.mjs [--backend native|wasm|cpu]
//        node bench/engine/methods.mjs --only tunelab   (models whose name contains it; printed, not written)
//        node bench/engine/methods.mjs --compare-only [--model tunelab-small] [--rounds 8]   (QLoRA vs LoRA speed)
//        node bench/engine/methods.mjs --report   (engine-methods.md again from engine-methods.json)
//        node bench/engine/methods.mjs --method qdora --merge   (re-measure some rows into the results)
// Writes bench/results/engine-methods.json and .md. Numbers vary by machine; the ratios should not.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const E = join(root, "runner/dist/engine");

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const BACKEND = arg("backend", undefined);
const METHODS = ["full", "lora", "qlora", "dora", "qdora", "ia3", "prefix", "prompt", "adapter"];
/** Rows whose method is not a method name: QDoRA is PEFT's LoraConfig(use_dora=True) over an NF4 base. */
const METHOD_JSON = { qdora: { method: "qlora", use_dora: true } };
const MODELS = ["tunelab-tiny", "tunelab-small", "SmolLM-135M"];

/** The runs: (model, method, batch, seq, dtype, checkpointing). */
function configurations() {
  const out = [];
  for (const model of MODELS) {
    for (const dtype of ["float32", "bfloat16"]) {
      for (const method of METHODS) {
        if (method === "full" && dtype !== "float32") continue; // the engine refuses 16-bit full
        out.push({ model, method, batch: 4, seq: 128, dtype, checkpointing: false });
      }
    }
    if (model !== "tunelab-small") continue;
    for (const method of METHODS)
      out.push({ model, method, batch: 1, seq: 128, dtype: "float32", checkpointing: false });
    for (const method of METHODS)
      out.push({ model, method, batch: 4, seq: 128, dtype: "float32", checkpointing: true });
  }
  const only = arg("only", "");
  const method = arg("method", "");
  return out.filter((c) => c.model.includes(only) && (method === "" || c.method === method));
}

/** One configuration, in this process: two steps, the measured peak and core's prediction. */
async function one(c) {
  const tf = require("@tensorflow/tfjs");
  const core = require("@tunelab/core");
  const { initBackend } = require(join(E, "backend.js"));
  const { initModel } = require(join(E, "model.js"));
  const { createMethod } = require(join(E, "methods/registry.js"));
  const { TRAIN_DEFAULTS, trainLoop } = require(join(E, "train.js"));
  const choice = await initBackend(BACKEND);
  const config = core.resolveModel(c.model);
  const json = METHOD_JSON[c.method] ?? { method: c.method };
  const model = initModel(config, 1);
  const method = createMethod(model, json, { seed: 1, dtype: c.dtype });
  for (const name of method.replacedWeights) {
    model.weights.get(name).dispose();
    model.weights.delete(name);
  }
  const V = config.vocab_size;
  const train = Array.from({ length: c.batch }, (_, b) => {
    const ids = Array.from({ length: c.seq }, (_, t) => (b * 7919 + t * 104_729) % V);
    return { ids, labels: ids };
  });
  const load = loadavg()[0];
  const r = await trainLoop({
    model,
    method,
    train,
    eval: [],
    options: {
      ...TRAIN_DEFAULTS,
      steps: 2,
      batchSize: c.batch,
      lr: 1e-3,
      pad: 0,
      gradientCheckpointing: c.checkpointing,
    },
  });
  const kernels = choice.source.includes("native") ? "native" : "tfjs";
  const predicted = core.estimateMemory(config, json, {
    batchSize: c.batch,
    seqLen: c.seq,
    optimizer: "adamw",
    dtype: c.dtype,
    gradientCheckpointing: c.checkpointing,
    kernels,
  });
  const row = {
    ...c,
    backend: choice.source,
    kernels,
    measuredPeakBytes: r.measuredPeakBytes,
    stepPeaks: r.history.map((h) => h.peakTensorBytes),
    predictedBytes: predicted.total,
    ratio: Math.round((r.measuredPeakBytes / predicted.total) * 1000) / 1000,
    peakAt: predicted.activationDetail.peakAt,
    msPerStep: Math.round(r.history[1].msPerStep),
    trainable: [...method.trainable.values()].reduce((n, v) => n + v.size, 0),
    trainableCore: predicted.parameters.trainable,
    loadAverage1m: Math.round(load * 100) / 100,
  };
  tf.dispose([...r.state.optimizer.m.values(), ...r.state.optimizer.v.values()]);
  method.dispose();
  tf.dispose([...model.weights.values()]);
  return row;
}

/** QLoRA vs LoRA (r 8, q,v), one engine step each in turn, so load from other processes hits both alike. */
async function interleaved(preset, rounds) {
  const tf = require("@tensorflow/tfjs");
  const core = require("@tunelab/core");
  const { initBackend } = require(join(E, "backend.js"));
  const { initModel } = require(join(E, "model.js"));
  const { createMethod } = require(join(E, "methods/registry.js"));
  const { TRAIN_DEFAULTS, trainLoop } = require(join(E, "train.js"));
  await initBackend(BACKEND);
  const config = core.resolveModel(preset);
  const qv = { r: 8, lora_alpha: 16, target_modules: ["q_proj", "v_proj"] };
  const train = Array.from({ length: 8 }, (_, b) => {
    const ids = Array.from({ length: 64 }, (_, t) => (b * 17 + t) % config.vocab_size);
    return { ids, labels: ids };
  });
  const runs = ["lora", "qlora"].map((name) => {
    const model = initModel(config, 1);
    const method = createMethod(model, { method: name, ...qv }, { seed: 1 });
    for (const w of method.replacedWeights) {
      model.weights.get(w).dispose();
      model.weights.delete(w);
    }
    return { name, model, method, state: undefined, times: [] };
  });
  for (let i = 0; i < rounds + 1; i++) {
    for (const x of runs) {
      const loop = await trainLoop({
        model: x.model,
        method: x.method,
        train,
        eval: [],
        options: { ...TRAIN_DEFAULTS, steps: i + 1, batchSize: 8, lr: 1e-3, pad: 0 }, // one step per call
        resume: x.state ? { step: i, optimizer: x.state.optimizer } : undefined,
      });
      x.state = loop.state;
      if (i > 0) x.times.push(loop.history[0].msPerStep);
    }
  }
  for (const x of runs) {
    tf.dispose([...x.state.optimizer.m.values(), ...x.state.optimizer.v.values()]);
    x.method.dispose();
    tf.dispose([...x.model.weights.values()]);
  }
  const median = (t) => t.sort((p, q) => p - q)[Math.floor(t.length / 2)];
  const [lora, qlora] = runs.map((x) => median(x.times));
  return { model: preset, loraMs: lora, qloraMs: qlora, ratio: qlora / lora };
}

const MiB = (b) => (b / 2 ** 20).toFixed(2);

async function main() {
  if (process.argv.includes("--one")) {
    console.log(JSON.stringify(await one(JSON.parse(arg("one")))));
    return;
  }
  if (process.argv.includes("--report")) {
    report(require(join(root, "bench", "results", "engine-methods.json")));
    return;
  }
  if (process.argv.includes("--compare-only")) {
    console.log(JSON.stringify(await interleaved(arg("model", "tunelab-tiny"), Number(arg("rounds", 8)))));
    return;
  }
  const before = loadavg()[0];
  const rows = [];
  for (const c of configurations()) {
    const args = [
      fileURLToPath(import.meta.url),
      "--one",
      JSON.stringify(c),
      ...(BACKEND ? ["--backend", BACKEND] : []),
    ];
    const out = execFileSync(process.execPath, args, { encoding: "utf8", maxBuffer: 1 << 24 });
    rows.push(JSON.parse(out.trim().split("\n").at(-1)));
    const r = rows.at(-1);
    console.error(
      `${r.model} ${r.method} ${r.dtype} ${r.batch}×${r.seq}${r.checkpointing ? " ckpt" : ""}: measured ${MiB(r.measuredPeakBytes)} MiB, predicted ${MiB(r.predictedBytes)} MiB, ratio ${r.ratio} (${r.msPerStep} ms/step, load ${r.loadAverage1m})`,
    );
  }
  const result = {
    date: new Date().toISOString(),
    backend: rows[0]?.backend,
    loadAverage1m: { before, after: loadavg()[0] },
    largestDeviation: Math.max(...rows.map((r) => Math.abs(r.measuredPeakBytes / r.predictedBytes - 1))),
    rows,
  };
  const dir = join(root, "bench", "results");
  if (process.argv.includes("--merge")) {
    // a subset (--method, --only) re-measured into the committed results, each row replacing its own
    const key = (r) => [r.model, r.method, r.dtype, r.batch, r.seq, r.checkpointing].join();
    const old = require(join(dir, "engine-methods.json"));
    const fresh = new Map(rows.map((r) => [key(r), r]));
    const merged = old.rows.map((r) => fresh.get(key(r)) ?? r);
    for (const r of rows) if (!old.rows.some((o) => key(o) === key(r))) merged.push(r);
    const order = (r) => [
      MODELS.indexOf(r.model),
      r.checkpointing,
      -r.batch,
      r.dtype === "float32" ? 0 : 1,
      METHODS.indexOf(r.method),
    ];
    merged.sort((a, b) => {
      const [x, y] = [order(a), order(b)];
      for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
      return 0;
    });
    result.rows = merged;
    result.date = `${old.date}; ${rows.length} rows re-measured ${result.date}`;
    result.largestDeviation = Math.max(
      ...merged.map((r) => Math.abs(r.measuredPeakBytes / r.predictedBytes - 1)),
    );
  } else if (arg("only", "") !== "" || arg("method", "") !== "") {
    console.log(JSON.stringify(result, null, 2)); // a subset: the committed results stay as they are
    return;
  }
  writeFileSync(join(dir, "engine-methods.json"), `${JSON.stringify(result, null, 2)}\n`);
  report(result);
}

/** engine-methods.md from a result (also `--report`: again from engine-methods.json). */
function report(result) {
  const { rows, loadAverage1m: load } = result;
  const md = [
    `# Engine methods: measured peak memory vs core's prediction (${result.backend}, ${result.date})`,
    "",
    "Every method with PEFT's defaults (LoRA/QLoRA/DoRA/QDoRA r 8 on q_proj, v_proj; QDoRA is QLoRA with use_dora; IA3 k, v, down; adapter Pfeiffer rf 16; prefix and prompt 20 virtual tokens), two steps of the engine's trainLoop (AdamW, clipping) from a preset with random init. Measured: trainLoop's measuredPeakBytes (memory-meter.ts: most bytes of distinct tensor buffers alive at once, both steps). Predicted: core's estimateMemory total for the same run (kernels " +
      `"${rows[0]?.kernels}"), and where core puts the peak. ms/step: the second step. Each row in its own process.`,
    `Machine: 2 cores shared with other work; 1-minute load average ${load.before.toFixed(2)} before, ${load.after.toFixed(2)} after (per row in the JSON). Largest |measured/predicted − 1|: ${(result.largestDeviation * 100).toFixed(3)}%.`,
    "",
    "| model | method | dtype | batch × seq | ckpt | measured MiB | predicted MiB | measured/predicted | peak (core) | ms/step | trainable (= core) |",
    "|---|---|---|---|---|---|---|---|---|---|---|",
    ...rows.map(
      (r) =>
        `| ${r.model} | ${r.method} | ${r.dtype} | ${r.batch} × ${r.seq} | ${r.checkpointing ? "yes" : ""} | ${MiB(r.measuredPeakBytes)} | ${MiB(r.predictedBytes)} | ${(r.measuredPeakBytes / r.predictedBytes).toFixed(4)} | ${r.peakAt} | ${r.msPerStep} | ${r.trainable.toLocaleString("en-US")}${r.trainable === r.trainableCore ? "" : ` (core ${r.trainableCore.toLocaleString("en-US")})`} |`,
    ),
    "",
  ];
  writeFileSync(join(root, "bench", "results", "engine-methods.md"), md.join("\n"));
  console.log(md.join("\n"));
}

await main();
