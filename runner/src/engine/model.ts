import * as tf from "@tensorflow/tfjs";
import { type ModelConfig, ValidationError } from "@tunelab/core";
import { checkpoint } from "./checkpointing.js";
import { detached } from "./detach.js";
import { frozenLinearOf } from "./ops/frozen-linear.js";
import { layerOps } from "./ops/layer-ops.js";
import type { BaseModel, ForwardHooks, LayerPrefix } from "./peft-hooks.js";
import { type RopeFrequencies, ropeFrequencies } from "./rope-scaling.js";

/**
 * A Llama-architecture decoder (Llama/Mistral/Qwen2 configs) in tfjs core ops, nanoGPT-style: RMSNorm,
 * rotary embeddings (HF rotate_half, so HF checkpoints load), grouped-query attention, SwiGLU MLP,
 * optional tied embeddings. Weights live in a Map keyed by Hugging Face names in HF layout ([out, in] for
 * linears); every weight is a tf.Variable so `full` fine-tuning trains them in place.
 *
 * Methods never edit this file: they pass ForwardHooks (peft-hooks.ts). Every linear is called through
 * `hooks.linear(fullName, x, frozen)` (LoRA, QLoRA, DoRA, IA3), `hooks.prefix` prepends per-layer keys and
 * values (prefix tuning, as a cache: real tokens then start at position n), `hooks.inputEmbeddings` prepends virtual tokens (prompt tuning), and
 * `hooks.attentionOutput` / `hooks.mlpOutput` see each sub-block's output (and its input) before the residual
 * add (adapters).
 * Notation: B batch, T new tokens, P cached tokens, n prefix tokens, d hidden, H heads, G kv heads, hd head dim.
 */

export interface Model extends BaseModel {
  weights: Map<string, tf.Variable>;
}

/** Per-layer keys/values of earlier tokens (post-RoPE), for generation. */
export interface KvCache {
  /** [B, G, n + P, hd] per layer, prefix keys first. */
  keys: tf.Tensor4D[];
  values: tf.Tensor4D[];
  /** Key mask [B][n + P]: 1 where the key may be attended. */
  keyMask: number[][];
  /** n + P: keys already in the cache, prefix included; the position of the next token. */
  length: number;
}

export interface ForwardOptions {
  hooks?: ForwardHooks;
  /** [B][T] 1 for real tokens, 0 for padding; default all ones. */
  attentionMask?: number[][];
  /** Generation: read earlier keys/values from here and return the extended cache in `cache`. */
  cache?: KvCache | "new";
  /** Recompute each decoder layer in the backward pass (activation memory; see checkpointing.ts). */
  checkpointLayers?: boolean;
  /** Variables a layer reads, which checkpointing must differentiate it by. */
  layerVariables?: (layer: number) => tf.Variable[];
}

export interface ForwardResult {
  /** [B, v + T, V]; v virtual tokens of prompt tuning come first (0 otherwise). */
  logits: tf.Tensor3D;
  virtualTokens: number;
  cache?: KvCache;
}

const NEG = -1e9;

