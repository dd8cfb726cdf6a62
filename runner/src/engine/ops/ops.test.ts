import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { attentionBias, ropeTables } from "../model.js";
import { plainRope } from "../rope-scaling.js";
import { FUSED_OPS as F } from "./layer-ops.js";
import { finiteDifferenceError, maxRelDiff, randn, valueAndGrads, BACKENDS } from "./ops-test-kit.js";
import { REFERENCE_OPS as R } from "./reference.js";

/** One op on one shape: its differentiable inputs, the fused op and the unfused composition. */
interface Case {
  name: string;
  make(): {
    inputs: tf.Tensor[];
    fused: (...xs: tf.Tensor[]) => tf.Tensor;
    reference: (...xs: tf.Tensor[]) => tf.Tensor;
  };
}

function ropeCase(name: string, b: number, t: number, n: number, hd: number, start: number): Case {
  return {
    name,
    make: () => {
      const [cos, sin] = ropeTables(start, t, plainRope(10000, hd));
      return {
        inputs: [randn([b * t, n * hd], 1)],
        fused: (x) => F.rope(x as tf.Tensor2D, cos, sin),
        reference: (x) => R.rope(x as tf.Tensor2D, cos, sin),
      };
    },
  };
}

/** keyMask [B][n + P + T]; q heads h, kv heads g; `earlier` = n + P keys before the T new ones. */
function attentionCase(name: string, h: number, g: number, t: number, hd: number, keyMask: number[][]): Case {
  return {
    name,
    make: () => {
      const b = keyMask.length;
      const s = keyMask[0]!.length;
      const bias = attentionBias(keyMask, t, s - t);
      return {
        inputs: [randn([b, h, t, hd], 1), randn([b, g, s, hd], 2), randn([b, g, s, hd], 3)],
        fused: (q, k, v) => F.attention(q as tf.Tensor4D, k as tf.Tensor4D, v as tf.Tensor4D, bias),
        reference: (q, k, v) => R.attention(q as tf.Tensor4D, k as tf.Tensor4D, v as tf.Tensor4D, bias),
      };
    },
  };
}

function lossCase(name: string, shape: [number, number, number], labels: number[][]): Case {
  return {
    name,
    make: () => ({
      inputs: [randn(shape, 1, 2)],
      fused: (x) => F.causalLmLoss(x as tf.Tensor3D, labels),
      reference: (x) => R.causalLmLoss(x as tf.Tensor3D, labels),
    }),
  };
}

const CASES: Case[] = [
  {
    name: "rmsNorm [2, 5, 7]",
    make: () => ({
      inputs: [randn([2, 5, 7], 1), randn([7], 2, 0.5)],
      fused: (x, w) => F.rmsNorm(x!, w!, 1e-5),
      reference: (x, w) => R.rmsNorm(x!, w!, 1e-5),
    }),
  },
  {
    name: "rmsNorm batch 1 [1, 9]",
    make: () => ({
      inputs: [randn([1, 9], 3), randn([9], 4, 0.5)],
      fused: (x, w) => F.rmsNorm(x!, w!, 1e-6),
      reference: (x, w) => R.rmsNorm(x!, w!, 1e-6),
    }),
  },
  {
    name: "heads B 2, T 5, 3 heads, hd 4",
    make: () => ({
      inputs: [randn([10, 12], 1)],
      fused: (x) => F.heads(x as tf.Tensor2D, 5, 4),
      reference: (x) => R.heads(x as tf.Tensor2D, 5, 4),
    }),
  },
  {
    name: "residual [6, 7]",
    make: () => ({
      inputs: [randn([6, 7], 1), randn([6, 7], 2)],
      fused: (x, y) => F.residual(x!, y!),
      reference: (x, y) => R.residual(x!, y!),
    }),
  },
  ropeCase("rope B 2, T 5, 3 heads, hd 6", 2, 5, 3, 6, 0),
  ropeCase("rope batch 1, one cached step at position 7", 1, 1, 2, 4, 7),
  attentionCase("attention MHA, odd T", 3, 3, 5, 4, [
    [1, 1, 1, 1, 1],
    [1, 1, 1, 1, 1],
  ]),
  attentionCase("attention GQA group 3, padding mask", 6, 2, 7, 6, [
    [1, 1, 1, 1, 1, 1, 1],
    [1, 1, 1, 1, 1, 0, 0],
  ]),
  attentionCase("attention batch 1, 2 prefix keys, GQA group 2", 4, 2, 3, 4, [[1, 1, 1, 1, 1]]),
  attentionCase("attention one new token over 6 cached keys, group 4", 4, 1, 1, 4, [[1, 1, 1, 0, 1, 1, 1]]),
  {
    name: "swiglu [7, 11]",
    make: () => ({
      inputs: [randn([7, 11], 1, 2), randn([7, 11], 2)],
      fused: (g, u) => F.swiglu(g as tf.Tensor2D, u as tf.Tensor2D),
      reference: (g, u) => R.swiglu(g as tf.Tensor2D, u as tf.Tensor2D),
    }),
  },
  {
    name: "swiglu [1, 1]",
    make: () => ({
      inputs: [randn([1, 1], 3, 2), randn([1, 1], 4)],
      fused: (g, u) => F.swiglu(g as tf.Tensor2D, u as tf.Tensor2D),
      reference: (g, u) => R.swiglu(g as tf.Tensor2D, u as tf.Tensor2D),
    }),
  },
  lossCase(
    "causal-LM loss V 13, ignored labels",
    [2, 5, 13],
    [
      [3, 1, 12, 0, 7],
      [5, 2, -100, -100, -100],
    ],
  ),
  lossCase("causal-LM loss batch 1, T 2", [1, 2, 7], [[4, 6]]),
  lossCase(
    "causal-LM loss, every label ignored",
    [2, 3, 5],
    [
      [1, -100, -100],
      [2, -100, -100],
    ],
  ),
];

for (const [backend, use] of BACKENDS) {
  describe(`fused layer ops on '${backend}'`, () => {
    for (const c of CASES) {
      it(`${c.name}: equals the unfused ops (values, gradients) and finite differences`, async () => {
        await use();
        const before = tf.memory().numTensors;
        tf.tidy(() => {
          const { inputs, fused, reference } = c.make();
          const got = valueAndGrads(fused, inputs);
          const want = valueAndGrads(reference, inputs);
          assert.ok(maxRelDiff(got.value, want.value) < 1e-5, `value: ${maxRelDiff(got.value, want.value)}`);
          got.grads.forEach((g, k) => {
            const d = maxRelDiff(g, want.grads[k]!);
            assert.ok(d < 1e-5, `gradient of input ${k}: ${d}`);
          });
          inputs.forEach((_, k) => {
            const err = finiteDifferenceError(fused, inputs, k);
            assert.ok(err < 1e-3, `input ${k}: finite differences off by ${err}`);
          });
        });
        assert.equal(tf.memory().numTensors, before, "no tensor outlives the check");
      });
    }
  });
}
