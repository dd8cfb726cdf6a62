import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { parseModelConfig, ValidationError } from "@tunelab/core";
import { useCpu } from "../backend.js";
import { tokenize } from "../data.js";
import { initModel, type Model, modelFromTensors, weightShapes } from "../model.js";
import type { PeftMethod } from "../peft-hooks.js";
import { type HalfFormat, halfBits, halfTable } from "../quant/half.js";
import { runTraining } from "../run-training.js";
import { TOY } from "../test-kit.js";
import { byteTokenizer } from "../tokenizer.js";
import { TRAIN_DEFAULTS, trainLoop } from "../train.js";
import { dropReplaced, logitsOf, randomBase } from "./peft-test-model.js";
import { createMethod } from "./registry.js";

before(useCpu);

const LORA = { method: "lora", r: 4, lora_alpha: 8, target_modules: "all-linear" };
const BATCH = [
  [1, 5, 9, 2, 7, 3],
  [4, 4, 8, 1, 6, 2],
];
const bytesOf = (ts: Iterable<tf.Tensor>) => [...ts].reduce((n, t) => n + t.size * 4, 0);
const free = (model: Model, method: PeftMethod) => {
  method.dispose();
  tf.dispose([...model.weights.values()]);
};

/** A copy of `model` whose matrices hold their values rounded to `format` (the reference of 16-bit storage). */
function roundedCopy(model: Model, format: HalfFormat | null): Model {
  const table = format ? halfTable(format) : null;
  const tensors = new Map<string, tf.Tensor>();
  for (const [name, w] of model.weights) {
    const values = Float32Array.from(w.dataSync());
    if (table && w.rank === 2)
      for (let i = 0; i < values.length; i++) values[i] = table[halfBits(values[i]!, format!)]!;
    tensors.set(name, tf.tensor(values, w.shape));
  }
  return modelFromTensors(model.config, tensors);
}

