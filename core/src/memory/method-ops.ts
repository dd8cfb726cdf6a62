import { adaptersPerLayer, bottleneckSize } from "../methods/adapter.js";
import { usesDora } from "../methods/lora.js";
import { loraTargets } from "../methods/lora-targets.js";
import { matchTargets } from "../methods/targets.js";
import type { AdapterNonLinearity, LoraLikeConfig, MethodConfig } from "../methods/types.js";
import type { ModelConfig } from "../model/config.js";
import type { ModelShape } from "../model/shape.js";
import type { At } from "./ops.js";
import * as op from "./ops.js";
import type { Tape } from "./tape.js";

/**
 * The PEFT methods on the tape, hook for hook as runner/src/engine/methods/ builds them
 * (peft-hooks.ts): what each adds to a linear, before the layers or after a sub-block.
 */

/** A linear as a method sees it: its input rows and sizes, and the base layer to call. */
export interface LinearCall {
  /** Full module name, e.g. `model.layers.3.self_attn.q_proj`. */
  name: string;
  x: string;
  rows: number;
  in: number;
  out: number;
  /** The frozen base: x·Wᵀ + b (`bias` false: without the bias, DoRA's base term). */
  base: (x: string, bias?: boolean) => string;
  /** Elements of W, and whether it is stored compactly (dequantised per use). */
  weight: number;
  compact: boolean;
}

export interface MethodOps {
  /** The method's own weights, declared on `t` (all trainable). */
  declare(t: Tape): void;
  /** Trainable weights a decoder layer reads (checkpointing differentiates the layer by them). */
  layerVariables(layer: number): string[];
  linear?(at: At, c: LinearCall): string;
  /** Prefix tuning: per layer, keys and values prepended before attention ([B, G, n, hd] each). */
  prefix?(at: At): { key: string; value: string }[];
  /** Prompt tuning: the virtual tokens before the input embeddings. */
  inputEmbeddings?(at: At, h: string): string;
  attentionOutput?(at: At, h: string, residual: string, rows: number): string;
  mlpOutput?(at: At, h: string, residual: string, rows: number): string;
}

export function methodOps(model: ModelConfig, s: ModelShape, method: MethodConfig, batch: number): MethodOps {
  switch (method.method) {
    case "lora":
    case "qlora":
    case "dora":
      return loraOps(model, method);
    case "ia3":
      return ia3Ops(model, method);
    case "adapter":
      return adapterOps(s, method);
    case "prefix":
      return prefixOps(s, method, batch);
    case "prompt":
      return promptOps(s, method, batch);
    case "full":
      return { declare: () => {}, layerVariables: () => [] };
  }
}

/**
 * LoRA, QLoRA (the same branch over NF4 bases) and DoRA (the "dora" method or use_dora):
 * y + s·B(A(dropout(x))), DoRA rescaled; each target at its own rank and scaling (rank_pattern).
 */
function loraOps(model: ModelConfig, m: LoraLikeConfig): MethodOps {
  const targets = new Map(
    loraTargets(model, m)
      .filter((t) => t.layer !== null)
      .map((t) => [t.fullName, t]),
  );
  const isDora = usesDora(m);
  const a = (name: string) => `${name}.lora_A`;
  const b = (name: string) => `${name}.lora_B`;
  const mag = (name: string) => `${name}.magnitude`;
  return {
    declare: (t) => {
      for (const x of targets.values()) {
        t.weight(a(x.fullName), x.r * x.inFeatures, true);
        t.weight(b(x.fullName), x.outFeatures * x.r, true);
        if (isDora) t.weight(mag(x.fullName), x.outFeatures, true);
      }
    },
    layerVariables: (layer) =>
      [...targets.values()]
        .filter((x) => x.layer === layer)
        .flatMap((x) => [a(x.fullName), b(x.fullName), ...(isDora ? [mag(x.fullName)] : [])]),
    linear: (at0, c) => {
      const target = targets.get(c.name);
      if (target === undefined) return c.base(c.x);
      const at = { ...at0, key: isDora ? "dora" : "lora" };
      const y = c.base(c.x);
      const n = c.rows * c.out;
      if (isDora) return dora(at, c, y, a(c.name), b(c.name), mag(c.name), target.r);
      const xd = m.lora_dropout > 0 ? dropout(at, c.x, c.rows * c.in) : c.x;
      // scaledLoraPath: scaled at rank r, joined by a residual add (no [N, out] tensor kept)
      const r = target.r;
      const low = op.unary(at, op.matmul(at, xd, a(c.name), c.rows * r), c.rows * r, "input", "scaled");
      return op.residual(at, y, op.matmul(at, low, b(c.name), n), n);
    },
  };
}

