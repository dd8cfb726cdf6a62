import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { useCpu } from "../backend.js";
import { generate } from "../generate.js";
import { disposeModel, forward } from "../model.js";
import { createMethod } from "../methods/registry.js";
import { greedy, lmLoss } from "../methods/peft-test-model.js";
import { tinyModel } from "../test-kit.js";
import { withLayerOps } from "./layer-ops.js";
import { BACKENDS, maxRelDiff } from "./ops-test-kit.js";
import { REFERENCE_OPS } from "./reference.js";

/** The tiny GQA Llama (4 heads over 2 kv heads) through every hook family the forward pass has. */
const METHODS: Record<string, Record<string, unknown>> = {
  full: { method: "full" },
  lora: { method: "lora", r: 4, lora_alpha: 8, target_modules: "all-linear" },
  prefix: { method: "prefix", num_virtual_tokens: 3 },
  prompt: { method: "prompt", num_virtual_tokens: 3 },
  adapter: { method: "adapter", placement: "houlsby", bottleneck_size: 6 },
};

const IDS = [
  [256, 84, 114, 97, 110, 115, 108, 97, 116, 101],
  [256, 100, 111, 103, 32, 45, 62, 258, 258, 258],
];
const MASK = IDS.map((row) => row.map((id) => (id === 258 ? 0 : 1)));

interface Step {
  logits: Float32Array;
  loss: number;
  grads: Map<string, Float32Array>;
}

function step(name: string, checkpointLayers: boolean): Step {
  const model = tinyModel();
  const method = createMethod(model, METHODS[name], { seed: 7 });
  // LoRA's B and the adapters' up-projections start at zero; move them so every gradient is non-trivial.
  for (const v of method.trainable.values()) {
    if (name !== "full")
      tf.tidy(() => v.assign(tf.add(v, tf.randomNormal(v.shape, 0, 0.2, "float32", v.size))));
  }
  const logits = tf.tidy(
    () => forward(model, IDS, { hooks: method.hooks, attentionMask: MASK }).logits.dataSync() as Float32Array,
  );
  const vars = [...method.trainable.values()];
  const { value, grads } = tf.variableGrads(
    () =>
      lmLoss(model, method.hooks, IDS, {
        checkpointLayers,
        layerVariables: (l) => method.layerVariables(l),
      }),
    vars,
  );
  const out: Step = { logits, loss: value.dataSync()[0]!, grads: new Map() };
  for (const [n, v] of method.trainable) out.grads.set(n, grads[v.name]!.dataSync() as Float32Array);
  tf.dispose([value, ...Object.values(grads)]);
  method.dispose();
  disposeModel(model);
  return out;
}

function assertSame(got: Step, want: Step, tolerance: number): void {
  assert.ok(maxRelDiff(got.logits, want.logits) < tolerance, `logits ${maxRelDiff(got.logits, want.logits)}`);
  assert.ok(
    Math.abs(got.loss - want.loss) < tolerance * Math.abs(want.loss),
    `loss ${got.loss} vs ${want.loss}`,
  );
  for (const [n, g] of want.grads) {
    const d = maxRelDiff(got.grads.get(n)!, g);
    assert.ok(d < tolerance, `${n}: gradient off by ${d}`);
  }
}

for (const [backend, use] of BACKENDS) {
  describe(`the forward pass with fused ops on '${backend}'`, () => {
    for (const name of Object.keys(METHODS)) {
      it(`${name}: logits, loss and every gradient equal the unfused ops, with and without checkpointing`, async () => {
        await use();
        const before = tf.memory().numTensors;
        const reference = withLayerOps(REFERENCE_OPS, () => step(name, false));
        const fused = step(name, false);
        assertSame(fused, reference, 1e-5);
        assertSame(step(name, true), fused, 1e-5);
        assert.equal(tf.memory().numTensors, before, "no tensor leaks");
      });
    }
  });
}

describe("generation with the KV cache and fused ops", () => {
  for (const name of ["full", "prefix", "prompt"]) {
    it(`${name}: the cached decoding picks the tokens of uncached decoding and of the unfused ops`, async () => {
      await useCpu();
      const model = tinyModel();
      const method = createMethod(model, METHODS[name], { seed: 7 });
      const before = tf.memory().numTensors;
      const prompt = [256, 84, 114, 97];
      const cached = generate(model, prompt, { maxNewTokens: 6, hooks: method.hooks });
      const reference = withLayerOps(REFERENCE_OPS, () =>
        generate(model, prompt, { maxNewTokens: 6, hooks: method.hooks }),
      );
      assert.deepEqual(cached, reference);
      assert.deepEqual(cached, greedy(model, method.hooks, prompt, 6));
      assert.equal(tf.memory().numTensors, before, "no tensor leaks");
      method.dispose();
      disposeModel(model);
    });
  }
});