export function forward(model: BaseModel, ids: number[][], opts: ForwardOptions = {}): ForwardResult {
  const c = model.config;
  const hooks = opts.hooks ?? {};
  const w = (name: string) => weight(model, name);
  const b = ids.length;
  const rows = tf.tensor2d(ids, undefined, "int32");
  const packed = hooks.compactWeight?.("model.embed_tokens.weight");
  // frozen and compactly stored: gather from a transient unpacked copy that the tape never keeps
  let h = (
    packed
      ? detached(() => tf.tidy(() => tf.gather(packed.dequantize(), rows)))
      : tf.gather(w("model.embed_tokens.weight"), rows)
  ) as tf.Tensor3D; // [B, T, d]
  let mask = opts.attentionMask ?? ids.map((row) => row.map(() => 1));
  const past = typeof opts.cache === "object" ? opts.cache : undefined;
  if (hooks.inputEmbeddings && !past) h = hooks.inputEmbeddings(h); // [B, v + T, d]
  const virtualTokens = h.shape[1] - ids[0]!.length;
  if (virtualTokens > 0) mask = mask.map((row) => [...new Array<number>(virtualTokens).fill(1), ...row]);
  const t = h.shape[1];
  const prefix = past ? undefined : hooks.prefix?.(b);
  const n = prefix?.[0]?.key.shape[2] ?? 0;
  // The prefix is a cache of n earlier tokens, so real tokens sit at positions n…n+T−1: PEFT passes it as
  // `past_key_values` (peft_model.py PeftModelForCausalLM.forward / prepare_inputs_for_generation), and
  // transformers' LlamaModel.forward numbers positions from the cache's length (cache_position).
  const start = past ? past.length : n;
  const keyMask = past
    ? past.keyMask.map((row, i) => [...row, ...mask[i]!])
    : mask.map((row) => [...new Array<number>(n).fill(1), ...row]);
  const bias = attentionBias(keyMask, t, keyMask[0]!.length - t); // [B, 1, T, keys]
  const [cos, sin] = ropeTables(start, t, ropeFrequencies(c, start + t)); // [T, hd]
  const cache: KvCache | undefined = opts.cache
    ? { keys: [], values: [], keyMask, length: start + t }
    : undefined;

  for (let l = 0; l < c.num_hidden_layers; l++) {
    const earlier: LayerPrefix | undefined = past
      ? { key: past.keys[l]!, value: past.values[l]! }
      : prefix?.[l];
    const layer = (x: tf.Tensor, ...rest: tf.Tensor[]) => {
      const kv = earlier ? { key: rest[0] as tf.Tensor4D, value: rest[1] as tf.Tensor4D } : undefined;
      const [m, co, si] = rest.slice(rest.length - 3);
      return decoderLayer(model, hooks, l, x as tf.Tensor3D, kv, m!, co!, si!, cache);
    };
    const kv = earlier ? [earlier.key, earlier.value] : [];
    h = (
      opts.checkpointLayers
        ? checkpoint(layer, [h, ...kv, ...(opts.layerVariables?.(l) ?? [])], [bias, cos, sin])
        : layer(h, ...kv, bias, cos, sin)
    ) as tf.Tensor3D;
  }
  const normed = rmsNorm(h, w("model.norm.weight"), c.rms_norm_eps);
  const headName = "lm_head";
  const logits = linear(model, hooks, headName, tf.reshape(normed, [-1, c.hidden_size]) as tf.Tensor2D);
  return { logits: tf.reshape(logits, [b, t, c.vocab_size]) as tf.Tensor3D, virtualTokens, cache };
}

function decoderLayer(
  model: BaseModel,
  hooks: ForwardHooks,
  l: number,
  h: tf.Tensor3D, // [B, T, d]
  earlier: LayerPrefix | undefined, // [B, G, n + P, hd] each
  bias: tf.Tensor, // [B, 1, T, n + P + T]
  cos: tf.Tensor, // [T, hd]
  sin: tf.Tensor,
  cache: KvCache | undefined,
): tf.Tensor3D {
  const c = model.config;
  const ops = layerOps();
  const [b, t, d] = h.shape;
  const p = `model.layers.${l}`;
  const lin = (path: string, x: tf.Tensor) => linear(model, hooks, `${p}.${path}`, x as tf.Tensor2D); // [B·T, out]
  const [co, si] = [cos as tf.Tensor2D, sin as tf.Tensor2D];
  // The layer works on rows [B·T, d]; adapters see [B, T, d], the sub-block's output and its input.
  const sublayer = (out: tf.Tensor2D, residual: tf.Tensor, hook: "attentionOutput" | "mlpOutput") => {
    const fn = hooks[hook];
    if (!fn) return out;
    const as3d = (x: tf.Tensor) => tf.reshape(x, [b, t, d]) as tf.Tensor3D;
    return tf.reshape(fn(l, as3d(out), as3d(residual)), [b * t, d]) as tf.Tensor2D;
  };
  const rows = tf.reshape(h, [b * t, d]);

  const x = ops.rmsNorm(rows, weight(model, `${p}.input_layernorm.weight`), c.rms_norm_eps); // [B·T, d]
  const q = ops.rope(lin("self_attn.q_proj", x), co, si); // [B, H, T, hd]
  let k = ops.rope(lin("self_attn.k_proj", x), co, si); // [B, G, T, hd]
  let v = ops.heads(lin("self_attn.v_proj", x), t, c.head_dim); // [B, G, T, hd]
  if (earlier) {
    k = tf.concat([earlier.key, k], 2); // [B, G, n + P + T, hd]
    v = tf.concat([earlier.value, v], 2);
  }
  if (cache) {
    cache.keys.push(tf.keep(k));
    cache.values.push(tf.keep(v));
  }
  const attn = ops.attention(q, k, v, bias as tf.Tensor4D); // [B·T, H·hd]
  const mid = ops.residual(rows, sublayer(lin("self_attn.o_proj", attn), rows, "attentionOutput")); // [B·T, d]

  const y = ops.rmsNorm(mid, weight(model, `${p}.post_attention_layernorm.weight`), c.rms_norm_eps);
  const act = ops.swiglu(lin("mlp.gate_proj", y), lin("mlp.up_proj", y)); // [B·T, I]
  const out = ops.residual(mid, sublayer(lin("mlp.down_proj", act), mid, "mlpOutput"));
  return tf.reshape(out, [b, t, d]) as tf.Tensor3D;
}

