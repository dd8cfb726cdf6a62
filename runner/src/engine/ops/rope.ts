import * as tf from "@tensorflow/tfjs";
import { fused } from "./fused.js";
import { headsBackward, headsForward } from "./heads.js";

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
    const h = headsForward(x, cos.shape[0], cos.shape[1]); // [B, n, T, hd]
    const [a, b] = tf.split(h, 2, 3); // [B, n, T, hd/2] each
    return tf.add(tf.mul(h, cos), tf.mul(tf.concat([tf.neg(b!), a!], 3), sin)) as tf.Tensor4D;
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
    const [u, w] = tf.split(tf.mul(dy, sin), 2, 3); // [B, n, T, hd/2] each
    return headsBackward(tf.add(tf.mul(dy, cos), tf.concat([w!, tf.neg(u!)], 3)));
  });
}
