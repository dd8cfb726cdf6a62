// Engine benchmark (issue 4): ms/step and tokens/s for full fine-tuning and LoRA on the reference model
// on every tfjs backend that loads, as achieved FLOP/s beside a native float32 matmul rate (numpy/OpenBLAS)
// measured in the same run; measured peak tensor bytes beside core's estimateMemory per method.
// Usage: npx tsc -b runner && node bench/engine/run.mjs [--steps 4] [--cpu-steps 2] [--model tunelab-tiny]
// Writes bench/results/engine.json and engine.md. A benchmark, not a test: numbers vary by machine and load.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { stepFlops } from "./flops.mjs";

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const tf = require("@tensorflow/tfjs");
const core = require("@tunelab/core");
const E = join(root, "runner/dist/engine");
const { initBackend } = require(join(E, "backend.js"));
const { initModel } = require(join(E, "model.js"));
const { createMethod } = require(join(E, "methods/registry.js"));
const { TRAIN_DEFAULTS, trainLoop } = require(join(E, "train.js"));

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const PRESET = arg("model", "tunelab-tiny");
const STEPS = Number(arg("steps", 4));
const CPU_STEPS = Number(arg("cpu-steps", 2));
const BATCH = 8;
const SEQ = 64;
const MODEL = core.resolveModel(PRESET);
const METHODS = [{ method: "full" }, { method: "lora", r: 8, lora_alpha: 16 }];
const TEXT =
  "Translate 'cat' to French -> chat. Translate 'dog' to French -> chien. Summarize: Artificial Intelligence is transforming industries. -> AI changes industries. ";
const SEQS = Array.from({ length: 32 }, (_, b) => {
  const ids = Array.from({ length: SEQ }, (_, t) => TEXT.charCodeAt((b * 17 + t) % TEXT.length));
  return { ids, labels: ids };
});

function numpyGflops() {
  const script = `
import time, numpy as np
a = np.random.rand(1024, 1024).astype(np.float32); b = np.random.rand(1024, 1024).astype(np.float32)
a @ b
n = 20; t = time.perf_counter()
for _ in range(n): a @ b
print(2 * 1024**3 * n / (time.perf_counter() - t) / 1e9)`;
  const run = (threads) => {
    const env = { ...process.env, OPENBLAS_NUM_THREADS: String(threads) };
    delete env.OPENBLAS_CORETYPE;
    delete env.OPENBLAS_L2_SIZE;
    return Number(execFileSync("python3", ["-c", script], { env, encoding: "utf8" }).trim());
  };
  try {
    return { oneThread: run(1), allThreads: run(0) };
  } catch (err) {
    return { error: `numpy not available: ${String(err.message).split("\n")[0]}` };
  }
}

const numpy = numpyGflops();
const rows = [];
const backends = [];
for (const name of ["tensorflow-gpu", "tensorflow", "wasm", "cpu"]) {
  let choice;
  try {
    choice = await initBackend(name);
  } catch (err) {
    backends.push({ name, loaded: false, reason: String(err.message).split("\n")[0] });
    continue;
  }
  backends.push({ name, loaded: true, source: choice.source });
  const steps = name === "cpu" ? CPU_STEPS : STEPS;
  for (const json of METHODS) {
    const model = initModel(MODEL, 1);
    const method = createMethod(model, json, { seed: 1 });
    const r = await trainLoop({
      model,
      method,
      train: SEQS,
      eval: [],
      options: { ...TRAIN_DEFAULTS, steps: steps + 1, batchSize: BATCH, lr: 1e-3, pad: 258 },
    });
    const timed = r.history.slice(1);
    const ms = timed.reduce((a, m) => a + m.msPerStep, 0) / timed.length;
    const flops = stepFlops(MODEL, json.method, BATCH, SEQ);
    const gflops = flops / (ms / 1000) / 1e9;
    const counts = core.countParameters(MODEL, json);
    const predicted = core.estimateMemory(MODEL, json, {
      batchSize: BATCH,
      seqLen: SEQ,
      optimizer: "adamw",
      dtype: "float32",
      kernels: choice.source.includes("native") ? "native" : "tfjs",
    });
    rows.push({
      backend: name,
      method: json.method,
      trainable: counts.trainable,
      msPerStep: Math.round(ms * 10) / 10,
      tokensPerSecond: Math.round((BATCH * SEQ * 1000) / ms),
      achievedGflops: Math.round(gflops * 100) / 100,
      ratioToNumpy1Thread: numpy.oneThread ? Math.round((gflops / numpy.oneThread) * 1000) / 1000 : null,
      measuredPeakBytes: r.measuredPeakBytes,
      predictedBytes: predicted.total,
      peakOverPredicted: Math.round((r.measuredPeakBytes / predicted.total) * 100) / 100,
      finalLoss: r.history.at(-1).trainLoss,
    });
    console.error(JSON.stringify(rows.at(-1)));
    tf.dispose([...r.state.optimizer.m.values(), ...r.state.optimizer.v.values()]);
    method.dispose();
    tf.dispose([...model.weights.values()]);
  }
}

const reference = {
  preset: PRESET,
  parameters: core.countParameters(MODEL, { method: "full" }).total,
  batch: BATCH,
  seqLen: SEQ,
  tokensPerStep: BATCH * SEQ,
  config: MODEL,
};
const result = { date: new Date().toISOString(), reference, numpyMatmulGflops: numpy, backends, rows };
const out = join(root, "bench/results");
writeFileSync(join(out, "engine.json"), `${JSON.stringify(result, null, 2)}\n`);
const md = [
  `# Engine benchmark (${result.date})`,
  "",
  `Reference model: ${PRESET} (${reference.parameters.toLocaleString("en")} parameters, d ${MODEL.hidden_size}, ${MODEL.num_hidden_layers} layers, ${MODEL.num_attention_heads} heads / ${MODEL.num_key_value_heads} kv), batch ${BATCH} × seq ${SEQ} = ${BATCH * SEQ} tokens/step, AdamW, float32. LoRA: r 8, alpha 16, q_proj+v_proj.`,
  "",
  `numpy float32 1024² matmul: ${numpy.error ?? `${numpy.oneThread.toFixed(1)} GFLOP/s (1 thread), ${numpy.allThreads.toFixed(1)} GFLOP/s (all threads)`}`,
  "",
  `Backends: ${backends.map((b) => (b.loaded ? `${b.name} ✓` : `${b.name} ✗ (${b.reason})`)).join("; ")}`,
  "",
  "| backend | method | trainable | ms/step | tokens/s | GFLOP/s | ÷ numpy 1 thread | peak bytes | predicted | peak/pred |",
  "|---|---|---|---|---|---|---|---|---|---|",
  ...rows.map(
    (r) =>
      `| ${r.backend} | ${r.method} | ${r.trainable.toLocaleString("en")} | ${r.msPerStep} | ${r.tokensPerSecond} | ${r.achievedGflops} | ${r.ratioToNumpy1Thread ?? "–"} | ${r.measuredPeakBytes.toLocaleString("en")} | ${r.predictedBytes.toLocaleString("en")} | ${r.peakOverPredicted} |`,
  ),
  "",
  "Timed steps exclude the first (kernel warm-up). Peak bytes: the loop's measuredPeakBytes (memory-meter.ts, distinct tensor buffers, every step); predicted: core's estimateMemory for the same run. Matmul FLOPs counted: 2mnk per linear and attention product; backward = input gradients + weight gradients of trained weights only.",
  "",
].join("\n");
writeFileSync(join(out, "engine.md"), md);
console.log(md);
