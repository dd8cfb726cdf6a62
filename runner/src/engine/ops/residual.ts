import * as tf from "@tensorflow/tfjs";
import { fused } from "./fused.js";

/**
 * x + y for two tensors of one shape (a residual connection). tf.add keeps both inputs for its
 * gradient (to undo broadcasting); with equal shapes the gradient is dy for each, so nothing is saved.
 */
export function residual(x: tf.Tensor, y: tf.Tensor): tf.Tensor {
  if (x.shape.join() !== y.shape.join()) throw new RangeError(`residual of [${x.shape}] and [${y.shape}]`);
  return fused([x, y], (_save, a, b) => ({
    value: tf.add(a!, b!),
    // clones (no copy) rather than dy itself: the tape disposes a gradient it accumulates into
    gradFunc: (dy) => [dy.clone(), dy.clone()],
  }));
}
