import { loraTargets } from "../methods/lora-targets.js";
import { isLoraLike, type MethodConfig } from "../methods/types.js";
import type { ModelConfig } from "../model/config.js";
import { layerLinears } from "../model/modules.js";
import type { ModelShape } from "../model/shape.js";
import type { Dtype } from "./dtypes.js";
import { type LinearCall, type MethodOps, methodOps } from "./method-ops.js";
import type { At } from "./ops.js";
import * as op from "./ops.js";
import { Tape } from "./tape.js";

/**
 * One training step of the engine's Llama forward (runner/src/engine/model.ts) recorded on a Tape, op
 * for op: embedding gather, [prompt tokens], [prefix keys/values], the attention mask and RoPE tables,
 * L decoder layers (each one checkpointed op when recomputing), final norm, lm_head, [the prompt
 * positions sliced off], cross-entropy.
 */

export interface StepShape {
  batch: number;
  /** Token ids per row. */
  tokens: number;
  /** Rows the layers run on per example: tokens, plus prompt tuning's virtual tokens. */
  queries: number;
  /** Keys per query: queries, plus prefix tuning's virtual tokens. */
  keys: number;
}

/** The sequence lengths a method runs the layers at. */
export function stepShape(method: MethodConfig, batch: number, seqLen: number): StepShape {
  const virtual = method.method === "prompt" || method.method === "prefix" ? method.num_virtual_tokens : 0;
  const queries = seqLen + (method.method === "prompt" ? virtual : 0);
  return { batch, tokens: seqLen, queries, keys: queries + (method.method === "prefix" ? virtual : 0) };
}

export interface StepOptions {
  dtype: Dtype;
  checkpointing: boolean;
  /** The native backend's fused kernels (cross-entropy), or tfjs's own ops. */
  kernels: Kernels;
}

/**
 * "native": the native backend's kernels (fused cross-entropy, AdamW in place); "tfjs": tfjs's own ops
 * (cpu, tfjs-node); "wasm": tfjs's ops on the wasm backend, whose clone copies (every saved tensor).
 */
export type Kernels = "native" | "tfjs" | "wasm";

/** How a weight is held: trained (float32 variable), frozen float32, or compact (NF4, 16-bit packed). */
export type Storage = "trainable" | "float32" | "nf4" | "half";

/**
 * The engine's storage rules (methods/frozen-storage.ts, qlora.ts, lora.ts): full trains everything;
 * LoRA-family `bias` "all" trains every bias, "lora_only" the targets'; QLoRA keeps the decoder linears
 * in NF4; a 16-bit dtype packs every other frozen matrix (the embedding too); norms and biases stay
 * float32 variables.
 */
export function weightStorage(
  model: ModelConfig,
  method: MethodConfig,
  dtype: Dtype,
): (weight: string) => Storage {
  const bias = "bias" in method ? method.bias : "none";
  const targets =
    bias === "lora_only" && isLoraLike(method)
      ? new Set(loraTargets(model, method).map((t) => `${t.fullName}.bias`))
      : new Set<string>();
  return (weight) => {
    if (method.method === "full") return "trainable";
    if (weight.endsWith(".bias") && (bias === "all" || targets.has(weight))) return "trainable";
    if (!/(_proj|lm_head|embed)$/.test(weight)) return "float32";
    if (method.method === "qlora" && weight.endsWith("_proj")) return "nf4";
    return dtype === "float32" ? "float32" : "half";
  };
}

/** The base model's weights by HF module name (`.weight` dropped), with their sizes. */
export function baseWeights(s: ModelShape): [string, number][] {
  const out: [string, number][] = [["embed", s.vocab * s.hidden]];
  for (let l = 0; l < s.layers; l++) {
    const p = `model.layers.${l}`;
    out.push([`${p}.input_layernorm`, s.hidden], [`${p}.post_attention_layernorm`, s.hidden]);
    for (const m of layerLinears(s)) {
      out.push([`${p}.${m.path}`, m.inFeatures * m.outFeatures]);
      if (m.bias) out.push([`${p}.${m.path}.bias`, m.outFeatures]);
    }
  }
  out.push(["norm", s.hidden]);
  if (!s.tiedEmbeddings) out.push(["lm_head", s.vocab * s.hidden]);
  return out;
}

interface Ctx {
  t: Tape;
  s: ModelShape;
  shape: StepShape;
  hooks: MethodOps;
  storage: (weight: string) => Storage;
  /** The native backend's kernels: a compact W is decoded inside its matmul, outside any tensor. */
  native: boolean;
}

