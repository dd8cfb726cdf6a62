import type { ModelConfig } from "../model/config.js";
import { layerLinears, linearWeights, type NamedLinear } from "../model/modules.js";
import type { ModelShape } from "../model/shape.js";
import { adaptersPerLayer, bottleneckSize } from "../methods/adapter.js";
import { matchTargets } from "../methods/targets.js";
import type { AdapterNonLinearity, MethodConfig, TargetModules } from "../methods/types.js";

/**
 * The activation model: the elements a training step holds for the backward pass, as TensorFlow.js
 * holds them (shared/reference/tfjs.md item 6).
 *
 * Under the gradient tape, tf.memory() grows by each op's output *and* by a clone of every tensor its
 * gradient needs. Measured per op with tfjs 4.22 (units of the input size, output + clones):
 * reshape 2 (it saves its input), transpose 1, neg 1, cast 1, add/sub/mul of two tensors 3 (both inputs
 * saved, even for add), add of a scalar 2, matmul 3 (both operands, so every weight it reads is cloned),
 * sigmoid/softmax/logSoftmax/tanh 2 (their output), square/rsqrt/relu/slice/tile/mean/sum: output + input,
 * concat: output + all inputs, gather: output + the whole table + the ids.
 * After the forward pass the outputs are freed, but the backward pass keeps one gradient per
 * intermediate until the last gradient is computed: the outputs' size again, plus one extra gradient
 * for every additional use of a tensor (tfjs accumulates `add(current, dx)` and leaves each `dx` alive).
 * So each op below counts `out + saved` elements and `gradient_fanout` counts the extra uses; the sum
 * is what a step holds at its peak (the end of the backward pass), before gradient-function temporaries.
 *
 * Each entry is one step of the reference Llama forward written with tfjs core ops on [B·T, d] rows:
 * RMSNorm, q/k/v matmuls, reshape+transpose to heads, RoPE by slice/neg/concat, k/v tiled to H heads
 * (GQA), scores, softmax, ·v, transpose+reshape back, o_proj, residual, RMSNorm, SwiGLU, down_proj,
 * residual; then the final norm, lm_head and the loss by log-softmax · one-hot.
 *
 * B batch, T query length, Tk key length (T plus prefix tokens), X = B·T·d, Q = B·T·H·hd,
 * Kq = B·T·KV·hd, Kk = B·Tk·KV·hd, R = B·H·Tk·hd (k or v on all heads), S = B·H·T·Tk, M = B·T·I.
 *
 * Recomputation (gradient checkpointing, one tf.customGrad per layer) keeps only each layer's input and,
 * in the backward pass, the gradient of each layer's output: 2·L·X, plus one layer's `out + saved` while
 * that layer is recomputed, plus the head and the method's global ops, which are not checkpointed.
 *
 * Not counted: gradient-function temporaries, int32 labels and masks, the RoPE tables, fragmentation.
 *
 * Checked against tf.profile(step).peakBytes for this forward written out in tfjs 4.22 ('cpu'), one
 * variableGrads step, measured ÷ predicted (activations + weight gradients): tunelab-nano B 2 T 16 full
 * 1.10, LoRA r 4 q,v 1.03; tunelab-tiny B 4 T 64 full 1.03, LoRA 0.99; tunelab-small B 2 T 128 full
 * 1.03, LoRA 1.01. An engine that writes a layer with other ops moves these numbers; its measured peak
 * beside this prediction shows by how much.
 */
export interface ActivationInventory {
  /** One decoder layer of the base model (the same in every layer), elements by op. */
  perLayer: Record<string, number>;
  /** What the method adds inside the layers: per op, one entry per layer index. */
  methodLayers: Record<string, number[]>;
  /** Embedding, final norm, lm_head and loss. */
  head: Record<string, number>;
  /** Ops a method runs once per step outside the layers (prefix encoder, prompt concat). */
  global: Record<string, number>;
  /** Weight operands the matmuls clone, per layer; priced in the compute dtype for QLoRA. */
  layerWeightClones: number;
}