/** tf.dropout: uniform noise (kept by the add), + keep, floor (kept by the div), ÷ keep, x·mask. */
function dropout(at: At, x: string, n: number): string {
  const noise = op.constant(at, n, "noise");
  const shifted = op.unary(at, noise, n, "input", "noise_plus_keep");
  const floored = op.unary(at, shifted, n, "nothing", "floor");
  const mask = op.unary(at, floored, n, "input", "mask");
  return op.mul(at, x, mask, n);
}

/**
 * DoRA (dora.ts): base + (m/‖W + s·B·A‖ − 1)·base + (m/‖W + s·B·A‖)·s·B·A·x, the norm detached. The
 * norm is a custom op over A and B (W + s·B·A, |·|, ², row sums: five [out, in] tensors at once, plus a
 * dequantised W when compact) whose gradients are zeros; the base term is a second matmul of x.
 */
function dora(at: At, c: LinearCall, y: string, aName: string, bName: string, m: string, r: number): string {
  const n = c.rows * c.out;
  const matrix = c.in * c.out;
  const norm = at.t.op({
    key: at.key,
    layer: at.layer,
    inputs: [aName, bName],
    output: at.t.name(`${at.layer}.dora.norm`),
    elements: c.out,
    custom: true,
    forwardPeak: (c.compact ? matrix : 0) + 5 * matrix + 2 * c.out,
  });
  const baseNoBias = c.base(c.x, false);
  const branch = op.matmul(at, op.matmul(at, c.x, aName, c.rows * r), bName, n);
  // doraDelta (one tf.tidy; every step is kept by the next): m/norm, − 1, ·s, the two products, their sum
  const scale = divide(at, m, norm, c.out);
  const minusOne = op.unary(at, scale, c.out, "input", "scale_minus_one");
  const scaled = op.unary(at, scale, c.out, "input", "scale_times_s");
  const delta = op.add(
    at,
    op.mul(at, minusOne, baseNoBias, n, [minusOne]),
    op.mul(at, scaled, branch, n, [scaled]),
    n,
  );
  return op.add(at, y, delta, n);
}

/** tf.div of two [out] vectors: keeps both; the divisor's gradient −dy·a/b² takes a few temporaries. */
function divide(at: At, a: string, b: string, n: number): string {
  return at.t.op({
    key: at.key,
    layer: at.layer,
    inputs: [a, b],
    output: at.t.name(`${at.layer}.${at.key}.div`),
    elements: n,
    saves: [a, b],
    backwardPeak: 5 * n,
  });
}

/** IA3: a learned vector scales attention targets' outputs and feed-forward targets' inputs. */
function ia3Ops(model: ModelConfig, m: Extract<MethodConfig, { method: "ia3" }>): MethodOps {
  const targets = matchTargets(model, m.target_modules, "target_modules").filter((t) => t.layer !== null);
  const ff = new Set(
    matchTargets(model, m.feedforward_modules, "feedforward_modules").map((t) => t.fullName),
  );
  const vec = (name: string) => `${name}.ia3_l`;
  const byName = new Map(targets.map((t) => [t.fullName, t]));
  return {
    declare: (t) => {
      for (const x of targets)
        t.weight(vec(x.fullName), ff.has(x.fullName) ? x.inFeatures : x.outFeatures, true);
    },
    layerVariables: (layer) => targets.filter((x) => x.layer === layer).map((x) => vec(x.fullName)),
    linear: (at0, c) => {
      if (!byName.has(c.name)) return c.base(c.x);
      const at = { ...at0, key: "ia3" };
      const v = vec(c.name);
      if (ff.has(c.name)) return c.base(op.mul(at, c.x, v, c.rows * c.in, [v]));
      return op.mul(at, c.base(c.x), v, c.rows * c.out, [v]);
    },
  };
}

/**
 * Bottleneck adapters (adapter.ts, in one tf.tidy): o + up(act(down(x) + b)) + b with x = o (Houlsby) or
 * x = o + r, a new tensor (Pfeiffer: the adapters library's original_ln_before); down, its bias add, the
 * non-linearity, up and its bias add are all kept by the next op.
 */
