import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { useCpu } from "../backend.js";
import { doraDelta, doraInitialMagnitude, doraWeightNorm } from "./dora-math.js";
import { checkGradients, randn } from "./peft-test-kit.js";

const s = 0.5;

/** Full DoRA output: base + PEFT's delta. x [N, in], W [out, in], A [r, in], B [out, r], m [out]. */
function doraOut(x: tf.Tensor, w: tf.Tensor, a: tf.Tensor, b: tf.Tensor, m: tf.Tensor): tf.Tensor {
  const base = tf.matMul(x, w, false, true);
  const lora = tf.matMul(tf.matMul(x, a, false, true), b, false, true);
  const norm = doraWeightNorm(() => w as tf.Tensor2D, a as tf.Tensor2D, b as tf.Tensor2D, s);
  return tf.add(base, doraDelta(base, lora, m as tf.Tensor1D, norm, s));
}

describe("DoRA math", () => {
  it("equals m · (W + s·B·A) / ‖W + s·B·A‖ applied to x (the merged DoRA weight)", async () => {
    await useCpu();
    const [x, w, a, b, m] = [
      randn([5, 6], 1),
      randn([4, 6], 2),
      randn([3, 6], 3),
      randn([4, 3], 4),
      randn([4], 5),
    ];
    const merged = tf.add(w, tf.mul(tf.matMul(b, a), s));
    const direction = tf.div(merged, tf.norm(merged, "euclidean", 1, true));
    const expected = tf.matMul(x, tf.mul(direction, tf.reshape(m, [4, 1])), false, true).dataSync();
    const got = doraOut(x, w, a, b, m).dataSync();
    for (let i = 0; i < got.length; i++) assert.ok(Math.abs(got[i]! - expected[i]!) < 1e-5);
  });

  it("is the base layer at init: magnitude = row norms of W and B = 0", async () => {
    await useCpu();
    const [x, w, a] = [randn([5, 6], 1), randn([4, 6], 2), randn([3, 6], 3)];
    const b = tf.zeros([4, 3]);
    const m = doraInitialMagnitude(w as tf.Tensor2D);
    const base = tf.matMul(x, w, false, true).dataSync();
    const got = doraOut(x, w, a, b, m).dataSync();
    for (let i = 0; i < got.length; i++) assert.ok(Math.abs(got[i]! - base[i]!) < 1e-5);
  });

  it("has finite-difference gradients for A, B, m with the norm detached", async () => {
    await useCpu();
    const [x, w] = [randn([5, 6], 1), randn([4, 6], 2)];
    const inputs = [randn([3, 6], 3, 0.5), randn([4, 3], 4, 0.5), randn([4], 5)];
    // Reference with the norm as a constant computed from the same A, B (what "detached" means).
    const loss = (a: tf.Tensor, b: tf.Tensor, m: tf.Tensor) =>
      tf.sum(tf.square(doraOut(x, w, a, b, m))) as tf.Scalar;
    const detachedNorm = doraWeightNorm(
      () => w as tf.Tensor2D,
      inputs[0] as tf.Tensor2D,
      inputs[1] as tf.Tensor2D,
      s,
    );
    const withConstantNorm = (a: tf.Tensor, b: tf.Tensor, m: tf.Tensor) => {
      const base = tf.matMul(x, w, false, true);
      const lora = tf.matMul(tf.matMul(x, a, false, true), b, false, true);
      return tf.sum(
        tf.square(tf.add(base, doraDelta(base, lora, m as tf.Tensor1D, detachedNorm, s))),
      ) as tf.Scalar;
    };
    checkGradients(withConstantNorm, inputs);
    // tf.grads of the real (detached) version equals the constant-norm gradients exactly.
    const g1 = tf.grads(loss)(inputs);
    const g2 = tf.grads(withConstantNorm)(inputs);
    g1.forEach((g, k) => {
      assert.deepEqual(g.dataSync(), g2[k]!.dataSync());
    });
  });
});
