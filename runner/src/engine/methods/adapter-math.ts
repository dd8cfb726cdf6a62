import * as tf from "@tensorflow/tfjs";
import type { AdapterNonLinearity } from "@tunelab/core";

/** One bottleneck adapter, weights [out, in] as torch's nn.Linear stores them. */
export interface BottleneckParams {
  /** [m, d] and [m]: the down-projection. */
  downWeight: tf.Tensor2D;
  downBias: tf.Tensor1D;
  /** [d, m] and [d]: the up-projection (zeros at init, so the adapter starts as the identity). */
  upWeight: tf.Tensor2D;
  upBias: tf.Tensor1D;
}

/** The adapters library's activations by name ("swish" is SiLU, "gelu" its exact erf form). */
export function activate(x: tf.Tensor, kind: AdapterNonLinearity): tf.Tensor {
  switch (kind) {
    case "relu":
      return tf.relu(x);
    case "swish":
      return tf.mul(x, tf.sigmoid(x));
    case "tanh":
      return tf.tanh(x);
    case "gelu":
      return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.div(x, Math.SQRT2))));
  }
}

/** up(act(down(x))) over the last axis of x [..., d]: the adapters library's `Adapter.forward` `up`. */
export function bottleneck(x: tf.Tensor, p: BottleneckParams, kind: AdapterNonLinearity): tf.Tensor {
  return tf.tidy(() => {
    const d = x.shape[x.shape.length - 1]!;
    const flat = tf.reshape(x, [-1, d]);
    const down = activate(tf.add(tf.matMul(flat, p.downWeight, false, true), p.downBias), kind);
    const up = tf.add(tf.matMul(down, p.upWeight, false, true), p.upBias);
    return tf.reshape(up, x.shape);
  });
}
