import * as tf from "@tensorflow/tfjs";
import { fused } from "./fused.js";

/**
 * Splits a linear's output into heads and applies HF's rotate-half RoPE:
 * x [B·T, n·hd] → [B, n, T, hd], y = x·cos + rotate_half(x)·sin. A rotation needs nothing of x for its
 * gradient, so only cos/sin are saved (they are small, and the forward pass's own copies are gone by
 * the backward pass).
 */
export function rope(x: tf.Tensor2D, cos: tf.Tensor2D, sin: tf.Tensor2D): tf.Tensor4D {
  return fused([x], (save, xs) => {
    save([cos, sin]);
    return {
      value: ropeForward(xs as tf.Tensor2D, cos, sin),
      gradFunc: (dy, [c, s]) => [ropeBackward(dy, c as tf.Tensor2D, s as tf.Tensor2D)],
    };
  });
}

export function ropeForward(
  x: tf.Tensor2D, // [B·T, n·hd]
  cos: tf.Tensor2D, // [T, hd]
  sin: tf.Tensor2D, // [T, hd]
): tf.Tensor4D {
  return tf.tidy(() => {
    const [t, hd] = cos.shape;
    const rows = x.shape[0] / t;
    const n = x.shape[1] / hd;
    const heads = tf.transpose(tf.reshape(x, [rows, t, n, hd]), [0, 2, 1, 3]); // [B, n, T, hd]
    const [a, b] = tf.split(heads, 2, 3); // [B, n, T, hd/2] each
    return tf.add(tf.mul(heads, cos), tf.mul(tf.concat([tf.neg(b!), a!], 3), sin)) as tf.Tensor4D;
  });
}

/**
 * The inverse rotation, back to the linear's layout: dx = dy·cos + rotate_halfᵀ(dy·sin), where
 * rotate_halfᵀ([u, w]) = [w, −u].
 */
export function ropeBackward(
  dy: tf.Tensor, // [B, n, T, hd]
  cos: tf.Tensor2D, // [T, hd]
  sin: tf.Tensor2D, // [T, hd]
): tf.Tensor2D {
  return tf.tidy(() => {
    const [b, n, t, hd] = dy.shape as [number, number, number, number];
    const [u, w] = tf.split(tf.mul(dy, sin), 2, 3); // [B, n, T, hd/2] each
    const dx = tf.add(tf.mul(dy, cos), tf.concat([w!, tf.neg(u!)], 3)); // [B, n, T, hd]
    return tf.reshape(tf.transpose(dx, [0, 2, 1, 3]), [b * t, n * hd]) as tf.Tensor2D;
  });
}
