import * as tf from "@tensorflow/tfjs";

/** Sizes of PEFT's PrefixEncoder for a Llama-family model. */
export interface PrefixShape {
  /** num_virtual_tokens. */
  tokens: number;
  layers: number;
  /** Key/value heads: the keys and values are stored per KV head, as the model's cache is. */
  kvHeads: number;
  headDim: number;
}

/** Token dimension t = head_dim · num_key_value_heads (PEFT's token_dim after its GQA adjustment). */
export function prefixTokenDim(s: PrefixShape): number {
  return s.headDim * s.kvHeads;
}

/** Trainable tensors of the encoder: the embedding and, with prefix_projection, PEFT's two-layer MLP. */
export interface PrefixParams {
  /** [n, 2·L·t] without projection, [n, t] with. */
  embedding: tf.Tensor2D;
  /** Linear(t, h) → tanh → Linear(h, 2·L·t), weights [out, in] as torch stores them. */
  projection?: { w1: tf.Tensor2D; b1: tf.Tensor1D; w2: tf.Tensor2D; b2: tf.Tensor1D };
}

/** PrefixEncoder.forward for all virtual tokens: [n, 2·L·t]. */
export function encodePrefix(p: PrefixParams): tf.Tensor2D {
  if (p.projection === undefined) return p.embedding;
  const { w1, b1, w2, b2 } = p.projection;
  return tf.tidy(() => {
    const hidden = tf.tanh(tf.add(tf.matMul(p.embedding, w1, false, true), b1)); // [n, h]
    return tf.add(tf.matMul(hidden, w2, false, true), b2) as tf.Tensor2D; // [n, 2Lt]
  });
}

/** One layer's prefix keys and values, [B, kvHeads, n, headDim] each. */
export interface LayerPrefix {
  key: tf.Tensor4D;
  value: tf.Tensor4D;
}

/**
 * PEFT's get_prompt: the encoder output viewed as (B, n, 2L, heads, head_dim), permuted to
 * (2L, B, heads, n, head_dim) and split in pairs — so along the 2·L·t axis the layout is
 * [layer 0 key | layer 0 value | layer 1 key | …], each t = heads · head_dim wide.
 */
export function prefixKeyValues(encoded: tf.Tensor2D, s: PrefixShape, batch: number): LayerPrefix[] {
  return tf.tidy(() => {
    const viewed = tf.reshape(encoded, [s.tokens, 2 * s.layers, s.kvHeads, s.headDim]);
    const perLayer = tf.transpose(viewed, [1, 2, 0, 3]); // [2L, heads, n, hd]
    const pick = (i: number) =>
      tf.tile(tf.slice(perLayer, [i, 0, 0, 0], [1, s.kvHeads, s.tokens, s.headDim]), [
        batch,
        1,
        1,
        1,
      ]) as tf.Tensor4D;
    return Array.from({ length: s.layers }, (_, l) => ({ key: pick(2 * l), value: pick(2 * l + 1) }));
  });
}
