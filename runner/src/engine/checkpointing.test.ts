import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { useCpu, useWasm } from "./backend.js";
import { checkpoint } from "./checkpointing.js";

/** A residual SwiGLU-style block with a frozen weight, two trainable ones and a forward-time constant. */
function makeBlock(frozen: tf.Tensor2D) {
  return (x: tf.Tensor, a: tf.Tensor, b: tf.Tensor, mask: tf.Tensor): tf.Tensor => {
    const h = tf.matMul(x.reshape([-1, 32]), frozen).reshape(x.shape.slice(0, -1).concat([128]));
    const gated = tf.mul(tf.sigmoid(h), tf.matMul(x.reshape([-1, 32]), a).reshape(h.shape));
    const out = tf.matMul(gated.reshape([-1, 128]), b).reshape(x.shape);
    return tf.add(x, tf.mul(out, mask));
  };
}

function lossOf(x: tf.Tensor, a: tf.Variable, b: tf.Variable, frozen: tf.Tensor2D, withCheckpoint: boolean) {
  const block = makeBlock(frozen);
  return () => {
    const mask = tf.ones([x.shape[0]!, x.shape[1]!, 1]); // created in the forward, as a real mask is
    let h = x;
    for (let layer = 0; layer < 4; layer++) {
      h = withCheckpoint
        ? checkpoint((y, p, q, m) => block(y, p, q, m!), [h, a, b], [mask])
        : block(h, a, b, mask);
    }
    return tf.mean(tf.square(h)) as tf.Scalar;
  };
}

describe("gradient checkpointing", () => {
  for (const backend of ["cpu", "wasm"] as const) {
    it(`gives the same loss and gradients as no checkpointing, with a lower peak, on '${backend}'`, async () => {
      await (backend === "cpu" ? useCpu() : useWasm());
      const frozen = tf.randomNormal([32, 128], 0, 0.1, "float32", 1) as tf.Tensor2D;
      const a = tf.variable(tf.randomNormal([32, 128], 0, 0.1, "float32", 2));
      const b = tf.variable(tf.randomNormal([128, 32], 0, 0.1, "float32", 3));
      const x = tf.randomNormal([4, 64, 32], 0, 1, "float32", 4);
      const before = tf.memory().numTensors;
      const results = [];
      for (const withCheckpoint of [false, true]) {
        let out: { value: tf.Scalar; grads: Record<string, tf.Tensor> } | undefined;
        const profile = await tf.profile(() => {
          out = tf.variableGrads(lossOf(x, a, b, frozen, withCheckpoint), [a, b]);
        });
        results.push({
          loss: out!.value.dataSync()[0]!,
          ga: out!.grads[a.name]!.dataSync(),
          gb: out!.grads[b.name]!.dataSync(),
          peak: profile.peakBytes,
        });
        tf.dispose([out!.value, ...Object.values(out!.grads)]);
      }
      assert.equal(tf.memory().numTensors, before, "no tensor leaks");
      const [plain, ckpt] = results as [(typeof results)[0], (typeof results)[0]];
      assert.equal(ckpt.loss, plain.loss);
      for (const [g, h] of [
        [ckpt.ga, plain.ga],
        [ckpt.gb, plain.gb],
      ] as const) {
        const scale = Math.max(...Array.from(h, Math.abs));
        for (let i = 0; i < g.length; i++) assert.ok(Math.abs(g[i]! - h[i]!) <= 1e-5 * scale, `grad ${i}`);
      }
      assert.ok(ckpt.peak < 0.7 * plain.peak, `peak ${ckpt.peak} with vs ${plain.peak} without`);
      tf.dispose([frozen, a, b, x]);
    });
  }

  it("passes the gradient of the block input through to earlier computation", async () => {
    await useCpu();
    const w = tf.variable(tf.randomNormal([3, 3], 0, 1, "float32", 5));
    const x = tf.randomNormal([2, 3], 0, 1, "float32", 6);
    const block = (h: tf.Tensor, v: tf.Tensor) => tf.tanh(tf.matMul(h, v));
    const f = (useCkpt: boolean) => () => {
      const h = tf.matMul(x, w); // w before the block: needs dL/dh from the checkpointed block
      const y = useCkpt ? checkpoint(block, [h, w]) : block(h, w);
      return tf.sum(tf.square(y)) as tf.Scalar;
    };
    const plain = tf.variableGrads(f(false), [w]);
    const ckpt = tf.variableGrads(f(true), [w]);
    const p = plain.grads[w.name]!.dataSync();
    const c = ckpt.grads[w.name]!.dataSync();
    for (let i = 0; i < p.length; i++) assert.ok(Math.abs(p[i]! - c[i]!) < 1e-5);
    tf.dispose([w, x, plain.value, ckpt.value, ...Object.values(plain.grads), ...Object.values(ckpt.grads)]);
  });
});