export function stepTape(
  model: ModelConfig,
  s: ModelShape,
  method: MethodConfig,
  shape: StepShape,
  o: StepOptions,
) {
  const t = new Tape(o.kernels === "wasm");
  const hooks = methodOps(model, s, method, shape.batch);
  const storage = weightStorage(model, method, o.dtype);
  for (const [name, n] of baseWeights(s)) t.weight(name, n, storage(name) === "trainable");
  hooks.declare(t);
  const c: Ctx = { t, s, shape, hooks, storage, native: o.kernels === "native" };
  const g: At = { t, key: "embed_tokens", layer: null };
  const B = shape.batch;
  const N = B * shape.queries;
  const ids = op.constant(g, B * shape.tokens, "ids");
  const packed = storage("embed") === "half";
  let h = t.op({
    key: "embed_tokens",
    layer: null,
    // a packed embedding: rows gathered from a transient unpacked copy inside a detached op
    inputs: packed ? [] : ["embed", ids],
    output: t.name("embedded"),
    elements: B * shape.tokens * s.hidden,
    saves: packed ? [] : ["embed", ids],
    custom: packed,
    forwardPeak: packed ? s.vocab * s.hidden + B * shape.tokens * s.hidden : undefined,
    // its gradient (full): dy transposed, the segment sum [V, d] and its transpose
    backwardPeak: B * shape.tokens * s.hidden + 2 * s.vocab * s.hidden,
  });
  if (hooks.inputEmbeddings) h = hooks.inputEmbeddings({ ...g, key: "prompt_embeddings" }, h);
  const prefix = hooks.prefix?.({ ...g, key: "prefix_encoder" });
  const constants = {
    mask: op.constant({ ...g, key: "attention_mask" }, B * shape.queries * shape.keys, "mask"),
    cos: op.constant({ ...g, key: "rope_tables" }, shape.queries * s.headDim, "cos"),
    sin: op.constant({ ...g, key: "rope_tables" }, shape.queries * s.headDim, "sin"),
  };
  for (let l = 0; l < s.layers; l++) {
    const kv = prefix?.[l];
    h = o.checkpointing ? checkpointed(c, l, h, kv, constants) : decoderLayer(c, l, h, kv, constants);
  }
  const head: At = { t, key: "norm", layer: null };
  // tf.reshape to rows keeps the normed output (a frozen-linear lm_head would not)
  const normed = op.reshape(head, op.rmsNorm(head, h, "norm", N, s.hidden));
  let logits = op.reshape(
    head,
    linear(c, { ...head, key: "lm_head" }, "lm_head", normed, N, s.hidden, s.vocab),
  );
  const rows = B * shape.tokens;
  if (shape.queries > shape.tokens) logits = op.slice({ ...head, key: "lm_head" }, logits, rows * s.vocab);
  op.crossEntropy({ ...head, key: "loss" }, logits, rows, s.vocab, o.kernels === "native");
  return t;
}

/** model.ts `linear`: the method's hook around the frozen base (a matMul, or the frozen-linear op). */
function linear(c: Ctx, at: At, path: string, x: string, rows: number, inF: number, outF: number): string {
  const weight = path === "lm_head" && c.s.tiedEmbeddings ? "embed" : path;
  const bias = c.t.weights.has(`${path}.bias`) ? `${path}.bias` : null;
  const compact = c.storage(weight) === "nf4" || c.storage(weight) === "half";
  // elements of the float32 W the frozen-linear op unpacks while it runs (none with native kernels)
  const sizes = { in: rows * inF, out: rows * outF, weight: compact && c.native ? 0 : inF * outF };
  const base = (input: string, withBias = true) => {
    const b = withBias ? bias : null;
    if (compact) return op.frozenLinear(at, input, b, sizes);
    const y = op.matmul(at, input, weight, sizes.out);
    return b ? op.add(at, y, b, sizes.out, [b]) : y;
  };
  const call: LinearCall = { name: path, x, rows, in: inF, out: outF, base, weight: inF * outF, compact };
  return c.hooks.linear ? c.hooks.linear(at, call) : base(x);
}

interface Constants {
  mask: string;
  cos: string;
  sin: string;
}

