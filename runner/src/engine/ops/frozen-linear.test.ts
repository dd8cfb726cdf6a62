import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { halfWeight, nf4Weight } from "../methods/frozen-storage.js";
import { checkGradients, randn } from "../methods/peft-test-kit.js";
import type { CompactWeight } from "../peft-hooks.js";
import { packHalf } from "../quant/half.js";
import { quantizeNf4 } from "../quant/nf4.js";
import { frozenLinear } from "./frozen-linear.js";
import { BACKENDS } from "./ops-test-kit.js";

/** Each storage the op reads, built from the same float32 weight. */
const STORAGES: Record<string, (w: tf.Tensor) => CompactWeight> = {
  nf4: (w) => nf4Weight(quantizeNf4(w.dataSync() as Float32Array, w.shape, { doubleQuant: false })),
  "nf4 (double quant)": (w) =>
    nf4Weight(quantizeNf4(w.dataSync() as Float32Array, w.shape, { doubleQuant: true })),
  bfloat16: (w) => halfWeight(packHalf(w.dataSync() as Float32Array, w.shape, "bfloat16")),
  float16: (w) => halfWeight(packHalf(w.dataSync() as Float32Array, w.shape, "float16")),
};

function maxRelDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]! / tf.max(tf.abs(b)).dataSync()[0]!);
}

for (const [backend, use] of BACKENDS) {
  describe(`frozen linear on '${backend}'`, () => {
    for (const [storage, compact] of Object.entries(STORAGES)) {
      for (const withBias of [false, true]) {
        const name = `${storage}${withBias ? " + bias" : ""}`;
        it(`${name}: forward and gradients equal matMul with the dequantised weight; dx, db match finite differences`, async () => {
          await use();
          const before = tf.memory().numTensors;
          // 33 × 67 = 2,211 weights: a partial NF4 block and an odd number of 16-bit halves
          const [x, w, bias, r] = [
            randn([5, 67], 1),
            randn([33, 67], 2, 0.5),
            randn([33], 3),
            randn([5, 33], 4),
          ];
          const weight = compact(w);
          const wd = weight.dequantize();
          const fusedLoss = (xs: tf.Tensor, b?: tf.Tensor) =>
            tf.sum(
              tf.mul(frozenLinear(xs as tf.Tensor2D, weight, b as tf.Tensor1D | undefined), r),
            ) as tf.Scalar;
          const unfusedLoss = (xs: tf.Tensor, b?: tf.Tensor) => {
            const y = tf.matMul(xs, wd, false, true);
            return tf.sum(tf.mul(b ? tf.add(y, b) : y, r)) as tf.Scalar;
          };
          const inputs = withBias ? [x, bias] : [x];
          tf.tidy(() => {
            const y = frozenLinear(x as tf.Tensor2D, weight, withBias ? (bias as tf.Tensor1D) : undefined);
            const reference = tf.matMul(x, wd, false, true);
            assert.ok(maxRelDiff(y, withBias ? tf.add(reference, bias) : reference) < 1e-6);
            const fused = tf.grads(fusedLoss)(inputs);
            const unfused = tf.grads(unfusedLoss)(inputs);
            for (const [k, g] of fused.entries()) assert.ok(maxRelDiff(g, unfused[k]!) < 1e-5, `input ${k}`);
          });
          // The loss is linear in x and b: a wide step leaves only float32 rounding in the difference.
          checkGradients(fusedLoss, inputs, { samples: 8, eps: 0.25, tolerance: 1e-3 });
          tf.dispose([x, w, bias, r, wd, ...weight.tensors]);
          assert.equal(tf.memory().numTensors, before, "no tensor leaks");
        });
      }
    }

    it("keeps no float32 weight between the forward and the backward pass (a plain matMul keeps it)", async () => {
      await use();
      const w = randn([512, 256], 5, 0.5);
      const weight = nf4Weight(quantizeNf4(w.dataSync() as Float32Array, w.shape, { doubleQuant: true }));
      const x = randn([4, 256], 6);
      const heldBetween = (linear: (xs: tf.Tensor2D) => tf.Tensor) => {
        let held = 0;
        const grads = tf.grads((xs: tf.Tensor) => {
          const start = tf.memory().numBytes;
          const y = linear(xs as tf.Tensor2D);
          held = tf.memory().numBytes - start; // what the forward left alive for the backward pass
          return tf.sum(y) as tf.Scalar;
        })([x]);
        tf.dispose(grads);
        return held;
      };
      const weightBytes = 512 * 256 * 4;
      const outputBytes = 4 * 512 * 4;
      const fused = heldBetween((xs) => frozenLinear(xs, weight));
      const unfused = heldBetween((xs) => tf.matMul(xs, weight.dequantize(), false, true));
      assert.equal(fused, outputBytes, `the op holds only its output (${fused} bytes)`);
      assert.ok(unfused >= weightBytes, `a matMul on the dequantised weight holds it (${unfused} bytes)`);
      tf.dispose([w, x, ...weight.tensors]);
    });
  });
}
