// Per-method training benchmark of the engine (issues 4 and 5): one table for every method on the same
// reference model and data as bench/engine/run.mjs (tunelab-tiny, batch 8 × 64 tokens), trained by the
// engine's own loop (trainLoop: AdamW, clipping, the methods' hooks): ms/step, tokens/s, the loop's measured
// peak tensor bytes (tf.profile over the first step) beside core's estimateMemory, trainable parameters
// beside core's countParameters; with and without gradient checkpointing for full, LoRA and QLoRA.
// Usage: npx tsc -b runner && node bench/engine/methods.mjs [--backend wasm|cpu] [--steps 4] [--rounds 8]
//        node bench/engine/methods.mjs --model tunelab-small --rounds 3 --compare-only  (QLoRA vs LoRA only)
// Writes bench/results/engine-methods.json and .md. A benchmark, not a test: numbers vary by machine.
import { writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const tf = require("@tensorflow/tfjs");
const core = require("@tunelab/core");
const E = join(root, "runner/dist/engine");
const { initBackend } = require(join(E, "backend.js"));
const { initModel } = require(join(E, "model.js"));
const { createMethod } = require(join(E, "methods/registry.js"));
const { TRAIN_DEFAULTS, trainLoop } = require(join(E, "train.js"));
const { byteTokenizer } = require(join(E, "tokenizer.js"));

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const BACKEND = arg("backend", "wasm");
const PRESET = arg("model", "tunelab-tiny");
const STEPS = Number(arg("steps", 4));
const ROUNDS = Number(arg("rounds", 8));
const BATCH = 8;
const SEQ = 64;
const MODEL = core.resolveModel(PRESET);
// The data of run.mjs: 32 rows of 64 byte tokens cut from the seed's toy text, every token a label.
const TEXT =
  "Translate 'cat' to French -> chat. Translate 'dog' to French -> chien. Summarize: Artificial Intelligence is transforming industries. -> AI changes industries. ";
const SEQS = Array.from({ length: 32 }, (_, b) => {
  const ids = Array.from({ length: SEQ }, (_, t) => TEXT.charCodeAt((b * 17 + t) % TEXT.length));
  return { ids, labels: ids };
});

const QV = { r: 8, lora_alpha: 16, target_modules: ["q_proj", "v_proj"] };
const RUNS = [
  { label: "full", json: { method: "full" } },
  { label: "full + checkpointing", json: { method: "full" }, checkpoint: true },
  { label: "lora r8 q,v", json: { method: "lora", ...QV } },
  { label: "lora r8 q,v + checkpointing", json: { method: "lora", ...QV }, checkpoint: true },
  {
    label: "lora r8 all-linear",
    json: { method: "lora", r: 8, lora_alpha: 16, target_modules: "all-linear" },
  },
  { label: "qlora r8 q,v (NF4+DQ)", json: { method: "qlora", ...QV } },
  { label: "qlora r8 q,v + checkpointing", json: { method: "qlora", ...QV }, checkpoint: true },
  { label: "dora r8 q,v", json: { method: "dora", ...QV } },
  { label: "ia3 (k,v,down)", json: { method: "ia3" } },
  { label: "adapter pfeiffer rf16", json: { method: "adapter", placement: "pfeiffer" } },
  { label: "adapter houlsby rf16", json: { method: "adapter", placement: "houlsby" } },
  { label: "prefix n16", json: { method: "prefix", num_virtual_tokens: 16 } },
  {
    label: "prefix n16 projection",
    json: { method: "prefix", num_virtual_tokens: 16, prefix_projection: true },
  },
  {
    label: "prompt n16 (TEXT init)",
    json: {
      method: "prompt",
      num_virtual_tokens: 16,
      prompt_tuning_init: "TEXT",
      prompt_tuning_init_text: "Translate to French:",
    },
  },
];

const tok = byteTokenizer();
const options = (r, steps) => ({
  ...TRAIN_DEFAULTS,
  steps,
  batchSize: BATCH,
  lr: 1e-3,
  pad: tok.pad,
  gradientCheckpointing: !!r.checkpoint,
});

function setup(r) {
  const model = initModel(MODEL, 1);
  const method = createMethod(model, r.json, {
    seed: 1,
    initTextIds: [tok.bos, ...tok.encode(String(r.json.prompt_tuning_init_text ?? ""))],
  });
  for (const name of method.replacedWeights) {
    model.weights.get(name).dispose();
    model.weights.delete(name);
  }
  const dispose = (state) => {
    tf.dispose([...state.optimizer.m.values(), ...state.optimizer.v.values()]);
    method.dispose();
    tf.dispose([...model.weights.values()]);
  };
  return { model, method, dispose };
}

async function run(r) {
  const { model, method, dispose } = setup(r);
  const loop = await trainLoop({
    model,
    method,
    train: SEQS,
    eval: [],
    options: options(r, STEPS + 1),
    profileSteps: (s) => s === 0, // the first step: profiled (peak bytes, warm-up) and not timed
  });
  const times = loop.history.slice(1).map((m) => m.msPerStep);
  times.sort((a, b) => a - b);
  const ms = times[Math.floor(times.length / 2)];
  const config = method.config;
  const predicted = core.estimateMemory(MODEL, config, {
    batchSize: BATCH,
    seqLen: SEQ,
    optimizer: "adamw",
    dtype: "float32",
    gradientCheckpointing: !!r.checkpoint,
  });
  const out = {
    method: r.label,
    msPerStep: Math.round(ms * 10) / 10,
    tokensPerSec: Math.round((BATCH * SEQ * 1000) / ms),
    peakBytes: loop.measuredPeakBytes,
    predictedBytes: predicted.total,
    peakOverPredicted: Math.round((loop.measuredPeakBytes / predicted.total) * 100) / 100,
    trainable: [...method.trainable.values()].reduce((n, v) => n + v.size, 0),
    trainableCore: core.countParameters(MODEL, config).trainable,
    firstLoss: Math.round(loop.history[0].trainLoss * 1e4) / 1e4,
    lastLoss: Math.round(loop.history.at(-1).trainLoss * 1e4) / 1e4,
  };
  dispose(loop.state);
  return out;
}

/** QLoRA vs LoRA, one engine step each in turn, so load from other processes hits both alike. */
async function interleaved(a, b, rounds) {
  const runs = [setup(a), setup(b)].map((s, i) => ({ ...s, r: [a, b][i], state: undefined, times: [] }));
  for (let i = 0; i < rounds + 1; i++) {
    for (const x of runs) {
      const loop = await trainLoop({
        model: x.model,
        method: x.method,
        train: SEQS,
        eval: [],
        options: options(x.r, i + 1), // one step per call (the lr schedule's length differs: timing only)
        resume: x.state ? { step: i, optimizer: x.state.optimizer } : undefined,
        profileSteps: () => false,
      });
      x.state = loop.state;
      if (i > 0) x.times.push(loop.history[0].msPerStep);
      if (loop.history.length > 1) throw new Error("expected one step");
    }
  }
  for (const x of runs) x.dispose(x.state);
  const median = (t) => t.sort((p, q) => p - q)[Math.floor(t.length / 2)];
  const [msA, msB] = runs.map((x) => median(x.times));
  return { a: a.label, b: b.label, msA, msB, ratio: msB / msA };
}

const loadBefore = loadavg()[0];
const choice = await initBackend(BACKEND);
const lora = RUNS.find((r) => r.label === "lora r8 q,v");
const qlora = RUNS.find((r) => r.label === "qlora r8 q,v (NF4+DQ)");
if (process.argv.includes("--compare-only")) {
  console.log(JSON.stringify({ model: PRESET, ...(await interleaved(lora, qlora, ROUNDS)) }));
  process.exit(0);
}
const rows = [];
for (const r of RUNS) {
  rows.push(await run(r));
  console.error(JSON.stringify(rows.at(-1)));
}
const qloraVsLora = await interleaved(lora, qlora, ROUNDS);
console.error(JSON.stringify(qloraVsLora));
const parameters = core.countParameters(MODEL, { method: "full" }).total;
const model = `${PRESET} (${parameters.toLocaleString("en-US")} parameters, d ${MODEL.hidden_size}, ${MODEL.num_hidden_layers} layers, ${MODEL.num_attention_heads} heads / ${MODEL.num_key_value_heads} kv, I ${MODEL.intermediate_size}, vocab ${MODEL.vocab_size})`;
const result = {
  backend: choice.source,
  model,
  batch: BATCH,
  seqLen: SEQ,
  stepsTimed: STEPS,
  date: new Date().toISOString(),
  loadAverage1m: { before: loadBefore, after: loadavg()[0] },
  qloraVsLora,
  rows,
};
const resultsDir = join(root, "bench", "results");
writeFileSync(join(resultsDir, "engine-methods.json"), `${JSON.stringify(result, null, 2)}\n`);
const md = [
  `# Engine methods benchmark (${choice.source}, ${result.date})`,
  "",
  `Reference model: ${model}, the model of engine.md; batch ${BATCH} × ${SEQ} tokens = ${BATCH * SEQ} tokens/step of the seed's toy text; the engine's trainLoop (AdamW, clipping); float32; median of ${STEPS} steps after the first. Machine load (1-min average) ${loadBefore.toFixed(1)} before, ${result.loadAverage1m.after.toFixed(1)} after: other processes share the cores, so times are noisy; the interleaved ratio is the fair comparison.`,
  "Peak: the loop's tf.profile peakBytes over the first step. Predicted: core estimateMemory total for the same run. Trainable: the method's variables; core: countParameters.",
  "",
  `QLoRA vs LoRA (r 8, q,v), one step each in turn (${ROUNDS} rounds): ${qloraVsLora.msA.toFixed(1)} ms (LoRA) vs ${qloraVsLora.msB.toFixed(1)} ms (QLoRA), ratio ${qloraVsLora.ratio.toFixed(2)}.`,
  "",
  "| method | ms/step | tokens/s | peak MB | predicted MB | peak/pred | trainable | core count | loss first → last |",
  "|---|---|---|---|---|---|---|---|---|",
  ...rows.map(
    (r) =>
      `| ${r.method} | ${r.msPerStep} | ${r.tokensPerSec} | ${(r.peakBytes / 1e6).toFixed(2)} | ${(r.predictedBytes / 1e6).toFixed(2)} | ${r.peakOverPredicted} | ${r.trainable.toLocaleString("en-US")} | ${r.trainableCore.toLocaleString("en-US")} | ${r.firstLoss} → ${r.lastLoss} |`,
  ),
  "",
];
writeFileSync(join(resultsDir, "engine-methods.md"), md.join("\n"));
console.log(md.join("\n"));
