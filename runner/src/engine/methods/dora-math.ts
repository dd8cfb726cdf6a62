import * as tf from "@tensorflow/tfjs";
import { detached } from "../detach.js";

/**
 * DoRA (PEFT `tuners/lora/dora.py`): the weight is split into a learned magnitude m [out] and the
 * direction of W + s·B·A. The norm ‖W + s·B·A‖ is taken per output row (dim 1 of the [out, in]
 * weight) and detached, as the DoRA paper (section 4.3) and PEFT do, so no gradient flows through it.
 */

/**
 * ‖W + s·B·A‖ per output row, [out], detached. W [out, in], A [r, in], B [out, r]. `weight` is read
 * inside the detached op, so a compactly stored W is dequantised there and freed when the norm is done.
 */
export function doraWeightNorm(
  weight: () => tf.Tensor2D,
  a: tf.Tensor2D,
  b: tf.Tensor2D,
  scaling: number,
): tf.Tensor1D {
  return detached(
    (aa, bb) => tf.norm(tf.add(weight(), tf.mul(tf.matMul(bb!, aa!), scaling)), "euclidean", 1),
    [a, b],
  ) as tf.Tensor1D;
}

/** PEFT's initial magnitude: the row norms of W (B is zero at init, so W + s·B·A = W). [out]. */
export function doraInitialMagnitude(weight: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.norm(weight, "euclidean", 1) as tf.Tensor1D);
}

/**
 * The DoRA term added to the base output, exactly PEFT's DoraLinearLayer.forward:
 *   scale = m / ‖W + s·B·A‖ (detached)
 *   result = (scale − 1) · base(x) + scale · s · B(A(x))
 * `baseOut` is x·Wᵀ without bias [..., out]; `loraOut` is B(A(dropout(x))) [..., out]. The caller adds
 * the result to the base layer's output (with bias).
 */
export function doraDelta(
  baseOut: tf.Tensor,
  loraOut: tf.Tensor,
  magnitude: tf.Tensor1D,
  weightNorm: tf.Tensor1D,
  scaling: number,
): tf.Tensor {
  return tf.tidy(() => {
    const scale = tf.div(magnitude, weightNorm); // [out], broadcast over the last axis
    return tf.add(tf.mul(tf.sub(scale, 1), baseOut), tf.mul(tf.mul(scale, scaling), loraOut));
  });
}
