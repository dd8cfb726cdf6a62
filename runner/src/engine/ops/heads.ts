import * as tf from "@tensorflow/tfjs";
import { fused } from "./fused.js";

/**
 * A linear's output split into heads: [B·T, n·hd] → [B, n, T, hd]. A transpose needs nothing for its
 * gradient; tf.reshape would keep its input for the backward pass.
 */
export function heads(x: tf.Tensor2D, t: number, hd: number): tf.Tensor4D {
  return fused([x], (_save, xs) => ({
    value: headsForward(xs as tf.Tensor2D, t, hd),
    gradFunc: (dy) => [headsBackward(dy)],
  }));
}

export function headsForward(
  x: tf.Tensor2D, // [B·T, n·hd]
  t: number,
  hd: number,
): tf.Tensor4D {
  return tf.tidy(() => tf.transpose(tf.reshape(x, [x.shape[0] / t, t, x.shape[1] / hd, hd]), [0, 2, 1, 3]));
}

export function headsBackward(
  dy: tf.Tensor, // [B, n, T, hd]
): tf.Tensor2D {
  return tf.tidy(() => {
    const [b, n, t, hd] = dy.shape as [number, number, number, number];
    return tf.reshape(tf.transpose(dy, [0, 2, 1, 3]), [b * t, n * hd]);
  });
}