function weight(model: BaseModel, name: string): tf.Tensor {
  const w = model.weights.get(name);
  if (!w) throw new RangeError(`model weight ${name} is missing`);
  return w;
}

/** x [N, in] through the linear `name` (HF module name), via the method's hook when it has one. */
function linear(model: BaseModel, hooks: ForwardHooks, name: string, x: tf.Tensor2D): tf.Tensor2D {
  const stored =
    name === "lm_head" && model.config.tie_word_embeddings ? "model.embed_tokens.weight" : `${name}.weight`;
  const b = model.weights.get(`${name}.bias`) as tf.Tensor1D | undefined;
  // a compactly stored weight (NF4, 16-bit) goes through the frozen-linear op: no float32 copy on the tape
  const w = hooks.compactWeight?.(stored) ?? (weight(model, stored) as tf.Tensor2D);
  const frozen = frozenLinearOf(w, b);
  return hooks.linear ? hooks.linear(name, x, frozen) : frozen.forward(x);
}

/** x / rms(x) · weight over the last axis (computed in float32). */
export function rmsNorm(x: tf.Tensor, weight: tf.Tensor, eps: number): tf.Tensor {
  return layerOps().rmsNorm(x, weight, eps);
}

/**
 * cos/sin of position · inv_freq[i] for positions start…start+T−1, each frequency twice (HF layout), times
 * the RoPE type's attention scaling; in float32 step by step as models/llama/modeling_llama.py
 * `LlamaRotaryEmbedding.forward` computes them. `rope` is a theta (plain RoPE) or rope-scaling.ts's output.
 */
export function ropeTables(start: number, t: number, rope: RopeFrequencies): [tf.Tensor2D, tf.Tensor2D] {
  const { invFreq, attentionScaling } = rope;
  const half = invFreq.length;
  const hd = 2 * half;
  const scale = Math.fround(attentionScaling);
  const cos = new Float32Array(t * hd);
  const sin = new Float32Array(t * hd);
  for (let p = 0; p < t; p++) {
    for (let i = 0; i < hd; i++) {
      const angle = Math.fround((start + p) * invFreq[i % half]!);
      cos[p * hd + i] = Math.fround(Math.cos(angle)) * scale;
      sin[p * hd + i] = Math.fround(Math.sin(angle)) * scale;
    }
  }
  return [tf.tensor2d(cos, [t, hd]), tf.tensor2d(sin, [t, hd])];
}

/**
 * Additive attention bias [B, 1, T, S] for T queries over S = earlier + T keys: query i (the
 * (earlier+i)-th key) sees key j when j ≤ earlier + i and keyMask[j] = 1; prefix keys lie in `earlier`.
 * A query on a padded row still sees itself, so softmax never gets an all-masked row.
 */
export function attentionBias(keyMask: number[][], t: number, earlier: number): tf.Tensor4D {
  const s = earlier + t;
  const out = new Float32Array(keyMask.length * t * s);
  keyMask.forEach((row, bi) => {
    for (let i = 0; i < t; i++) {
      for (let j = 0; j < s; j++) {
        const visible = j <= earlier + i && (row[j] === 1 || j === earlier + i);
        out[(bi * t + i) * s + j] = visible ? 0 : NEG;
      }
    }
  });
  return tf.tensor4d(out, [keyMask.length, 1, t, s]);
}

