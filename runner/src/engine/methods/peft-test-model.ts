import * as tf from "@tensorflow/tfjs";
import { type ModelConfig, parseModelConfig } from "@tunelab/core";
import { checkpoint } from "../checkpointing.js";
import type { BaseModel, ForwardHooks, FrozenLinear, LayerPrefix } from "../peft-hooks.js";

/**
 * A compact Llama forward pass (RMSNorm, RoPE, grouped-query attention, SwiGLU) that calls the
 * ForwardHooks at the points PEFT attaches to — the test bench of methods/ and of the methods benchmark.
 * No padding support: every sequence of a batch has the same length.
 */

export const TINY_CONFIG: ModelConfig = parseModelConfig({
  model_type: "llama",
  vocab_size: 48,
  hidden_size: 32,
  intermediate_size: 64,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  max_position_embeddings: 128,
});

const LINEARS = [
  ["self_attn.q_proj", "q"],
  ["self_attn.k_proj", "kv"],
  ["self_attn.v_proj", "kv"],
  ["self_attn.o_proj", "o"],
  ["mlp.gate_proj", "up"],
  ["mlp.up_proj", "up"],
  ["mlp.down_proj", "down"],
] as const;

/** Seeded random base weights in HF names and layout (linears N(0, 0.08), norms 1, embeddings N(0, 0.5)). */
export function randomBase(config: ModelConfig = TINY_CONFIG, seed = 1): BaseModel {
  const d = config.hidden_size;
  const hd = config.head_dim;
  const dims = {
    q: [config.num_attention_heads * hd, d],
    kv: [config.num_key_value_heads * hd, d],
    o: [d, config.num_attention_heads * hd],
    up: [config.intermediate_size, d],
    down: [d, config.intermediate_size],
  };
  const weights = new Map<string, tf.Tensor>();
  let s = seed;
  weights.set("model.embed_tokens.weight", tf.randomNormal([config.vocab_size, d], 0, 0.5, "float32", s++));
  for (let l = 0; l < config.num_hidden_layers; l++) {
    for (const [path, kind] of LINEARS) {
      weights.set(`model.layers.${l}.${path}.weight`, tf.randomNormal(dims[kind], 0, 0.08, "float32", s++));
    }
    weights.set(`model.layers.${l}.input_layernorm.weight`, tf.ones([d]));
    weights.set(`model.layers.${l}.post_attention_layernorm.weight`, tf.ones([d]));
  }
  weights.set("model.norm.weight", tf.ones([d]));
  weights.set("lm_head.weight", tf.randomNormal([config.vocab_size, d], 0, 0.2, "float32", s++));
  return { config, weights };
}

export interface ForwardOptions {
  /** Recompute each decoder layer in the backward pass (checkpointing.ts). */
  checkpointLayers?: boolean;
  /** Variables each layer reads, for checkpointing (PeftMethod.layerVariables). */
  layerVariables?: (layer: number) => tf.Variable[];
}

