import * as tf from "@tensorflow/tfjs";
import { activeNativeAddon, nativeValues } from "../native/backend.js";
import { outputBuffers } from "../native/buffer-pool.js";
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
    const y = compactMatmul(xs, w, false) ?? tf.matMul(xs, w.dequantize(), false, true); // [N, out]
    return {
      value: b ? tf.add(y, b) : y,
      // tfjs runs a custom gradient in the scope of the whole backward pass: without this tidy every
      // layer's second float32 W would stay alive until the last gradient is computed.
      gradFunc: (dy: tf.Tensor | tf.Tensor[]) =>
        tf.tidy(() => {
          const g = dy as tf.Tensor2D; // [N, out]
          const dx = compactMatmul(g, w, true) ?? tf.matMul(g, w.dequantize()); // [N, in]
          return b ? [dx, tf.sum(g, 0)] : [dx];
        }),
    };
  });
  return op(...inputs) as tf.Tensor2D;
}

/**
 * On the native backend: x·Wᵀ (forward) or dy·W (backward) with W decoded a block of rows at a time
 * inside the kernel, so no float32 copy of the whole matrix is ever made. null elsewhere.
 */
function compactMatmul(x: tf.Tensor2D, w: CompactWeight, backward: boolean): tf.Tensor2D | null {
  const addon = activeNativeAddon();
  if (!addon || !w.layout || x.dtype !== "float32") return null;
  const [rows, cols] = w.shape;
  const n = x.shape[0];
  const out = outputBuffers.take(n * (backward ? cols : rows));
  addon.compactMatmul(w.layout(), nativeValues(x), n, out, backward);
  return tf.tensor2d(out, [n, backward ? cols : rows]);
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
