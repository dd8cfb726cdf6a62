import type * as tf from "@tensorflow/tfjs";
import { attention } from "./attention.js";
import { crossEntropy, nextTokenTargets } from "./cross-entropy.js";
import { heads } from "./heads.js";
import { residual } from "./residual.js";
import { rmsNorm } from "./rms-norm.js";
import { rope } from "./rope.js";
import { swiglu } from "./swiglu.js";

/**
 * The layer ops the Llama forward pass (model.ts) is written in. FUSED_OPS is what it runs: each op one
 * tf.customGrad node that keeps only what its backward needs (README.md lists what each saves).
 * REFERENCE_OPS (reference.ts) is the same math as plain tfjs op compositions, which tests and
 * benchmarks run through `withLayerOps` to compare values, gradients and memory.
 */
export interface LayerOps {
  /** x [..., d], weight [d] → [..., d]. */
  rmsNorm(x: tf.Tensor, weight: tf.Tensor, eps: number): tf.Tensor;
  /** A linear's output [B·T, n·hd] → heads [B, n, T, hd]. */
  heads(x: tf.Tensor2D, t: number, hd: number): tf.Tensor4D;
  /** A linear's output [B·T, n·hd] → heads [B, n, T, hd], rotated by cos/sin [T, hd]. */
  rope(x: tf.Tensor2D, cos: tf.Tensor2D, sin: tf.Tensor2D): tf.Tensor4D;
  /** q [B, H, T, hd], k/v [B, G, S, hd], bias [B, 1, T, S] → rows [B·T, H·hd]. */
  attention(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, bias: tf.Tensor4D): tf.Tensor2D;
  /** x + y, one shape (the residual connections). */
  residual(x: tf.Tensor, y: tf.Tensor): tf.Tensor;
  /** SiLU(gate) · up, [N, I] each. */
  swiglu(gate: tf.Tensor2D, up: tf.Tensor2D): tf.Tensor2D;
  /** logits [B, T, V] at position i predict labels[i + 1]; −100 ignored; mean over kept tokens. */
  causalLmLoss(logits: tf.Tensor3D, labels: number[][]): tf.Scalar;
}

export const FUSED_OPS: LayerOps = {
  rmsNorm,
  heads,
  rope,
  attention,
  residual,
  swiglu,
  causalLmLoss: (logits, labels) => crossEntropy(logits, nextTokenTargets(labels, logits.shape[1])),
};

let active: LayerOps = FUSED_OPS;

export function layerOps(): LayerOps {
  return active;
}

/** Runs `fn` (forward and backward, e.g. a whole tf.variableGrads) with other layer ops. */
export function withLayerOps<T>(ops: LayerOps, fn: () => T): T {
  const before = active;
  active = ops;
  try {
    return fn();
  } finally {
    active = before;
  }
}
