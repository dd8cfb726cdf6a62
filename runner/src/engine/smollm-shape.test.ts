import assert from "node:assert/strict";
import { test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { countParameters, resolveModel } from "@tunelab/core";
import { initBackend } from "./backend.js";
import { initModel } from "./model.js";
import { createMethod } from "./methods/registry.js";
import { TRAIN_DEFAULTS, trainLoop } from "./train.js";

/**
 * Every method trains two steps on a real model's shapes: SmolLM-135M's width, heads (9 query, 3 kv),
 * MLP and 49,152-token vocabulary, cut to 2 of its 30 layers so the suite stays quick (the full model
 * runs in bench/engine/scale.mjs). On the backend the engine picks (native where it builds). With the
 * vocabulary weighing most here, the measured peaks must order as the methods' stored weights do.
 */

const SMOLLM_2_LAYERS = resolveModel({ ...resolveModel("SmolLM-135M"), num_hidden_layers: 2 });
const QV = { r: 8, lora_alpha: 16, target_modules: ["q_proj", "v_proj"] };
const METHODS: Record<string, unknown>[] = [
  { method: "full" },
  { method: "lora", ...QV },
  { method: "qlora", ...QV },
  { method: "prefix", num_virtual_tokens: 8 },
  { method: "adapter", reduction_factor: 16, placement: "pfeiffer" },
];

test("SmolLM-135M-shaped model: two steps of every method, counts as core's, peaks in order", async () => {
  const backend = await initBackend();
  const peaks = new Map<string, number>();
  const batch = 2;
  const seq = 32;
  const train = Array.from({ length: batch }, (_, b) => {
    const ids = Array.from({ length: seq }, (_, t) => (b * 7919 + t * 104_729) % 49_152);
    return { ids, labels: ids };
  });
  for (const json of METHODS) {
    const model = initModel(SMOLLM_2_LAYERS, 1);
    const method = createMethod(model, json as { method: string }, { seed: 1 });
    for (const name of method.replacedWeights) {
      model.weights.get(name)?.dispose();
      model.weights.delete(name);
    }
    const r = await trainLoop({
      model,
      method,
      train,
      eval: [],
      options: { ...TRAIN_DEFAULTS, steps: 2, batchSize: batch, lr: 1e-3, pad: 0 },
    });
    const name = String(json.method);
    assert.equal(r.steps, 2, name);
    for (const h of r.history) assert.ok(Number.isFinite(h.trainLoss) && h.trainLoss > 0, `${name}: loss`);
    const trainable = [...method.trainable.values()].reduce((n, v) => n + v.size, 0);
    assert.equal(trainable, countParameters(SMOLLM_2_LAYERS, json as { method: string }).trainable, name);
    peaks.set(name, r.measuredPeakBytes);
    tf.dispose([...r.state.optimizer.m.values(), ...r.state.optimizer.v.values()]);
    method.dispose();
    tf.dispose([...model.weights.values()]);
  }
  const mb = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
  console.log(backend.source, [...peaks].map(([m, b]) => `${m} ${mb(b)}`).join(", "));
  // full trains (and keeps AdamW moments of) every weight: far above any PEFT method
  for (const m of ["lora", "qlora", "prefix", "adapter"])
    assert.ok(peaks.get("full")! > 2 * peaks.get(m)!, m);
  // QLoRA stores the decoder linears in 4 bits and never keeps a float32 copy past its matmul
  assert.ok(peaks.get("qlora")! < peaks.get("lora")!, `qlora ${mb(peaks.get("qlora")!)} < lora`);
});
