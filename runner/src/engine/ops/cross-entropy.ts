import * as tf from "@tensorflow/tfjs";
import { ROW_LOG_SUM_EXP, SOFTMAX_XENT_GRAD } from "../native/kernels.js";
import { fused } from "./fused.js";

/** Whether the active backend has a one-pass kernel for a step of this op (the native backend does). */
const hasKernel = (name: string) => tf.getKernel(name, tf.getBackend()) !== undefined;

/** The label that contributes nothing to the loss (PyTorch's and HF's ignore_index). */
export const IGNORE = -100;

/**
 * Mean cross-entropy over the rows whose target is not IGNORE, as torch's F.cross_entropy
 * (ignore_index −100, reduction "mean"): logits [..., V], one target per row.
 *
 * The loss is Σ (lse − logit[target]) / kept: one log-sum-exp per row and one gathered logit, never the
 * [N, V] log-probabilities. Saves the logits (already alive: the lm_head output) and lse [N]; the
 * backward is (softmax − onehot) · dy / kept on kept rows, with the one-hot applied as a scatter of K
 * values (one per kept row) rather than built as an [N, V] tensor.
 */
export function crossEntropy(logits: tf.Tensor, targets: Int32Array): tf.Scalar {
  const kept = keptRows(targets, logits.shape[logits.rank - 1]!);
  return fused([logits], (save, x) => {
    const { loss, lse } = crossEntropyForward(x!, kept);
    save([x!, lse]);
    return {
      value: loss,
      gradFunc: (dy, [sx, sl]) => [crossEntropyBackward(dy, sx!, sl as tf.Tensor1D, kept)],
    };
  });
}

/** The rows that count, on the host (tensors made from it live inside the forward or the backward). */
export interface KeptRows {
  /** [row, target] per kept row, for gatherND and the scatter: [K·2]. */
  pairs: Int32Array;
  /** The kept rows' indices: [K]. */
  rows: Int32Array;
  /** 1 on kept rows, 0 on ignored ones: [N]. */
  mask: Float32Array;
  /** Each row's target, IGNORE on ignored rows: [N]. */
  targets: Int32Array;
}

export function keptRows(targets: Int32Array, vocab: number): KeptRows {
  const rows = Int32Array.from(targets.keys()).filter((i) => targets[i] !== IGNORE);
  const pairs = new Int32Array(rows.length * 2);
  const mask = new Float32Array(targets.length);
  rows.forEach((row, i) => {
    const y = targets[row]!;
    if (y < 0 || y >= vocab)
      throw new RangeError(`target ${y} of row ${row} is outside the vocabulary [0, ${vocab})`);
    pairs[2 * i] = row;
    pairs[2 * i + 1] = y;
    mask[row] = 1;
  });
  return { pairs, rows, mask, targets };
}

export function crossEntropyForward(
  logits: tf.Tensor, // [..., V]
  kept: KeptRows,
): { loss: tf.Scalar; lse: tf.Tensor1D } {
  return tf.tidy(() => {
    const v = logits.shape[logits.rank - 1]!;
    const rows = tf.reshape(logits, [-1, v]); // [N, V]
    const lse = (
      hasKernel(ROW_LOG_SUM_EXP)
        ? tf.engine().runKernel(ROW_LOG_SUM_EXP, { x: rows })
        : tf.logSumExp(rows, -1)
    ) as tf.Tensor1D; // [N]
    const k = kept.rows.length;
    if (k === 0) return { loss: tf.scalar(0), lse };
    const picked = tf.gatherND(rows, tf.tensor2d(kept.pairs, [k, 2], "int32")); // [K]
    const keptLse = tf.gather(lse, tf.tensor1d(kept.rows, "int32")); // [K]
    return { loss: tf.div(tf.sum(tf.sub(keptLse, picked)), k) as tf.Scalar, lse };
  });
}

/** dL/dlogits = dy/K · (softmax − onehot) on kept rows, 0 on the others: [..., V]. */
export function crossEntropyBackward(
  dy: tf.Tensor, // []
  logits: tf.Tensor, // [..., V]
  lse: tf.Tensor1D, // [N]
  kept: KeptRows,
): tf.Tensor {
  return tf.tidy(() => {
    const v = logits.shape[logits.rank - 1]!;
    const k = kept.rows.length;
    if (k === 0) return tf.zerosLike(logits);
    const scale = tf.div(dy, k);
    if (hasKernel(SOFTMAX_XENT_GRAD)) {
      const inputs = {
        logits: tf.reshape(logits, [-1, v]),
        lse,
        scale: tf.mul(tf.tensor1d(kept.mask), scale),
        targets: tf.tensor1d(kept.targets, "int32"),
      };
      return tf.reshape(tf.engine().runKernel(SOFTMAX_XENT_GRAD, inputs) as tf.Tensor, logits.shape);
    }
    const shifted = tf.sub(tf.reshape(logits, [-1, v]), tf.expandDims(lse, 1));
    const probs = tf.exp(shifted); // [N, V]
    shifted.dispose();
    const rowScale = tf.expandDims(tf.mul(tf.tensor1d(kept.mask), scale), 1); // [N, 1]
    const weighted = tf.mul(probs, rowScale); // [N, V]
    probs.dispose();
    const index = tf.tensor2d(kept.pairs, [k, 2], "int32");
    const atTarget = tf.sub(tf.gatherND(weighted, index), scale); // [K]
    const grad = tf.tensorScatterUpdate(weighted, index, atTarget); // [N, V]
    weighted.dispose();
    return tf.reshape(grad, logits.shape);
  });
}

/**
 * Causal-LM targets for logits [B, T, V]: row (b, i) predicts labels[b][i + 1]; the last position of
 * each row predicts nothing. [B·T].
 */
export function nextTokenTargets(labels: number[][], t: number): Int32Array {
  const out = new Int32Array(labels.length * t).fill(IGNORE);
  labels.forEach((row, b) => {
    for (let i = 0; i + 1 < t; i++) out[b * t + i] = row[i + 1] ?? IGNORE;
  });
  return out;
}