export interface ActivationShape {
  batch: number;
  /** Query positions: seqLen, plus the virtual tokens for prompt tuning. */
  queries: number;
  /** Key positions: queries, plus the virtual tokens for prefix tuning. */
  keys: number;
}

/** The sequence lengths each method runs the layers at. */
export function activationShape(method: MethodConfig, batch: number, seqLen: number): ActivationShape {
  if (method.method === "prompt") {
    const t = seqLen + method.num_virtual_tokens;
    return { batch, queries: t, keys: t };
  }
  if (method.method === "prefix") return { batch, queries: seqLen, keys: seqLen + method.num_virtual_tokens };
  return { batch, queries: seqLen, keys: seqLen };
}

export function activationInventory(
  model: ModelConfig,
  s: ModelShape,
  method: MethodConfig,
  a: ActivationShape,
): ActivationInventory {
  return {
    perLayer: baseLayer(s, a),
    methodLayers: methodLayers(model, s, method, a),
    head: head(s, a, method),
    global: methodGlobal(s, method, a),
    layerWeightClones: layerLinears(s).reduce((acc, m) => acc + linearWeights(m), 0),
  };
}

/**
 * RMSNorm x·rsqrt(mean(x²) + eps)·w: square (out X, saves x), mean (out B·T, saves x²), + eps (out B·T,
 * saves its input), rsqrt (out B·T, saves input), x·r (out X, saves both), ·w (out X, saves both).
 */
function rmsNorm(bt: number, d: number): number {
  return 2 * bt * d + (bt + bt * d) + 2 * bt + 2 * bt + (2 * bt * d + bt) + (2 * bt * d + d);
}

/** RoPE on a [B, heads, T, hd] tensor of Z elements: 2 slices, neg, concat, ·cos, ·sin (saves both), add. */
function rope(z: number): number {
  return 2 * (z / 2 + z) + z / 2 + 2 * z + 2 * z + 2 * z + 3 * z;
}

function baseLayer(s: ModelShape, a: ActivationShape): Record<string, number> {
  const bt = a.batch * a.queries;
  const X = bt * s.hidden;
  const Q = bt * s.heads * s.headDim;
  const Kq = bt * s.kvHeads * s.headDim;
  const Kk = a.batch * a.keys * s.kvHeads * s.headDim;
  const S = a.batch * s.heads * a.queries * a.keys;
  const M = bt * s.intermediate;
  const gqa = s.kvHeads < s.heads;
  const R = a.batch * s.heads * a.keys * s.headDim;
  const out: Record<string, number> = {
    input_layernorm: rmsNorm(bt, s.hidden),
    // q, k, v matmuls (out Q + 2Kq; each clones the normed input X, its weight is a weight clone),
    // [+ bias adds: out + both inputs], then reshape (2×) and transpose (1×) to heads.
    qkv_proj: Q + 2 * Kq + 3 * X + (s.bias.qkv ? 3 * (Q + 2 * Kq) : 0) + 3 * (Q + 2 * Kq),
    rope: rope(Q) + rope(Kq),
    // q·kᵀ (out S, saves q and k), ·1/√hd (out S, saves S), + causal mask (out S, saves S), softmax (2S).
    attention_scores: S + Q + R + 2 * S + 2 * S + 2 * S,
    // probs·v (out Q, saves probs and v), transpose (Q) and reshape (2Q) back to rows.
    attention_output: Q + S + R + Q + 2 * Q,
    // o_proj (out X, saves its input Q) [+ bias], residual add (out X, saves both).
    o_proj: X + Q + (s.bias.o ? 3 * X : 0) + 3 * X,
    post_attention_layernorm: rmsNorm(bt, s.hidden),
    // gate, up (out 2M, each saves X) [+ biases], σ(gate) (2M), gate·σ (3M), ·up (3M).
    mlp: 2 * M + 2 * X + (s.bias.mlp ? 6 * M : 0) + 2 * M + 3 * M + 3 * M,
    // down_proj (out X, saves M) [+ bias], residual add (3X).
    down_proj: X + M + (s.bias.mlp ? 3 * X : 0) + 3 * X,
  };
  // Tensors read more than once leave one extra gradient per extra read: the layer input (norm square,
  // norm product, residual: 2X), the normed input (q, k, v: 2X), q and k before RoPE (two slices and
  // ·cos: 2Q + 2Kq), the mid-layer residual (2X), the second normed input (gate, up: X), gate (σ, ·: M).
  out.gradient_fanout = 7 * X + 2 * Q + 2 * Kq + M;
  // Grouped-query attention, for k and for v: reshape to [B·KV, 1, Tk·hd] (2Kk; tfjs has no gradient
  // for rank-5 tile, hence rank 3), tile to the H heads
  // (out R, saves Kk), reshape to [B, H, Tk, hd] (2R).
  if (gqa) out.repeat_kv = 2 * (2 * Kk + R + Kk + 2 * R);
  return out;
}