/** model.ts `decoderLayer`, op for op. */
function decoderLayer(
  c: Ctx,
  l: number,
  h: string,
  kv: { key: string; value: string } | undefined,
  k: Constants,
): string {
  const { s, shape } = c;
  const N = shape.batch * shape.queries;
  const X = N * s.hidden;
  const q = s.heads * s.headDim;
  const g = s.kvHeads * s.headDim;
  const at = (key: string): At => ({ t: c.t, key, layer: l });
  const lin = (path: string, x: string, inF: number, outF: number, key: string) =>
    linear(c, at(key), `model.layers.${l}.${path}`, x, N, inF, outF);
  h = op.reshape(at("input_layernorm"), h); // [B·T, d] rows: keeps the layer's input
  const x = op.rmsNorm(at("input_layernorm"), h, `model.layers.${l}.input_layernorm`, N, s.hidden);
  const qh = op.rope(at("rope"), lin("self_attn.q_proj", x, s.hidden, q, "qkv_proj"), N * q, k.cos, k.sin);
  let kh = op.rope(at("rope"), lin("self_attn.k_proj", x, s.hidden, g, "qkv_proj"), N * g, k.cos, k.sin);
  let vh = op.heads(at("qkv_proj"), lin("self_attn.v_proj", x, s.hidden, g, "qkv_proj"), N * g);
  if (kv) {
    kh = op.concat(at("prefix_kv"), [kv.key, kh]);
    vh = op.concat(at("prefix_kv"), [kv.value, vh]);
  }
  const keys = shape.batch * shape.keys * g;
  const attn = op.attention(at("attention"), qh, kh, vh, k.mask, {
    q: N * q,
    k: keys,
    scores: shape.batch * s.heads * shape.queries * shape.keys,
    rows: shape.batch * s.heads * shape.queries,
  });
  let o = lin("self_attn.o_proj", attn, q, s.hidden, "o_proj");
  // model.ts `sublayer`: output and residual rows to [B, T, d] for the hook and its result back to rows
  // (each reshape keeps its input)
  const a = at("adapter");
  if (c.hooks.attentionOutput)
    o = op.reshape(a, c.hooks.attentionOutput(a, op.reshape(a, o), op.reshape(a, h), N));
  const mid = op.residual(at("o_proj"), h, o, X);
  const y = op.rmsNorm(
    at("post_attention_layernorm"),
    mid,
    `model.layers.${l}.post_attention_layernorm`,
    N,
    s.hidden,
  );
  const gate = lin("mlp.gate_proj", y, s.hidden, s.intermediate, "mlp");
  const up = lin("mlp.up_proj", y, s.hidden, s.intermediate, "mlp");
  const act = op.swiglu(at("mlp"), gate, up, N * s.intermediate);
  let down = lin("mlp.down_proj", act, s.intermediate, s.hidden, "down_proj");
  if (c.hooks.mlpOutput)
    down = op.reshape(a, c.hooks.mlpOutput(a, op.reshape(a, down), op.reshape(a, mid), N));
  return op.reshape(at("down_proj"), op.residual(at("down_proj"), mid, down, X)); // back to [B, T, d]
}

/**
 * checkpointing.ts: the layer as one custom op that saves only its inputs (and the mask and RoPE tables);
 * its forward runs with the tape off, its backward reruns it under tf.grads (`recompute`).
 */
function checkpointed(
  c: Ctx,
  l: number,
  h: string,
  kv: { key: string; value: string } | undefined,
  k: Constants,
): string {
  const inner = new Tape(c.t.copiesOnSave);
  const X = c.shape.batch * c.shape.queries * c.s.hidden;
  for (const [name, trainable] of c.t.weights) inner.weight(name, c.t.size(name), trainable);
  for (const name of [h, k.mask, k.cos, k.sin, ...(kv ? [kv.key, kv.value] : [])])
    inner.input(name, c.t.size(name));
  decoderLayer({ ...c, t: inner }, l, h, kv, k);
  const inputs = [h, ...(kv ? [kv.key, kv.value] : []), ...layerVariables(c, l)];
  return c.t.op({
    key: "checkpoint",
    layer: l,
    inputs,
    output: c.t.name(`${l}.checkpoint`),
    elements: X,
    saves: [...inputs, k.mask, k.cos, k.sin],
    custom: true,
    recompute: inner,
  });
}

/** What the engine differentiates a checkpointed layer by: the method's layerVariables (full: the layer). */
function layerVariables(c: Ctx, l: number): string[] {
  const own = c.hooks.layerVariables(l);
  const base = [...c.t.weights]
    .filter(([name, trainable]) => trainable && name.startsWith(`model.layers.${l}.`))
    .map(([n]) => n);
  return [...new Set([...base, ...own])];
}
