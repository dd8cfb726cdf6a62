import type { MethodConfig } from "../methods/types.js";
import type { ModelConfig } from "../model/config.js";
import type { ModelShape } from "../model/shape.js";
import type { Dtype } from "./dtypes.js";
import { type Kernels, stepShape, stepTape } from "./step.js";
import { type Moment, sum, type Tape, walkStep } from "./tape.js";

/**
 * What a training step holds beyond the weights and the optimizer state, at its peak: the tensors the
 * forward pass keeps for the backward pass, the gradients the backward pass has made so far, and the
 * running op's working set (step.ts records the step, tape.ts replays it).
 *
 * Measured against the engine (memory-meter.ts: distinct tensor buffers alive at once) by
 * bench/engine/calibrate.mjs; the results are in bench/results/engine-methods.md.
 */

/** Every activation is float32 (int32 for token ids): mixed precision keeps 16 bits for frozen weights only. */
const ACTIVATION_BYTES = 4;

export interface StepMemory {
  /** Activation bytes at the peak: kept tensors, activation gradients, working set. */
  activations: number;
  /** Gradients of trainable weights alive at the peak (all of them when it is the backward's end). */
  gradients: number;
  detail: ActivationDetail;
}

export interface ActivationDetail {
  checkpointed: boolean;
  /**
   * Where the peak is: "backward: layer 0 attention", "backward: embed_tokens", "forward: loss",
   * "optimizer: AdamW" (tfjs kernels only: the native backend updates in place), …
   */
  peakAt: string;
  /**
   * Bytes the forward pass keeps until the backward pass ends, by the op that made them: one decoder layer of the base model (layer 1, or 0 in a one-layer
   * model; with recomputation: nothing, the layer keeps only its input).
   */
  perLayer: Record<string, number>;
  /** What the method's ops keep inside the layers, summed over all layers. */
  methodLayers: Record<string, number>;
  /** Embedding ids, attention mask, RoPE tables, final norm, lm_head, loss. */
  head: Record<string, number>;
  /** The method's ops outside the layers (prefix encoder, prompt tokens). */
  global: Record<string, number>;
  /** With recomputation: the L layer inputs (the only thing a checkpointed layer keeps). */
  layerInputs: number;
  /**
   * All of the above: every kept byte. At a forward or backward peak, activations = saved +
   * forwardOutputs + backwardGradients + working; at an optimizer-step peak nothing is kept any more and
   * activations = working.
   */
  saved: number;
  /** Activation gradients alive at the peak (tfjs keeps every gradient until the backward pass ends). */
  backwardGradients: number;
  /** Forward-pass outputs not kept for the backward pass but not yet freed (a forward-pass peak). */
  forwardOutputs: number;
  /** The running op's own temporaries at the peak (e.g. attention's recomputed probabilities). */
  working: number;
}

const HEAD_KEYS = new Set(["embed_tokens", "attention_mask", "rope_tables", "norm", "lm_head", "loss"]);
const METHOD_LAYER_KEYS = new Set(["lora", "dora", "ia3", "adapter", "prefix_kv"]);

export function stepMemory(
  model: ModelConfig,
  s: ModelShape,
  method: MethodConfig,
  o: {
    batchSize: number;
    seqLen: number;
    dtype: Dtype;
    gradientCheckpointing: boolean;
    kernels: Kernels;
    adamw: boolean;
  },
): StepMemory {
  const shape = stepShape(method, o.batchSize, o.seqLen);
  const tape = stepTape(model, s, method, shape, {
    dtype: o.dtype,
    checkpointing: o.gradientCheckpointing,
    kernels: o.kernels,
  });
  const step = walkStep(tape);
  const saved = step.saved;
  const optimizer = o.adamw && o.kernels !== "native" ? adamwWithOps(tape) : null;
  const peak = optimizer && optimizer.elements > step.peak.elements ? optimizer : step.peak;
  const kept = savedByOp(tape);
  const typical = s.layers > 1 ? 1 : 0;
  const bytes = (n: number) => n * ACTIVATION_BYTES;
  const pick = (keep: (key: string, layer: number | null) => boolean) => {
    const out: Record<string, number> = {};
    for (const [k, n] of kept) {
      const [key, layer] = JSON.parse(k) as [string, number | null];
      if (keep(key, layer)) out[key] = (out[key] ?? 0) + bytes(n);
    }
    return out;
  };
  const activationElements = peak.elements - peak.weightGradients;
  const backward = peak.at.startsWith("backward");
  const forward = peak.at.startsWith("forward");
  const backwardGradients = backward ? activationElements - saved - peak.working : 0;
  const forwardOutputs = forward ? activationElements - saved - peak.working : 0;
  const checkpoint = pick((key) => key === "checkpoint");
  return {
    activations: bytes(activationElements),
    gradients: bytes(peak.weightGradients),
    detail: {
      checkpointed: o.gradientCheckpointing,
      peakAt: peak.at,
      perLayer: pick(
        (key, layer) => layer === typical && !METHOD_LAYER_KEYS.has(key) && key !== "checkpoint",
      ),
      methodLayers: pick((key, layer) => layer !== null && METHOD_LAYER_KEYS.has(key)),
      head: pick((key, layer) => layer === null && HEAD_KEYS.has(key)),
      global: pick((key, layer) => layer === null && !HEAD_KEYS.has(key)),
      layerInputs: checkpoint.checkpoint ?? 0,
      saved: bytes(saved),
      backwardGradients: bytes(backwardGradients),
      forwardOutputs: bytes(forwardOutputs),
      working: bytes(peak.working),
    },
  };
}

/**
 * AdamW with tfjs ops (optim.ts off the native backend): after the backward pass only the weights'
 * gradients are left, and one parameter's update holds 13 tensors of its size in its tf.tidy (the
 * clipped gradient; m's two products; v's square and two products; m̂, v̂, √, +eps, the ratio; the decay;
 * the step and the new weight).
 */
function adamwWithOps(tape: Tape): Moment {
  const sizes = [...tape.weights].filter(([, trainable]) => trainable).map(([name]) => tape.size(name));
  const grads = sum(sizes);
  const working = 13 * Math.max(0, ...sizes);
  return { elements: grads + working, weightGradients: grads, working, at: "optimizer: AdamW" };
}

/**
 * Kept elements by [op key, layer] (JSON): each buffer under the op that made it; where clones copy, each
 * copy under the op that saved it.
 */
function savedByOp(tape: Tape): Map<string, number> {
  const out = new Map<string, number>();
  const put = (k: string, n: number) => out.set(k, (out.get(k) ?? 0) + n);
  if (tape.copiesOnSave) {
    for (const op of tape.ops)
      for (const n of op.saves ?? []) put(JSON.stringify([op.key, op.layer]), tape.size(n));
    return out;
  }
  const maker = new Map<string, string>();
  for (const op of tape.ops) {
    const k = JSON.stringify([op.key, op.layer]);
    for (const name of [op.output, ...Object.keys(op.keeps ?? {})]) maker.set(name, k);
  }
  for (const name of tape.savedTensors()) put(maker.get(name)!, tape.size(name));
  return out;
}