function adapterOps(s: ModelShape, m: Extract<MethodConfig, { method: "adapter" }>): MethodOps {
  const width = bottleneckSize(m, s.hidden);
  const sites = adaptersPerLayer(m) === 2 ? ["attention", "output"] : ["output"];
  const w = (layer: number, site: string, part: string) => `${layer}.${site}_adapter.${part}`;
  const apply = (site: string) => (at0: At, h: string, r: string, rows: number) => {
    const at = { ...at0, key: "adapter" };
    const l = at.layer!;
    const bm = rows * width;
    const X = rows * s.hidden;
    const x = m.placement === "houlsby" ? h : op.add(at, h, r, X);
    const flat = op.reshape(at, x); // to rows
    const down = op.add(at, op.matmul(at, flat, w(l, site, "down"), bm), w(l, site, "down_bias"), bm, [
      w(l, site, "down_bias"),
    ]);
    const act = activation(at, down, bm, m.non_linearity);
    const up = op.add(at, op.matmul(at, act, w(l, site, "up"), X), w(l, site, "up_bias"), X, [
      w(l, site, "up_bias"),
    ]);
    return op.add(at, h, op.reshape(at, up), X); // up back to h's shape
  };
  return {
    declare: (t) => {
      for (let l = 0; l < s.layers; l++) {
        for (const site of sites) {
          t.weight(w(l, site, "down"), width * s.hidden, true);
          t.weight(w(l, site, "down_bias"), width, true);
          t.weight(w(l, site, "up"), s.hidden * width, true);
          t.weight(w(l, site, "up_bias"), s.hidden, true);
        }
      }
    },
    layerVariables: (layer) =>
      sites.flatMap((site) => ["down", "down_bias", "up", "up_bias"].map((p) => w(layer, site, p))),
    mlpOutput: apply("output"),
    ...(sites.includes("attention") ? { attentionOutput: apply("attention") } : {}),
  };
}

/** The adapters library's non-linearities as tfjs ops (adapter-math.ts `activate`). */
function activation(at: At, x: string, n: number, f: AdapterNonLinearity): string {
  switch (f) {
    case "relu":
      return op.unary(at, x, n, "input", "relu", 1);
    case "tanh":
      return op.unary(at, x, n, "output", "tanh", 2);
    case "swish":
      return op.mul(at, x, op.unary(at, x, n, "output", "sigmoid", 2), n);
    case "gelu": {
      const half = op.unary(at, x, n, "input", "half");
      const erf = op.unary(at, op.unary(at, x, n, "input", "scaled"), n, "input", "erf", 3);
      return op.mul(at, half, op.unary(at, erf, n, "input", "plus_one"), n);
    }
  }
}

/**
 * Prefix tuning (prefix.ts, prefix-math.ts): the encoder's output [n, 2·L·t] (the table itself, or the
 * projection MLP's), transposed to [2L, G, n, hd], then per layer a slice for the keys and one for the
 * values, each tiled to the batch. A slice's gradient pads to the whole table: 2L table-sized buffers.
 */
function prefixOps(s: ModelShape, m: Extract<MethodConfig, { method: "prefix" }>, batch: number): MethodOps {
  const n = m.num_virtual_tokens;
  const t = s.kvHeads * s.headDim;
  const width = 2 * s.layers * t;
  const h = m.encoder_hidden_size ?? t;
  return {
    declare: (tape) => {
      tape.weight("prefix.embedding", n * (m.prefix_projection ? t : width), true);
      if (!m.prefix_projection) return;
      tape.weight("prefix.w1", h * t, true);
      tape.weight("prefix.b1", h, true);
      tape.weight("prefix.w2", width * h, true);
      tape.weight("prefix.b2", width, true);
    },
    layerVariables: () => [],
    prefix: (at0) => {
      const at = { ...at0, key: "prefix_encoder" };
      let encoded = "prefix.embedding";
      if (m.prefix_projection) {
        const hidden = op.add(at, op.matmul(at, encoded, "prefix.w1", n * h), "prefix.b1", n * h, [
          "prefix.b1",
        ]);
        const tanh = op.unary(at, hidden, n * h, "output", "tanh", 2);
        encoded = op.add(at, op.matmul(at, tanh, "prefix.w2", n * width), "prefix.b2", n * width, [
          "prefix.b2",
        ]);
      }
      // prefixKeyValues: viewed as [n, 2L, G, hd] (tf.reshape keeps the projection's output), transposed
      const table = at.t.op({
        key: at.key,
        layer: null,
        inputs: [m.prefix_projection ? op.reshape(at, encoded) : encoded],
        output: at.t.name("prefix.transposed"),
        elements: n * width,
      });
      const one = () => op.tile(at, op.slice(at, table, n * t), batch);
      return Array.from({ length: s.layers }, () => ({ key: one(), value: one() }));
    },
  };
}

/** Prompt tuning (prompt.ts): the [n, d] table tiled to the batch and concatenated before the tokens. */
function promptOps(s: ModelShape, m: Extract<MethodConfig, { method: "prompt" }>, batch: number): MethodOps {
  return {
    declare: (t) => {
      t.weight("prompt.embedding", m.num_virtual_tokens * s.hidden, true);
    },
    layerVariables: () => [],
    inputEmbeddings: (at0, h) => {
      const at = { ...at0, key: "prompt_embeddings" };
      return op.concat(at, [op.tile(at, "prompt.embedding", batch), h]);
    },
  };
}