function head(s: ModelShape, a: ActivationShape, method: MethodConfig): Record<string, number> {
  const realTokens = method.method === "prompt" ? a.queries - method.num_virtual_tokens : a.queries;
  const bt = a.batch * a.queries;
  const btv = bt * s.vocab;
  return {
    // gather (out B·T·d, saves the embedding matrix V·d and the ids B·T).
    embed_tokens: a.batch * realTokens * s.hidden + s.vocab * s.hidden + a.batch * realTokens,
    norm: rmsNorm(bt, s.hidden),
    // lm_head matmul (out B·T·V, saves its input X and the weight V·d, tied or not).
    lm_head: btv + bt * s.hidden + s.vocab * s.hidden,
    // log-softmax (2), one-hot targets (1), their product (3), sum (saves its input: 1).
    loss: 7 * btv,
    // the last layer's output is read by the final norm twice (square, product): one extra gradient;
    // a trained tied embedding gets two weight gradients (gather and lm_head), the first left alive.
    gradient_fanout: bt * s.hidden + (method.method === "full" && s.tiedEmbeddings ? s.vocab * s.hidden : 0),
  };
}

/** Ops a method adds inside the layers, per layer index (a regex target may select some layers only). */
function methodLayers(
  model: ModelConfig,
  s: ModelShape,
  method: MethodConfig,
  a: ActivationShape,
): Record<string, number[]> {
  const bt = a.batch * a.queries;
  const X = bt * s.hidden;
  const perLayer = (
    targets: TargetModules,
    field: string,
    elements: (t: NamedLinear) => number,
  ): number[] => {
    const out = new Array<number>(s.layers).fill(0);
    for (const t of matchTargets(model, targets, field)) {
      if (t.layer !== null) out[t.layer]! += elements(t);
    }
    return out;
  };
  const everyLayer = (n: number): number[] => new Array<number>(s.layers).fill(n);
  switch (method.method) {
    case "lora":
    case "qlora":
    case "dora": {
      const r = method.r;
      const lora = perLayer(method.target_modules, "target_modules", (t) => {
        const inX = bt * t.inFeatures;
        const outX = bt * t.outFeatures;
        // dropout when > 0: random mask (out, no gradient) and x·mask (out, saves both): 4·B·T·in.
        const dropout = method.lora_dropout > 0 ? 4 * inX : 0;
        // x·Aᵀ (out B·T·r, saves x and A), ·Bᵀ (out B·T·out, saves x·Aᵀ and B), ·scaling (2·B·T·out),
        // + the base output (out, saves both: 3·B·T·out); the target's input is read once more (B·T·in).
        return (
          dropout +
          (bt * r + inX + r * t.inFeatures) +
          (outX + bt * r + t.outFeatures * r) +
          2 * outX +
          3 * outX +
          inX
        );
      });
      if (method.method !== "dora") return { lora };
      const dora = perLayer(method.target_modules, "target_modules", (t) => {
        const w = linearWeights(t);
        // weight side: B·A (out in·out, saved A and B), ·s (out, saved), W + s·B·A (out), row norm
        // (x² out+saved, sum out+saved, sqrt out+saved): out 4·in·out + 2·out, saved 3·in·out + 2·out + r·(in+out).
        const weightSide = 7 * w + 4 * t.outFeatures + r * (t.inFeatures + t.outFeatures);
        // m/‖·‖ (out), base·(scale − 1) and branch·scale (out B·T·out each, saved both), sum (out).
        const activationSide =
          t.outFeatures + 3 * bt * t.outFeatures + 2 * bt * t.outFeatures + 2 * t.outFeatures;
        return weightSide + activationSide;
      });
      return { lora, dora };
    }
    case "ia3": {
      const ff = new Set(
        matchTargets(model, method.feedforward_modules, "feedforward_modules").map((m) => m.fullName),
      );
      // one elementwise product per target, of its input (feed-forward) or its output: out B·T·n, saved B·T·n + n.
      return {
        ia3: perLayer(method.target_modules, "target_modules", (t) => {
          const n = ff.has(t.fullName) ? t.inFeatures : t.outFeatures;
          return 2 * bt * n + n;
        }),
      };
    }
    case "adapter": {
      const m = bottleneckSize(method, s.hidden);
      const act = nonLinearity(method.non_linearity);
      // down matmul (out B·T·m, saves X and d·m), + bias (out, saves both), non-linearity, up matmul
      // (out X, saves B·T·m and m·d), + bias (3X), residual add (3X); the input is read twice (+X).
      const bm = bt * m;
      const one =
        bm + X + s.hidden * m + 2 * bm + m + act * bm + X + bm + m * s.hidden + 3 * X + s.hidden + 3 * X + X;
      return { adapter: everyLayer(adaptersPerLayer(method) * one) };
    }
    case "prefix": {
      const t = s.kvHeads * s.headDim;
      const n = method.num_virtual_tokens;
      const Kk = a.batch * a.keys * t;
      const Kq = bt * t;
      // for k and for v: the layer's prefix broadcast to the batch (out B·n·t, tile saves n·t), then
      // concatenated before the real ones (out Kk, concat saves both inputs B·n·t + Kq).
      return { prefix_kv: everyLayer(2 * (a.batch * n * t + n * t + Kk + a.batch * n * t + Kq)) };
    }
    case "prompt":
    case "full":
      return {};
  }
}

