import assert from "node:assert/strict";
import { before, test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { resolveModel } from "@tunelab/core";
import { useWasm } from "../backend.js";
import { createMethod } from "../methods/registry.js";
import { causalLmLoss, disposeModel, forward, initModel } from "../model.js";
import { FUSED_OPS, type LayerOps, withLayerOps } from "./layer-ops.js";
import { REFERENCE_OPS } from "./reference.js";

before(useWasm);

const B = 4;
const T = 64;
const IDS = Array.from({ length: B }, (_, b) => Array.from({ length: T }, (_, t) => (b * 31 + t * 7) % 256));

/** tf.profile's peak of one training step (loss and gradients), and the part of it above the weights. */
async function stepPeak(json: Record<string, unknown>, ops: LayerOps, checkpointLayers = false) {
  const model = initModel(resolveModel("tunelab-tiny"), 1);
  const method = createMethod(model, json, { seed: 1 });
  const resident = tf.memory().numBytes;
  const vars = [...method.trainable.values()];
  let out: { value: tf.Scalar; grads: tf.NamedTensorMap } | undefined;
  const info = await tf.profile(() => {
    out = withLayerOps(ops, () =>
      tf.variableGrads(() => {
        const { logits } = forward(model, IDS, {
          hooks: method.hooks,
          checkpointLayers,
          layerVariables: (l) => method.layerVariables(l),
        });
        return causalLmLoss(logits, IDS);
      }, vars),
    );
  });
  tf.dispose([out!.value, ...Object.values(out!.grads)]);
  method.dispose();
  disposeModel(model);
  return { peak: info.peakBytes, activations: info.peakBytes - resident };
}

const MB = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;

for (const [name, json] of [
  ["full", { method: "full" }],
  ["lora", { method: "lora", r: 8, lora_alpha: 16, target_modules: ["q_proj", "v_proj"] }],
] as const) {
  test(`tunelab-tiny ${B} × ${T}, ${name}: the fused ops hold at least 30% fewer activation bytes at the peak`, async () => {
    const ref = await stepPeak(json, REFERENCE_OPS);
    const fused = await stepPeak(json, FUSED_OPS);
    const refCkpt = await stepPeak(json, REFERENCE_OPS, true);
    const fusedCkpt = await stepPeak(json, FUSED_OPS, true);
    console.log(
      `tunelab-tiny ${B}×${T} ${name}: peak ${MB(ref.peak)} → ${MB(fused.peak)}, activations ` +
        `${MB(ref.activations)} → ${MB(fused.activations)} (${((1 - fused.activations / ref.activations) * 100).toFixed(0)}% less); ` +
        `with checkpointing ${MB(refCkpt.activations)} → ${MB(fusedCkpt.activations)}`,
    );
    assert.ok(fused.activations <= 0.7 * ref.activations, `${fused.activations} vs ${ref.activations}`);
    assert.ok(
      fusedCkpt.activations < refCkpt.activations,
      `${fusedCkpt.activations} vs ${refCkpt.activations}`,
    );
  });
}
