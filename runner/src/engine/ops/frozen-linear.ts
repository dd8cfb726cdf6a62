import * as tf from "@tensorflow/tfjs";
import type { CompactWeight, FrozenLinear } from "../peft-hooks.js";

/**
 * y = x·Wᵀ (+ b) for a frozen W in compact storage, as one tape node that saves nothing: W is
 * dequantised inside the forward and freed with its matmul, and dequantised again in the backward for
 * dx = dy·W. W gets no gradient, so neither x nor a float32 W has to wait for the backward pass (what
 * bitsandbytes' MatMul4Bit does; a plain matMul would keep the dequantised W on the tape). The bias may
 * train (LoRA's bias "all"): db = Σ over rows of dy.
 */
export function frozenLinear(x: tf.Tensor2D, w: CompactWeight, bias?: tf.Tensor1D): tf.Tensor2D {
  const inputs = bias ? [x, bias] : [x];
  const op = tf.customGrad((...args: unknown[]) => {
    const [xs, b] = args.slice(0, inputs.length) as [tf.Tensor2D, tf.Tensor1D?];
    const y = tf.matMul(xs, w.dequantize(), false, true); // [N, out]
    return {
      value: b ? tf.add(y, b) : y,
      // tfjs runs a custom gradient in the scope of the whole backward pass: without this tidy every
      // layer's second float32 W would stay alive until the last gradient is computed.
      gradFunc: (dy: tf.Tensor | tf.Tensor[]) =>
        tf.tidy(() => {
          const g = dy as tf.Tensor2D; // [N, out]
          const dx = tf.matMul(g, w.dequantize()); // [N, in]
          return b ? [dx, tf.sum(g, 0)] : [dx];
        }),
    };
  });
  return op(...inputs) as tf.Tensor2D;
}

/**
 * The frozen linear of a float weight (a plain matMul: the tape keeps the weight, which lives anyway) or
 * of a compact one (the op above).
 */
export function frozenLinearOf(w: tf.Tensor2D | CompactWeight, bias?: tf.Tensor1D): FrozenLinear {
  const withBias = (y: tf.Tensor2D) => (bias ? (tf.add(y, bias) as tf.Tensor2D) : y);
  if (w instanceof tf.Tensor) {
    const matmul = (x: tf.Tensor2D): tf.Tensor2D => tf.matMul(x, w, false, true);
    return { forward: (x) => withBias(matmul(x)), matmul, weight: () => w };
  }
  return {
    forward: (x) => frozenLinear(x, w, bias),
    matmul: (x) => frozenLinear(x, w),
    weight: () => w.dequantize(),
  };
}
