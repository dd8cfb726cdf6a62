import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";

/**
 * Test helper: checks tf.grads of `loss` against central finite differences at `samples` coordinates
 * of every input (float32, so the step is 1e-2 and the tolerance relative to the largest gradient).
 */
export function checkGradients(
  loss: (...xs: tf.Tensor[]) => tf.Scalar,
  inputs: tf.Tensor[],
  { samples = 6, eps = 1e-2, tolerance = 2e-3 } = {},
): void {
  const grads = tf.grads((...xs: tf.Tensor[]) => loss(...xs))(inputs);
  inputs.forEach((x, k) => {
    const g = grads[k]!.dataSync();
    const scale = Math.max(1e-6, ...Array.from(g, Math.abs));
    const base = x.dataSync().slice();
    for (let s = 0; s < samples; s++) {
      const i = Math.floor(((s + 0.5) / samples) * base.length);
      const at = (delta: number) => {
        const moved = base.slice();
        moved[i]! += delta;
        const xs = inputs.map((y, j) => (j === k ? tf.tensor(moved, x.shape) : y));
        const value = tf.tidy(() => loss(...xs).dataSync()[0]!);
        tf.dispose(xs[k]);
        return value;
      };
      const fd = (at(eps) - at(-eps)) / (2 * eps);
      assert.ok(
        Math.abs(fd - g[i]!) <= tolerance * scale,
        `input ${k} [${i}]: finite difference ${fd} vs gradient ${g[i]} (scale ${scale})`,
      );
    }
  });
  tf.dispose(grads);
}

/** Seeded normal tensor. */
export function randn(shape: number[], seed: number, std = 1): tf.Tensor {
  return tf.randomNormal(shape, 0, std, "float32", seed);
}