/** out + saved per bottleneck element: relu, tanh 2 (one op saving input or output); swish, gelu 5 (σ or Φ: 2, then a product: 3). */
function nonLinearity(f: AdapterNonLinearity): number {
  return f === "relu" || f === "tanh" ? 2 : 5;
}

/** Ops a method runs once per step, outside the layers. */
function methodGlobal(s: ModelShape, method: MethodConfig, a: ActivationShape): Record<string, number> {
  switch (method.method) {
    case "prefix": {
      const n = method.num_virtual_tokens;
      const t = s.headDim * s.kvHeads;
      const kv = 2 * s.layers * t;
      // the table is used whole (no gather); split into the L layers' keys and values: out n·2Lt.
      if (!method.prefix_projection) return { prefix_encoder: n * kv };
      const h = method.encoder_hidden_size ?? t;
      // Linear (out n·h, saved the table n·t and t·h), + bias (out n·h), tanh (out n·h, saved n·h),
      // Linear (out n·2Lt, saved n·h and h·2Lt), + bias (out n·2Lt), split (out n·2Lt).
      return { prefix_encoder: 5 * n * h + n * t + t * h + h * kv + 3 * n * kv };
    }
    case "prompt": {
      const n = method.num_virtual_tokens;
      const realTokens = a.queries - n;
      // virtual tokens broadcast to the batch (out B·n·d, tile saves n·d), concatenated before the
      // real tokens' embeddings (out B·T'·d, concat saves both inputs B·T'·d).
      return {
        prompt_embeddings:
          a.batch * n * s.hidden +
          n * s.hidden +
          a.batch * a.queries * s.hidden +
          a.batch * (n + realTokens) * s.hidden,
      };
    }
    default:
      return {};
  }
}
