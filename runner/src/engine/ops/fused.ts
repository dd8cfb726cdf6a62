import * as tf from "@tensorflow/tfjs";

/** What a fused op's forward returns: its output and how to turn dy into one gradient per input. */
export interface Fused<T extends tf.Tensor> {
  value: T;
  /** `saved` holds what the forward passed to `save`, in that order. */
  gradFunc: (dy: T, saved: tf.Tensor[]) => tf.Tensor[];
}

/**
 * tf.customGrad over `inputs`: the tape records one node that keeps only what `forward` saves, and the
 * forward's intermediates are freed when it returns. tfjs calls a custom gradient in the backward
 * pass's own scope, which keeps every tensor until the last gradient is computed, so the gradient runs
 * in a tf.tidy here: only the input gradients outlive it.
 */
export function fused<T extends tf.Tensor>(
  inputs: tf.Tensor[],
  forward: (save: tf.GradSaveFunc, ...xs: tf.Tensor[]) => Fused<T>,
): T {
  const op = tf.customGrad((...args: unknown[]) => {
    const xs = args.slice(0, inputs.length) as tf.Tensor[];
    const { value, gradFunc } = forward(args[inputs.length] as tf.GradSaveFunc, ...xs);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.tidy(() => gradFunc(dy as T, saved)),
    };
  });
  return op(...inputs) as T;
}
