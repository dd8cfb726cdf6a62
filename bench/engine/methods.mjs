// Per-method training benchmark of the engine's PEFT methods (issue 5): ms/step, tokens/s, measured
// peak tensor bytes vs core's estimateMemory, trainable parameters — one reference model and data.
// Usage: npx tsc -b runner && node bench/engine/methods.mjs [--backend wasm|cpu] [--steps 6] [--rounds 10]
//        node bench/engine/methods.mjs --hidden 512 --rounds 3 --compare-only   (QLoRA vs LoRA only)
// Writes bench/results/engine-methods.json and .md. A benchmark, not a test: numbers vary by machine.
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const tf = require("@tensorflow/tfjs");
const core = require("@tunelab/core");
const { useCpu, useWasm } = require(join(root, "runner/dist/engine/backend.js"));
const { createMethod } = require(join(root, "runner/dist/engine/methods/registry.js"));
const { dropReplaced, lmLoss, randomBase } = require(
  join(root, "runner/dist/engine/methods/peft-test-model.js"),
);

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const backend = arg("backend", "wasm");
const steps = Number(arg("steps", 6));

// Reference model: a 2-layer Llama, d 128 (--hidden), 4 heads (2 KV heads), SwiGLU 3·d, byte vocabulary 256.
// Parameters at d 128: 2·256·128 (embed + head) + 2·(128·128·2 + 128·64·2 + 3·128·384) + norms = 493,952.
const hidden = Number(arg("hidden", 128));
const MODEL = core.parseModelConfig({
  model_type: "llama",
  vocab_size: 256,
  hidden_size: hidden,
  intermediate_size: 3 * hidden,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  max_position_embeddings: 256,
});
const BATCH = 8;
const SEQ = 64; // 512 tokens per step
const TEXT =
  "Translate 'cat' to French -> chat. Translate 'dog' to French -> chien. Summarize: Artificial Intelligence is transforming industries. -> AI changes industries. ";
const ids = Array.from({ length: BATCH }, (_, b) =>
  Array.from({ length: SEQ }, (_, t) => TEXT.charCodeAt((b * 17 + t) % TEXT.length)),
);

const QV = { r: 8, lora_alpha: 16, target_modules: ["q_proj", "v_proj"] };
const RUNS = [
  { label: "lora r8 q,v", json: { method: "lora", ...QV } },
  { label: "lora r8 q,v + checkpointing", json: { method: "lora", ...QV }, checkpoint: true },
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
  { label: "prompt n16", json: { method: "prompt", num_virtual_tokens: 16 } },
];

function setup(r) {
  const base = randomBase(MODEL, 1);
  const config = core.parseMethodConfig(r.json, MODEL);
  const method = createMethod(base, r.json, { seed: 42 });
  dropReplaced(base, method);
  const vars = [...method.trainable.values()];
  const optimizer = tf.train.adam(1e-3);
  const loss = () =>
    lmLoss(base, method.hooks, ids, {
      checkpointLayers: !!r.checkpoint,
      layerVariables: method.layerVariables,
    });
  const step = () => tf.tidy(() => optimizer.minimize(loss, true, vars).dataSync()[0]);
  step(); // warm-up: kernels, optimizer slots
  const dispose = () => {
    optimizer.dispose();
    method.dispose();
    tf.dispose([...base.weights.values()]);
  };
  return { config, vars, step, dispose };
}

async function run(r) {
  const { config, vars, step, dispose } = setup(r);
  const times = [];
  let last = 0;
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    last = step();
    times.push(performance.now() - t0);
  }
  const profile = await tf.profile(() => {
    step();
  });
  times.sort((a, b) => a - b);
  const ms = times[Math.floor(times.length / 2)];
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
    peakBytes: profile.peakBytes,
    predictedBytes: predicted.total,
    peakOverPredicted: Math.round((profile.peakBytes / predicted.total) * 100) / 100,
    trainable: vars.reduce((n, v) => n + v.size, 0),
    trainableCore: core.countParameters(MODEL, config).trainable,
    loss: Math.round(last * 1e4) / 1e4,
  };
  dispose();
  return out;
}

/** QLoRA vs LoRA with their steps interleaved, so load from other processes hits both alike. */
function interleaved(a, b, rounds) {
  const [x, y] = [setup(a), setup(b)];
  const [tx, ty] = [[], []];
  for (let i = 0; i < rounds; i++) {
    for (const [s, t] of [
      [x, tx],
      [y, ty],
    ]) {
      const t0 = performance.now();
      s.step();
      t.push(performance.now() - t0);
    }
  }
  x.dispose();
  y.dispose();
  const median = (t) => t.sort((p, q) => p - q)[Math.floor(t.length / 2)];
  return { a: a.label, b: b.label, msA: median(tx), msB: median(ty), ratio: median(ty) / median(tx) };
}

await (backend === "cpu" ? useCpu() : useWasm());
// --compare-only: just the interleaved QLoRA vs LoRA timing (e.g. with --hidden 512), printed.
if (process.argv.includes("--compare-only")) {
  console.log(JSON.stringify({ hidden, ...interleaved(RUNS[0], RUNS[2], Number(arg("rounds", 10))) }));
  process.exit(0);
}
const rows = [];
for (const r of RUNS) {
  rows.push(await run(r));
  console.log(JSON.stringify(rows.at(-1)));
}
const qloraVsLora = interleaved(RUNS[0], RUNS[2], Number(arg("rounds", 10)));
console.log(JSON.stringify(qloraVsLora));
const result = {
  backend,
  qloraVsLora,
  model: "llama 2 layers, d 128, 4 heads / 2 KV heads, I 384, vocab 256 (493,952 params)",
  batch: BATCH,
  seqLen: SEQ,
  stepsTimed: steps,
  date: new Date().toISOString(),
  rows,
};
const resultsDir = join(root, "bench", "results");
writeFileSync(join(resultsDir, "engine-methods.json"), `${JSON.stringify(result, null, 2)}\n`);
const md = [
  `# Engine methods benchmark (${backend})`,
  "",
  `${result.model}; batch ${BATCH} × ${SEQ} tokens; median of ${steps} steps after one warm-up; AdamW; float32.`,
  "Peak: tf.profile peakBytes over one step. Predicted: core estimateMemory total for the same run.",
  "",
  `QLoRA vs LoRA, steps interleaved (${arg("rounds", 10)} rounds): ${qloraVsLora.msA.toFixed(1)} ms (LoRA) vs ${qloraVsLora.msB.toFixed(1)} ms (QLoRA), ratio ${qloraVsLora.ratio.toFixed(2)}.`,
  "",
  "| method | ms/step | tokens/s | peak MB | predicted MB | peak/pred | trainable | core count |",
  "|---|---|---|---|---|---|---|---|",
  ...rows.map(
    (r) =>
      `| ${r.method} | ${r.msPerStep} | ${r.tokensPerSec} | ${(r.peakBytes / 1e6).toFixed(2)} | ${(r.predictedBytes / 1e6).toFixed(2)} | ${r.peakOverPredicted} | ${r.trainable.toLocaleString("en-US")} | ${r.trainableCore.toLocaleString("en-US")} |`,
  ),
  "",
];
writeFileSync(join(resultsDir, "engine-methods.md"), md.join("\n"));
