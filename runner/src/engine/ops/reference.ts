import * as tf from "@tensorflow/tfjs";
import type { LayerOps } from "./layer-ops.js";

/**
 * The layer ops as plain tfjs op compositions: the forward pass as it was written before the fused ops
 * (tfjs's tape keeps every intermediate). The fused ops are checked against these, and the memory test
 * measures a training step with both.
 */
export const REFERENCE_OPS: LayerOps = {
  rmsNorm: (x, weight, eps) => {
    const r = tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), eps));
    return tf.mul(tf.mul(x, r), weight);
  },

  heads: (x, t, hd) =>
    tf.transpose(tf.reshape(x, [x.shape[0] / t, t, x.shape[1] / hd, hd]), [0, 2, 1, 3]) as tf.Tensor4D,

  rope: (x, cos, sin) => {
    const [t, hd] = cos.shape;
    const heads = tf.transpose(tf.reshape(x, [x.shape[0] / t, t, x.shape[1] / hd, hd]), [0, 2, 1, 3]);
    const [a, b] = tf.split(heads, [hd / 2, hd / 2], 3);
    return tf.add(tf.mul(heads, cos), tf.mul(tf.concat([tf.neg(b!), a!], 3), sin)) as tf.Tensor4D;
  },

  attention: (q, k, v, bias) => {
    const [b, h, t, hd] = q.shape;
    const [, g, s] = k.shape;
    const qg = tf.reshape(q, [b, g, (h / g) * t, hd]);
    const scores = tf.add(
      tf.reshape(tf.mul(tf.matMul(qg, k, false, true), 1 / Math.sqrt(hd)), [b, h, t, s]),
      bias,
    ); // [B, H, T, S]
    const probs = tf.reshape(tf.softmax(scores), [b, g, (h / g) * t, s]);
    const attn = tf.reshape(tf.matMul(probs, v), [b, h, t, hd]); // [B, H, T, hd]
    return tf.reshape(tf.transpose(attn, [0, 2, 1, 3]), [b * t, h * hd]) as tf.Tensor2D;
  },

  residual: (x, y) => tf.add(x, y),

  swiglu: (gate, up) => tf.mul(tf.mul(gate, tf.sigmoid(gate)), up) as tf.Tensor2D,

  causalLmLoss: (logits, labels) => {
    const [b, t, v] = logits.shape;
    const target = new Int32Array(b * (t - 1));
    const keep = new Float32Array(b * (t - 1));
    labels.forEach((row, r) => {
      for (let i = 0; i + 1 < t; i++) {
        const y = row[i + 1] ?? -100;
        target[r * (t - 1) + i] = Math.max(0, y);
        keep[r * (t - 1) + i] = y === -100 ? 0 : 1;
      }
    });
    const shifted = tf.reshape(tf.slice(logits, [0, 0, 0], [b, t - 1, v]), [b * (t - 1), v]);
    const logp = tf.logSoftmax(shifted); // [B·(T−1), V]
    const picked = tf.sum(tf.mul(logp, tf.oneHot(tf.tensor1d(target, "int32"), v)), -1);
    const kept = tf.tensor1d(keep);
    return tf.div(tf.neg(tf.sum(tf.mul(picked, kept))), tf.maximum(tf.sum(kept), 1)) as tf.Scalar;
  },
};
