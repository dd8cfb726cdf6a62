import assert from "node:assert/strict";
import { before, test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { useCpu } from "./backend.js";
import { createLora } from "./methods/lora.js";
import { causalLmLoss, forward, type Model, rmsNorm } from "./model.js";
import type { ForwardHooks } from "./peft-hooks.js";
import { tinyModel } from "./test-kit.js";

before(useCpu);

const IDS = [
  [256, 84, 114, 97, 110, 115, 108, 97],
  [256, 100, 111, 103, 32, 45, 62, 258],
];
const MASK = [
  [1, 1, 1, 1, 1, 1, 1, 1],
  [1, 1, 1, 1, 1, 1, 1, 0],
];
const LABELS = [IDS[0]!, [...IDS[1]!.slice(0, 7), -100]];

/**
 * Central differences in float64 arithmetic on the host around float32 losses, with Richardson
 * extrapolation (ε = 1e-2 and ε/2) so the truncation error is O(ε⁴) while rounding (~1e-7·|L|/ε) stays small. Compared at the 12 coordinates with the largest
 * analytic gradient, as a relative error of the vector: ‖fd − g‖ / ‖g‖ < 1e-3.
 */
function checkAgainstFiniteDifferences(loss: () => tf.Scalar, v: tf.Variable, eps = 1e-2): number {
  const g = tf.tidy(() => tf.variableGrads(loss, [v]).grads[v.name]!.dataSync());
  const base = v.dataSync().slice();
  const coords = Array.from(g.keys())
    .sort((a, b) => Math.abs(g[b]!) - Math.abs(g[a]!))
    .slice(0, 12);
  let num = 0;
  let den = 0;
  for (const i of coords) {
    const at = (delta: number) => {
      const moved = base.slice();
      moved[i] = base[i]! + delta;
      v.assign(tf.tensor(moved, v.shape));
      return tf.tidy(() => loss().dataSync()[0]!);
    };
    const central = (h: number) => (at(h) - at(-h)) / (2 * h);
    const fd = (4 * central(eps / 2) - central(eps)) / 3; // Richardson: cancels the ε² term
    num += (fd - g[i]!) ** 2;
    den += g[i]! ** 2;
  }
  v.assign(tf.tensor(base, v.shape));
  return Math.sqrt(num / den);
}

function modelLoss(model: Model, hooks: ForwardHooks = {}) {
  return () => causalLmLoss(forward(model, IDS, { hooks, attentionMask: MASK }).logits, LABELS);
}

test("RMSNorm gradients (input and weight) match finite differences", () => {
  const x = tf.variable(tf.randomNormal([2, 3, 8], 0, 1, "float32", 1));
  const w = tf.variable(tf.randomNormal([8], 1, 0.3, "float32", 2));
  const r = tf.randomNormal([2, 3, 8], 0, 1, "float32", 3);
  const loss = () => tf.sum(tf.mul(rmsNorm(x, w, 1e-5), r)) as tf.Scalar;
  assert.ok(checkAgainstFiniteDifferences(loss, x) < 1e-3);
  assert.ok(checkAgainstFiniteDifferences(loss, w) < 1e-3);
  tf.dispose([x, w, r]);
});

test("RoPE attention with GQA: q/k/v/o gradients match finite differences (padding mask on)", () => {
  const model = tinyModel();
  for (const name of ["q_proj", "k_proj", "v_proj", "o_proj"]) {
    const v = model.weights.get(`model.layers.0.self_attn.${name}.weight`)!;
    const err = checkAgainstFiniteDifferences(modelLoss(model), v);
    assert.ok(err < 1e-3, `${name}: relative error ${err}`);
  }
  tf.dispose([...model.weights.values()]);
});

test("SwiGLU and embedding gradients match finite differences", () => {
  const model = tinyModel();
  for (const name of [
    "model.layers.1.mlp.gate_proj.weight",
    "model.layers.1.mlp.up_proj.weight",
    "model.layers.1.mlp.down_proj.weight",
    "model.embed_tokens.weight",
    "model.layers.0.input_layernorm.weight",
  ]) {
    const err = checkAgainstFiniteDifferences(modelLoss(model), model.weights.get(name)!);
    assert.ok(err < 1e-3, `${name}: relative error ${err}`);
  }
  tf.dispose([...model.weights.values()]);
});

test("LoRA A and B gradients match finite differences", () => {
  const model = tinyModel();
  const lora = createLora(
    model,
    {
      method: "lora",
      r: 4,
      lora_alpha: 8,
      lora_dropout: 0,
      target_modules: ["q_proj", "v_proj", "down_proj"],
      bias: "none",
      use_rslora: false,
    },
    { seed: 5 },
  );
  for (const [name, v] of lora.trainable) {
    if (name.includes("lora_B")) tf.tidy(() => v.assign(tf.randomNormal(v.shape, 0, 0.3, "float32", v.size)));
  }
  for (const name of [
    "layers.0.self_attn.q_proj.lora_A",
    "layers.0.self_attn.q_proj.lora_B",
    "layers.1.mlp.down_proj.lora_A",
    "layers.1.self_attn.v_proj.lora_B",
  ]) {
    const v = lora.trainable.get(`base_model.model.model.${name}.weight`)!;
    const err = checkAgainstFiniteDifferences(modelLoss(model, lora.hooks), v);
    assert.ok(err < 1e-3, `${name}: relative error ${err}`);
  }
  lora.dispose();
  tf.dispose([...model.weights.values()]);
});
