import * as tf from "@tensorflow/tfjs";
import { fused } from "./fused.js";

/** The Llama MLP's gating: SiLU(gate) · up. Saves gate and up; σ(gate) is recomputed in the backward. */
export function swiglu(gate: tf.Tensor2D, up: tf.Tensor2D): tf.Tensor2D {
  return fused([gate, up], (save, g, u) => {
    save([g!, u!]);
    return {
      value: swigluForward(g as tf.Tensor2D, u as tf.Tensor2D),
      gradFunc: (dy, [sg, su]) => {
        const { dgate, dup } = swigluBackward(dy, sg as tf.Tensor2D, su as tf.Tensor2D);
        return [dgate, dup];
      },
    };
  });
}

export function swigluForward(
  gate: tf.Tensor2D, // [N, I]
  up: tf.Tensor2D, // [N, I]
): tf.Tensor2D {
  return tf.tidy(() => tf.mul(tf.mul(gate, tf.sigmoid(gate)), up));
}

/** With s = σ(gate): d up = dy · gate · s; d gate = dy · up · s · (1 + gate · (1 − s)). */
export function swigluBackward(
  dy: tf.Tensor2D, // [N, I]
  gate: tf.Tensor2D, // [N, I]
  up: tf.Tensor2D, // [N, I]
): { dgate: tf.Tensor2D; dup: tf.Tensor2D } {
  return tf.tidy(() => {
    const s = tf.sigmoid(gate);
    const silu = tf.mul(gate, s);
    const dup = tf.mul(dy, silu) as tf.Tensor2D;
    const dsilu = tf.add(s, tf.mul(silu, tf.sub(1, s))); // s · (1 + gate · (1 − s))
    const dgate = tf.mul(tf.mul(dy, up), dsilu) as tf.Tensor2D;
    return { dgate, dup };
  });
}
