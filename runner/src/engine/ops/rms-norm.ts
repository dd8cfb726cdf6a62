import * as tf from "@tensorflow/tfjs";
import { fused } from "./fused.js";

/**
 * RMSNorm over the last axis: y = x · rstd · w, rstd = 1/√(mean(x²) + eps). Saves x, w and rstd (one
 * number per row), as PyTorch does; x², mean, x·rstd are freed when the forward returns.
 */
export function rmsNorm(x: tf.Tensor, weight: tf.Tensor, eps: number): tf.Tensor {
  return fused([x, weight], (save, xs, w) => {
    const { y, rstd } = rmsNormForward(xs!, w!, eps);
    save([xs!, w!, rstd]);
    return {
      value: y,
      gradFunc: (dy, [sx, sw, sr]) => {
        const { dx, dw } = rmsNormBackward(dy, sx!, sw!, sr!);
        return [dx, dw];
      },
    };
  });
}

export function rmsNormForward(
  x: tf.Tensor, // [..., d]
  w: tf.Tensor, // [d]
  eps: number,
): { y: tf.Tensor; rstd: tf.Tensor } {
  return tf.tidy(() => {
    const rstd = tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), eps)); // [..., 1]
    return { y: tf.mul(tf.mul(x, rstd), w), rstd };
  });
}

/** dx = rstd · (g − x̂ · mean(g · x̂)) with g = dy · w and x̂ = x · rstd; dw = Σ_rows dy · x̂. */
export function rmsNormBackward(
  dy: tf.Tensor, // [..., d]
  x: tf.Tensor, // [..., d]
  w: tf.Tensor, // [d]
  rstd: tf.Tensor, // [..., 1]
): { dx: tf.Tensor; dw: tf.Tensor } {
  return tf.tidy(() => {
    const d = x.shape[x.rank - 1]!;
    const xhat = tf.mul(x, rstd); // [..., d]
    const dw = tf.sum(tf.reshape(tf.mul(dy, xhat), [-1, d]), 0); // [d]
    const g = tf.mul(dy, w); // [..., d]
    const proj = tf.mean(tf.mul(g, xhat), -1, true); // [..., 1]
    const dx = tf.mul(tf.sub(g, tf.mul(xhat, proj)), rstd);
    return { dx, dw };
  });
}