/**
 * Mean next-token cross-entropy: logits [B, T, V] at position i predict labels[i + 1]; labels of −100
 * (padding, prompt tokens of SFT) are ignored, as in HF's causal-LM loss.
 */
export function causalLmLoss(logits: tf.Tensor3D, labels: number[][]): tf.Scalar {
  return layerOps().causalLmLoss(logits, labels);
}

/** The HF weight names and shapes of a config (what a checkpoint of it holds). */
export function weightShapes(c: ModelConfig): Map<string, number[]> {
  const d = c.hidden_size;
  const hd = c.head_dim;
  const q = c.num_attention_heads * hd;
  const kv = c.num_key_value_heads * hd;
  const out = new Map<string, number[]>([["model.embed_tokens.weight", [c.vocab_size, d]]]);
  const qkvBias = c.attention_bias || c.model_type === "qwen2";
  for (let l = 0; l < c.num_hidden_layers; l++) {
    const p = `model.layers.${l}`;
    out.set(`${p}.input_layernorm.weight`, [d]);
    const linears: [string, number, number, boolean][] = [
      ["self_attn.q_proj", q, d, qkvBias],
      ["self_attn.k_proj", kv, d, qkvBias],
      ["self_attn.v_proj", kv, d, qkvBias],
      ["self_attn.o_proj", d, q, c.attention_bias],
      ["mlp.gate_proj", c.intermediate_size, d, c.mlp_bias],
      ["mlp.up_proj", c.intermediate_size, d, c.mlp_bias],
      ["mlp.down_proj", d, c.intermediate_size, c.mlp_bias],
    ];
    for (const [name, o, i, hasBias] of linears) {
      out.set(`${p}.${name}.weight`, [o, i]);
      if (hasBias) out.set(`${p}.${name}.bias`, [o]);
    }
    out.set(`${p}.post_attention_layernorm.weight`, [d]);
  }
  out.set("model.norm.weight", [d]);
  if (!c.tie_word_embeddings) out.set("lm_head.weight", [c.vocab_size, d]);
  return out;
}

/**
 * A freshly initialised model as HF's LlamaPreTrainedModel does it: linears and embeddings
 * N(0, initializer_range = 0.02), norms 1, biases 0; seeded.
 */
export function initModel(config: ModelConfig, seed: number): Model {
  const std = typeof config.initializer_range === "number" ? config.initializer_range : 0.02;
  const weights = new Map<string, tf.Variable>();
  let s = seed;
  for (const [name, shape] of weightShapes(config)) {
    const init = name.endsWith("norm.weight")
      ? tf.ones(shape)
      : name.endsWith(".bias")
        ? tf.zeros(shape)
        : tf.randomNormal(shape, 0, std, "float32", s++);
    weights.set(name, tf.variable(init, true));
    init.dispose(); // tf.variable copies its initial value
  }
  return { config, weights };
}

/**
 * Wraps loaded tensors as the model's variables (the source tensors are disposed, also on failure).
 * A missing or misshapen weight is a ValidationError whose `field` is the weight's HF name.
 */
export function modelFromTensors(config: ModelConfig, tensors: Map<string, tf.Tensor>): Model {
  const weights = new Map<string, tf.Variable>();
  try {
    for (const [name, shape] of weightShapes(config)) {
      const t = tensors.get(name);
      if (!t) throw new ValidationError({ field: name, message: `checkpoint has no tensor ${name}` });
      if (t.shape.join() !== shape.join()) {
        const message = `${name}: shape [${t.shape}] in the checkpoint, [${shape}] expected`;
        throw new ValidationError({ field: name, message });
      }
      weights.set(
        name,
        tf.tidy(() => tf.variable(tf.cast(t, "float32"), true)),
      );
    }
  } catch (err) {
    tf.dispose([...weights.values()]);
    throw err;
  } finally {
    tf.dispose([...tensors.values()]);
  }
  return { config, weights };
}

export function disposeModel(model: Model): void {
  tf.dispose([...model.weights.values()]);
}