/** Logits [B, n + T, V] for token ids [B][T] (n virtual tokens of prompt tuning, else 0). */
export function forward(
  base: BaseModel,
  hooks: ForwardHooks,
  ids: number[][],
  opts: ForwardOptions = {},
): tf.Tensor3D {
  const c = base.config;
  const w = (name: string) => base.weights.get(name)!;
  const batch = ids.length;
  let h = tf.gather(w("model.embed_tokens.weight"), tf.tensor2d(ids, undefined, "int32")) as tf.Tensor3D;
  if (hooks.inputEmbeddings) h = hooks.inputEmbeddings(h);
  const t = h.shape[1];
  const prefix = hooks.prefix?.(batch);
  const n = prefix?.[0]?.key.shape[2] ?? 0;
  const mask = causalMask(t, n); // [T, n + T]
  const [cos, sin] = ropeTables(t, c.head_dim, c.rope_theta);
  for (let l = 0; l < c.num_hidden_layers; l++) {
    const layer = (x: tf.Tensor, ...rest: tf.Tensor[]) => {
      const p = prefix ? { key: rest[0] as tf.Tensor4D, value: rest[1] as tf.Tensor4D } : undefined;
      const consts = rest.slice(rest.length - 3) as [tf.Tensor, tf.Tensor, tf.Tensor];
      return decoderLayer(base, hooks, l, x as tf.Tensor3D, p, ...consts);
    };
    const kv = prefix ? [prefix[l]!.key, prefix[l]!.value] : [];
    if (opts.checkpointLayers) {
      h = checkpoint(layer, [h, ...kv, ...(opts.layerVariables?.(l) ?? [])], [mask, cos, sin]) as tf.Tensor3D;
    } else {
      h = layer(h, ...kv, mask, cos, sin) as tf.Tensor3D;
    }
  }
  const normed = rmsNorm(h, w("model.norm.weight"), c.rms_norm_eps);
  const head = c.tie_word_embeddings ? w("model.embed_tokens.weight") : w("lm_head.weight");
  return tf.reshape(tf.matMul(tf.reshape(normed, [-1, c.hidden_size]), head, false, true), [
    batch,
    t,
    c.vocab_size,
  ]);
}

function decoderLayer(
  base: BaseModel,
  hooks: ForwardHooks,
  l: number,
  h: tf.Tensor3D,
  prefix: LayerPrefix | undefined,
  mask: tf.Tensor,
  cos: tf.Tensor,
  sin: tf.Tensor,
): tf.Tensor3D {
  const c = base.config;
  const [b, t, d] = h.shape;
  const hd = c.head_dim;
  const p = `model.layers.${l}`;
  const lin = (path: string, x: tf.Tensor) =>
    linear(base, hooks, `${p}.${path}`, tf.reshape(x, [b * t, -1]) as tf.Tensor2D);
  const heads = (x: tf.Tensor, count: number) => tf.transpose(tf.reshape(x, [b, t, count, hd]), [0, 2, 1, 3]);

  const x = rmsNorm(h, base.weights.get(`${p}.input_layernorm.weight`)!, c.rms_norm_eps);
  const q = rope(heads(lin("self_attn.q_proj", x), c.num_attention_heads), cos, sin);
  let k = rope(heads(lin("self_attn.k_proj", x), c.num_key_value_heads), cos, sin);
  let v = heads(lin("self_attn.v_proj", x), c.num_key_value_heads);
  if (prefix) {
    k = tf.concat([prefix.key, k], 2);
    v = tf.concat([prefix.value, v], 2);
  }
  const group = c.num_attention_heads / c.num_key_value_heads;
  const repeat = (z: tf.Tensor) => {
    const [, kvh, tk] = z.shape as number[];
    return tf.reshape(tf.tile(tf.reshape(z, [b, kvh!, 1, tk! * hd]), [1, 1, group, 1]), [
      b,
      kvh! * group,
      tk!,
      hd,
    ]);
  };
  const scores = tf.add(tf.mul(tf.matMul(q, repeat(k), false, true), 1 / Math.sqrt(hd)), mask);
  const attn = tf.matMul(tf.softmax(scores), repeat(v)); // [B, H, T, hd]
  let o = tf.reshape(lin("self_attn.o_proj", tf.transpose(attn, [0, 2, 1, 3])), [b, t, d]) as tf.Tensor3D;
  if (hooks.attentionOutput) o = hooks.attentionOutput(l, o);
  const mid = tf.add(h, o) as tf.Tensor3D;

  const y = rmsNorm(mid, base.weights.get(`${p}.post_attention_layernorm.weight`)!, c.rms_norm_eps);
  const gate = lin("mlp.gate_proj", y);
  const act = tf.mul(tf.mul(gate, tf.sigmoid(gate)), lin("mlp.up_proj", y));
  let m = tf.reshape(lin("mlp.down_proj", act), [b, t, d]) as tf.Tensor3D;
  if (hooks.mlpOutput) m = hooks.mlpOutput(l, m);
  return tf.add(mid, m) as tf.Tensor3D;
}

