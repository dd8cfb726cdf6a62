import * as tf from "@tensorflow/tfjs";
import { useCpu, useNative, useWasm } from "../backend.js";
import { loadAddon } from "../native/addon.js";

/** Test helpers of the fused ops: the backends they run on, gradients by tf.grads and by differences. */

/**
 * Every backend the engine trains on here: 'native' where its addon loads (the default there), and always
 * in CI, which requires it (TUNELAB_REQUIRE_NATIVE): a machine without it skips only those cases.
 */
export const BACKENDS: [string, () => Promise<void>][] = [
  ["cpu", useCpu],
  ["wasm", useWasm],
  ...(process.env.TUNELAB_REQUIRE_NATIVE || loadAddon().addon
    ? [["native", useNative] as [string, () => Promise<void>]]
    : []),
];

export function randn(shape: number[], seed: number, std = 1): tf.Tensor {
  return tf.randomNormal(shape, 0, std, "float32", seed);
}

/** A scalar of `op`: the output projected on a fixed random cotangent (the op itself if scalar). */
export function projected(op: (...xs: tf.Tensor[]) => tf.Tensor, seed = 99) {
  return (...xs: tf.Tensor[]): tf.Scalar => {
    const y = op(...xs);
    return (y.rank === 0 ? y : tf.sum(tf.mul(y, randn(y.shape, seed)))) as tf.Scalar;
  };
}

/** The op's output and its gradients with respect to every input, on the host. */
export function valueAndGrads(
  op: (...xs: tf.Tensor[]) => tf.Tensor,
  inputs: tf.Tensor[],
): { value: Float32Array; grads: Float32Array[] } {
  return tf.tidy(() => {
    const value = op(...inputs).dataSync() as Float32Array;
    const grads = tf
      .grads(projected(op))(inputs)
      .map((g) => g.dataSync() as Float32Array);
    return { value, grads };
  });
}

/** max |a − b| relative to max |b|. */
export function maxRelDiff(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let scale = 1e-6;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / scale;
}

/**
 * ‖fd − g‖ / ‖g‖ over the 12 coordinates of input k with the largest gradient: g by tf.grads, fd by
 * central differences in float32 (ε = 1e-2 and ε/2, Richardson-extrapolated so the truncation error is
 * O(ε⁴) while rounding, ~1e-7·|L|/ε, stays small).
 */
export function finiteDifferenceError(
  op: (...xs: tf.Tensor[]) => tf.Tensor,
  inputs: tf.Tensor[],
  k: number,
  eps = 1e-2,
): number {
  const loss = projected(op);
  const g = tf.tidy(() => tf.grads(loss)(inputs)[k]!.dataSync());
  const base = inputs[k]!.dataSync().slice();
  const coords = Array.from(g.keys())
    .sort((a, b) => Math.abs(g[b]!) - Math.abs(g[a]!))
    .slice(0, 12);
  let num = 0;
  let den = 0;
  for (const i of coords) {
    const at = (delta: number) =>
      tf.tidy(() => {
        const moved = base.slice();
        moved[i] = base[i]! + delta;
        const xs = inputs.map((x, j) => (j === k ? tf.tensor(moved, x.shape) : x));
        return loss(...xs).dataSync()[0]!;
      });
    const central = (h: number) => (at(h) - at(-h)) / (2 * h);
    const fd = (4 * central(eps / 2) - central(eps)) / 3;
    num += (fd - g[i]!) ** 2;
    den += g[i]! ** 2;
  }
  return den === 0 ? Math.sqrt(num) : Math.sqrt(num / den);
}
