import * as tf from "@tensorflow/tfjs";

/**
 * Computes `fn(...inputs)` as a constant of the backward pass (PyTorch's `.detach()` / `torch.no_grad()`):
 * the computation runs with tfjs' tape off, so none of its intermediates is kept for backpropagation, and
 * the result passes zero gradient to `inputs`. Used for DoRA's weight norm, whose intermediates (and
 * dequantised weight, for compact storage) would otherwise sit on the tape until the backward pass.
 */
export function detached(fn: (...inputs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[] = []): tf.Tensor {
  const op = tf.customGrad((...args: unknown[]) => {
    const xs = args.slice(0, inputs.length) as tf.Tensor[];
    return {
      value: fn(...xs),
      gradFunc: () => xs.map((x) => tf.zerosLike(x)),
    };
  });
  return op(...inputs);
}