function linear(base: BaseModel, hooks: ForwardHooks, name: string, x: tf.Tensor2D): tf.Tensor2D {
  const weight = () => hooks.frozenWeight?.(name) ?? (base.weights.get(`${name}.weight`) as tf.Tensor2D);
  const frozen: FrozenLinear = { weight, forward: (z) => tf.matMul(z, weight(), false, true) };
  return hooks.linear ? hooks.linear(name, x, frozen) : frozen.forward(x);
}

function rmsNorm(x: tf.Tensor, weight: tf.Tensor, eps: number): tf.Tensor3D {
  const r = tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), eps));
  return tf.mul(tf.mul(x, r), weight) as tf.Tensor3D;
}

/** HF's rotate-half RoPE; cos/sin [T, hd]. */
function rope(x: tf.Tensor, cos: tf.Tensor, sin: tf.Tensor): tf.Tensor {
  const half = x.shape[3]! / 2;
  const [a, b] = tf.split(x, [half, half], 3);
  return tf.add(tf.mul(x, cos), tf.mul(tf.concat([tf.neg(b!), a!], 3), sin));
}

function ropeTables(t: number, hd: number, theta: number): [tf.Tensor, tf.Tensor] {
  const angles: number[] = [];
  for (let pos = 0; pos < t; pos++) {
    for (let i = 0; i < hd; i++) angles.push(pos / theta ** ((2 * (i % (hd / 2))) / hd));
  }
  const a = tf.tensor2d(angles, [t, hd]);
  return [tf.cos(a), tf.sin(a)];
}

/** 0 where query i may see key j (all n prefix keys, and real keys j ≤ i), −1e9 elsewhere. [T, n + T]. */
function causalMask(t: number, n: number): tf.Tensor {
  const m = new Float32Array(t * (n + t));
  for (let i = 0; i < t; i++)
    for (let j = 0; j < n + t; j++) m[i * (n + t) + j] = j < n || j - n <= i ? 0 : -1e9;
  return tf.tensor2d(m, [t, n + t]);
}

/**
 * Mean cross-entropy over positions whose label is not −100, predicting token i+1 from position i.
 * `virtualTokens` leading logits (prompt tuning) get −100 labels, as PEFT prepends them.
 */
export function lmLoss(logits: tf.Tensor3D, ids: number[][], virtualTokens = 0): tf.Scalar {
  const [b, t, v] = logits.shape;
  const labels = new Int32Array(b * t).fill(-100);
  ids.forEach((row, r) => {
    for (let i = 0; i + 1 < row.length; i++) labels[r * t + virtualTokens + i] = row[i + 1]!;
  });
  const keep = tf.tensor1d(
    Array.from(labels, (x) => (x === -100 ? 0 : 1)),
    "float32",
  );
  const oneHot = tf.oneHot(
    tf.tensor1d(
      Array.from(labels, (x) => Math.max(0, x)),
      "int32",
    ),
    v,
  );
  const logp = tf.logSoftmax(tf.reshape(logits, [b * t, v]));
  const nll = tf.neg(tf.sum(tf.mul(logp, oneHot), -1));
  return tf.div(tf.sum(tf.mul(nll, keep)), tf.sum(keep)) as tf.Scalar;
}

/** Greedy decoding without a cache (recomputes the whole sequence each step): prefix/prompt included. */
export function greedy(base: BaseModel, hooks: ForwardHooks, prompt: number[], maxNew: number): number[] {
  const out = [...prompt];
  for (let i = 0; i < maxNew; i++) {
    const next = tf.tidy(() => {
      const logits = forward(base, hooks, [out]);
      return tf.argMax(logits.slice([0, logits.shape[1] - 1, 0], [1, 1, -1]), -1).dataSync()[0]!;
    });
    out.push(next);
  }
  return out.slice(prompt.length);
}