const maxAbs = (a: Float32Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const maxDiff = (a: Float32Array, b: Float32Array) =>
  a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

describe("16-bit storage of frozen weights (dtype bfloat16 / float16)", () => {
  for (const format of ["bfloat16", "float16"] as const) {
    it(`${format} halves the bytes of the frozen matrices it packs; trainable variables stay float32`, () => {
      const model = randomBase();
      const packedNames = [...model.weights].filter(([, w]) => w.rank === 2); // embeddings included
      const floatBytes = bytesOf(packedNames.map(([, w]) => w));
      const before = tf.memory().numBytes;
      const method = createMethod(model, LORA, { seed: 1, dtype: format });
      dropReplaced(model, method);
      assert.deepEqual(method.replacedWeights.sort(), packedNames.map(([n]) => n).sort());
      const packedBytes = method.replacedWeights.reduce((n, name) => {
        const stored = method.hooks.compactWeight!(name)!;
        return n + stored.tensors.reduce((k, t) => k + t.size * 4, 0);
      }, 0);
      assert.equal(packedBytes, floatBytes / 2);
      assert.ok([...method.trainable.values()].every((v) => v.dtype === "float32"));
      const trainableBytes = bytesOf(method.trainable.values());
      assert.equal(
        tf.memory().numBytes - before,
        trainableBytes - floatBytes / 2,
        "measured with tf.memory()",
      );
      free(model, method);
    });
  }

  const METHODS = [
    LORA,
    { method: "dora", r: 4, lora_alpha: 8, target_modules: ["q_proj", "v_proj"] },
    { method: "ia3" },
    { method: "adapter", placement: "houlsby", bottleneck_size: 6 },
    { method: "prefix", num_virtual_tokens: 3 },
    { method: "prompt", num_virtual_tokens: 3, prompt_tuning_init: "TEXT", prompt_tuning_init_text: "x" },
  ];
  for (const json of METHODS) {
    for (const format of ["bfloat16", "float16"] as const) {
      it(`${json.method}, ${format}: logits equal the float32 model's with pre-rounded weights, and the unrounded model's to ${format} precision`, () => {
        const base = randomBase();
        const opts = { seed: 3, initTextIds: [1, 2] };
        const logitsWith = (model: Model, dtype: HalfFormat | "float32") => {
          const method = createMethod(model, json, { ...opts, dtype });
          dropReplaced(model, method);
          const logits = logitsOf(model, method.hooks, BATCH);
          free(model, method);
          return logits;
        };
        const exact = logitsWith(roundedCopy(base, null), "float32");
        const rounded = logitsWith(roundedCopy(base, format), "float32");
        const stored = logitsWith(base, format);
        assert.ok(maxDiff(stored, rounded) <= 1e-5, `vs pre-rounded: ${maxDiff(stored, rounded)}`);
        const tolerance = (format === "bfloat16" ? 2 ** -8 : 2 ** -11) * 4 * maxAbs(exact);
        const error = maxDiff(stored, exact);
        assert.ok(error > 0 && error < tolerance, `vs float32: ${error} (tolerance ${tolerance})`);
      });
    }
  }
});

/** Wide and short: weights dominate the step's memory (6.0 M decoder-linear weights, 8 tokens). */
const WIDE = parseModelConfig({
  model_type: "llama",
  vocab_size: 259,
  hidden_size: 512,
  intermediate_size: 1536,
  num_hidden_layers: 2,
  num_attention_heads: 8,
  num_key_value_heads: 2,
  max_position_embeddings: 64,
  tie_word_embeddings: false,
});

async function stepPeak(json: Record<string, unknown>, dtype: HalfFormat | "float32" = "float32") {
  const model = initModel(WIDE, 1);
  const method = createMethod(model, json, { seed: 1, dtype });
  dropReplaced(model, method);
  const tok = byteTokenizer();
  const r = await trainLoop({
    model,
    method,
    train: [tokenize({ text: "Le chat." }, tok, 8)],
    eval: [],
    options: { ...TRAIN_DEFAULTS, steps: 1, batchSize: 1, pad: tok.pad },
  });
  tf.dispose([...r.state.optimizer.m.values(), ...r.state.optimizer.v.values()]);
  free(model, method);
  return r.measuredPeakBytes;
}

describe("QLoRA's memory", () => {
  it("one training step peaks below LoRA's on a weights-dominated model, and below the decoder linears' float32 bytes", async (t) => {
    const linears = [...weightShapes(WIDE)].filter(
      ([n, shape]) => n.includes(".layers.") && shape.length === 2,
    );
    const linearBytes = linears.reduce((n, [, [rows, cols]]) => n + rows! * cols! * 4, 0);
    const json = { r: 8, lora_alpha: 16, target_modules: "all-linear" };
    const lora = await stepPeak({ method: "lora", ...json });
    const loraBf16 = await stepPeak({ method: "lora", ...json }, "bfloat16");
    const qlora = await stepPeak({ method: "qlora", ...json });
    t.diagnostic(
      `peak bytes: lora ${lora}, lora bf16 ${loraBf16}, qlora ${qlora}; decoder linears ${linearBytes}`,
    );
    assert.ok(qlora < lora, `qlora ${qlora} < lora ${lora}`);
    assert.ok(loraBf16 < lora, `lora bf16 ${loraBf16} < lora ${lora}`);
    // Keeping each dequantised weight until the backward pass (as before the frozen-linear op) would
    // alone hold linearBytes, counted twice by tf.memory (the tape's clone of each copy is a tensor too).
    assert.ok(qlora < 0.75 * linearBytes, `qlora ${qlora} < the decoder linears' float32 ${linearBytes}`);
  });
});

describe("a run's dtype", () => {
  for (const method of ["lora", "qlora"]) {
    it(`runTraining trains ${method} with dtype bfloat16 (tunelab-nano, 2 steps) and leaks no tensor`, async () => {
      const before = tf.memory().numTensors;
      const r = await runTraining({
        base: "tunelab-nano",
        data: TOY,
        method: { method, r: 4, target_modules: "all-linear" },
        steps: 2,
        samplePrompts: ["Translate 'cat'"],
        options: { batchSize: 2, dtype: "bfloat16" },
      });
      assert.equal(r.steps, 2);
      assert.ok(Number.isFinite(r.finalTrainLoss));
      assert.ok((r.predicted.frozenByDtype.bfloat16 ?? 0) > 0, "predicted for the job's dtype");
      assert.equal(tf.memory().numTensors, before);
    });
  }

  for (const [method, dtype] of [
    ["full", "bfloat16"],
    ["lora", "int8"],
  ] as const) {
    it(`${method} with dtype ${dtype} is refused with a ValidationError naming dtype`, async () => {
      await assert.rejects(
        runTraining({
          base: "tunelab-nano",
          data: TOY,
          method: { method },
          steps: 1,
          options: { dtype: dtype as "bfloat16" },
        }),
        (e: unknown) => e instanceof ValidationError && e.field === "dtype" && e.message.includes(dtype),
      );
    });
  }
});
