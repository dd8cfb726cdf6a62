import assert from "node:assert/strict";
import { test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import {
  type Dtype,
  estimateMemory,
  MEMORY_PREDICTION_TOLERANCE,
  type ModelConfig,
  resolveModel,
} from "@tunelab/core";
import { initBackend } from "./backend.js";
import { backendLabel } from "./memory-guard.js";
import { createMethod } from "./methods/registry.js";
import { initModel } from "./model.js";
import { TRAIN_DEFAULTS, trainLoop } from "./train.js";

/**
 * core's memory model against the engine: one training step of every method, the loop's measured peak
 * (distinct tensor buffers alive at once) within 10% of core's estimateMemory for the same run. It fails
 * when the engine starts keeping more (a float32 copy of a frozen weight, a saved [N, V] tensor) or less
 * than core says, and when core drifts from the engine. bench/engine/methods.mjs runs the same at
 * real sizes.
 */

const TOLERANCE = MEMORY_PREDICTION_TOLERANCE;
const METHODS = ["full", "lora", "qlora", "dora", "ia3", "prefix", "prompt", "adapter"];
// SmolLM-135M's width, heads (9 query, 3 kv), MLP and 49,152-token vocabulary, 2 of its 30 layers
const SMOLLM_2_LAYERS = resolveModel({ ...resolveModel("SmolLM-135M"), num_hidden_layers: 2 });

interface Case {
  name: string;
  config: ModelConfig;
  method: string;
  /** The method's JSON when it is more than `{ method }`. */
  json?: { method: string } & Record<string, unknown>;
  dtype: Dtype;
  gradientCheckpointing?: boolean;
}

const CASES: Case[] = [
  ...METHODS.map((method) => ({
    name: "tunelab-tiny",
    config: resolveModel("tunelab-tiny"),
    method,
    dtype: "float32" as const,
  })),
  ...METHODS.filter((m) => m !== "full").map((method) => ({
    name: "tunelab-tiny",
    config: resolveModel("tunelab-tiny"),
    method,
    dtype: "bfloat16" as const,
  })),
  ...["full", "lora", "qlora"].map((method) => ({
    name: "tunelab-tiny",
    config: resolveModel("tunelab-tiny"),
    method,
    dtype: "float32" as const,
    gradientCheckpointing: true,
  })),
  ...METHODS.map((method) => ({
    name: "SmolLM-135M 2 layers",
    config: SMOLLM_2_LAYERS,
    method,
    dtype: "float32" as const,
  })),
  ...["lora", "qlora"].map((method) => ({
    name: "SmolLM-135M 2 layers",
    config: SMOLLM_2_LAYERS,
    method,
    dtype: "bfloat16" as const,
  })),
  // PEFT's LoraConfig keys beyond the defaults: QDoRA, per-module ranks on some layers, trained biases
  ...[
    { method: "qlora", use_dora: true },
    {
      method: "lora",
      target_modules: ["q_proj", "v_proj", "down_proj"],
      rank_pattern: { down_proj: 16 },
      alpha_pattern: { q_proj: 32 },
      layers_to_transform: [1],
      bias: "all",
    },
  ].flatMap((json) =>
    [
      { name: "tunelab-tiny", config: resolveModel("tunelab-tiny") },
      { name: "SmolLM-135M 2 layers", config: SMOLLM_2_LAYERS },
    ].map((m) => ({
      ...m,
      method: `${json.method} (${Object.keys(json).slice(1).join(", ")})`,
      json,
      dtype: "float32" as const,
    })),
  ),
];

test("measured peak within 10% of core's prediction, every method (tiny and SmolLM-shaped, 2 × 32)", async () => {
  const backend = backendLabel(await initBackend());
  // native: fused cross-entropy, AdamW in place; wasm: tfjs's ops, and its clone copies what the tape keeps
  const kernels = backend === "native" ? "native" : backend === "wasm" ? "wasm" : "tfjs";
  const batch = 2;
  const seq = 32;
  const failures: string[] = [];
  for (const c of CASES) {
    const json = c.json ?? { method: c.method };
    const model = initModel(c.config, 1);
    const method = createMethod(model, json, { seed: 1, dtype: c.dtype });
    for (const name of method.replacedWeights) {
      model.weights.get(name)?.dispose();
      model.weights.delete(name);
    }
    const train = Array.from({ length: batch }, (_, b) => {
      const ids = Array.from({ length: seq }, (_, i) => (b * 7919 + i * 104_729) % c.config.vocab_size);
      return { ids, labels: ids };
    });
    const r = await trainLoop({
      model,
      method,
      train,
      eval: [],
      options: {
        ...TRAIN_DEFAULTS,
        steps: 1,
        batchSize: batch,
        lr: 1e-3,
        pad: 0,
        gradientCheckpointing: c.gradientCheckpointing ?? false,
      },
    });
    const predicted = estimateMemory(c.config, json, {
      batchSize: batch,
      seqLen: seq,
      optimizer: "adamw",
      dtype: c.dtype,
      gradientCheckpointing: c.gradientCheckpointing ?? false,
      kernels,
    });
    const ratio = r.measuredPeakBytes / predicted.total;
    const label = `${c.name} ${c.method} ${c.dtype}${c.gradientCheckpointing ? " checkpointed" : ""}`;
    if (Math.abs(ratio - 1) > TOLERANCE)
      failures.push(
        `${label}: measured ${r.measuredPeakBytes}, predicted ${predicted.total} (${ratio.toFixed(3)})`,
      );
    tf.dispose([...r.state.optimizer.m.values(), ...r.state.optimizer.v.values()]);
    method.dispose();
    tf.dispose([...model.weights.values()]);
  }
  assert.deepEqual(failures, [], `on ${backend}:\n${failures.join("\n")}`);
});
