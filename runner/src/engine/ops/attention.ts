import * as tf from "@tensorflow/tfjs";
import { fused } from "./fused.js";

/**
 * Scaled dot-product attention with grouped-query heads and an additive bias (causal and padding mask),
 * merged back to rows for o_proj: q [B, H, T, hd], k/v [B, G, S, hd] → [B·T, H·hd].
 *
 * Saves q, k, v and the per-row log-sum-exp of the scores [B, H, T, 1], as FlashAttention does: the
 * backward recomputes the probabilities from them (one more q·kᵀ) instead of holding the scores, the
 * scaled and biased scores and the probabilities, each [B, H, T, S], from the forward to the backward.
 *
 * GQA without copying keys: query head h uses kv head ⌊h/group⌋ (HF repeat_kv), so the queries of one
 * kv head are contiguous and [B, H, T, hd] regroups to [B, G, group·T, hd] for one batched matmul; the
 * same regrouping sums the group's key/value gradients in the backward matmuls.
 */
export function attention(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, bias: tf.Tensor4D): tf.Tensor2D {
  return fused([q, k, v], (save, qs, ks, vs) => {
    const { out, lse } = attentionForward(qs as tf.Tensor4D, ks as tf.Tensor4D, vs as tf.Tensor4D, bias);
    save([qs!, ks!, vs!, lse, bias]);
    return {
      value: out,
      gradFunc: (dy, [sq, sk, sv, sl, sb]) => {
        const g = attentionBackward(
          dy,
          sq as tf.Tensor4D,
          sk as tf.Tensor4D,
          sv as tf.Tensor4D,
          sl as tf.Tensor4D,
          sb as tf.Tensor4D,
        );
        return [g.dq, g.dk, g.dv];
      },
    };
  });
}

export function attentionForward(
  q: tf.Tensor4D, // [B, H, T, hd]
  k: tf.Tensor4D, // [B, G, S, hd]
  v: tf.Tensor4D, // [B, G, S, hd]
  bias: tf.Tensor4D, // [B, 1, T, S]
): { out: tf.Tensor2D; lse: tf.Tensor4D } {
  return tf.tidy(() => {
    const [b, h, t, hd] = q.shape;
    const scores = scaledScores(q, k, bias); // [B, H, T, S]
    const lse = tf.logSumExp(scores, -1, true) as tf.Tensor4D; // [B, H, T, 1]
    const probs = probabilities(scores, lse, k.shape[1]); // [B, G, group·T, S]
    scores.dispose();
    const o = tf.reshape(tf.matMul(probs, v), [b, h, t, hd]); // [B, H, T, hd]
    probs.dispose();
    return { out: tf.reshape(tf.transpose(o, [0, 2, 1, 3]), [b * t, h * hd]) as tf.Tensor2D, lse };
  });
}

/**
 * With P the probabilities recomputed from lse and dO the output gradient in heads: dV = Pᵀ·dO,
 * dP = dO·Vᵀ, dS = P ∘ (dP − rowsum(dP ∘ P)) / √hd, dQ = dS·K, dK = dSᵀ·Q.
 */
export function attentionBackward(
  dy: tf.Tensor2D, // [B·T, H·hd]
  q: tf.Tensor4D, // [B, H, T, hd]
  k: tf.Tensor4D, // [B, G, S, hd]
  v: tf.Tensor4D, // [B, G, S, hd]
  lse: tf.Tensor4D, // [B, H, T, 1]
  bias: tf.Tensor4D, // [B, 1, T, S]
): { dq: tf.Tensor4D; dk: tf.Tensor4D; dv: tf.Tensor4D } {
  return tf.tidy(() => {
    const [b, h, t, hd] = q.shape;
    const [, g] = k.shape;
    const rows = (h / g) * t;
    const dout = tf.reshape(tf.transpose(tf.reshape(dy, [b, t, h, hd]), [0, 2, 1, 3]), [b, g, rows, hd]);
    const scores = scaledScores(q, k, bias);
    const probs = probabilities(scores, lse, g); // [B, G, group·T, S]
    scores.dispose();
    const dv = tf.matMul(probs, dout, true, false) as tf.Tensor4D; // [B, G, S, hd]
    const dp = tf.matMul(dout, v, false, true); // [B, G, group·T, S]
    const dpp = tf.mul(dp, probs);
    const centred = tf.sub(dp, tf.sum(dpp, -1, true));
    tf.dispose([dp, dpp]);
    const dsUnscaled = tf.mul(probs, centred);
    tf.dispose([probs, centred]);
    const ds = tf.mul(dsUnscaled, 1 / Math.sqrt(hd)); // [B, G, group·T, S]
    dsUnscaled.dispose();
    const dq = tf.reshape(tf.matMul(ds, k), [b, h, t, hd]) as tf.Tensor4D;
    const dk = tf.matMul(ds, tf.reshape(q, [b, g, rows, hd]), true, false) as tf.Tensor4D; // [B, G, S, hd]
    return { dq, dk, dv };
  });
}

/** q·kᵀ/√hd + bias over grouped heads: [B, H, T, S]; the [B, H, T, S] steps are freed as it goes. */
function scaledScores(q: tf.Tensor4D, k: tf.Tensor4D, bias: tf.Tensor4D): tf.Tensor4D {
  const [b, h, t, hd] = q.shape;
  const [, g, s] = k.shape;
  const raw = tf.matMul(tf.reshape(q, [b, g, (h / g) * t, hd]), k, false, true); // [B, G, group·T, S]
  const scaled = tf.mul(raw, 1 / Math.sqrt(hd));
  raw.dispose();
  const heads = tf.reshape(scaled, [b, h, t, s]);
  const out = tf.add(heads, bias) as tf.Tensor4D;
  tf.dispose([scaled, heads]);
  return out;
}

/** exp(scores − lse) regrouped to [B, G, group·T, S] for the matmuls with v. */
function probabilities(scores: tf.Tensor4D, lse: tf.Tensor4D, g: number): tf.Tensor4D {
  const [b, h, t, s] = scores.shape;
  const centred = tf.sub(scores, lse);
  const e = tf.exp(centred);
  centred.dispose();
  const out = tf.reshape(e, [b, g, (h / g) * t, s]) as tf.Tensor4D;
  e.dispose();
  return out;
}
