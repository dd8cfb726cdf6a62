import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { useCpu } from "../backend.js";
import { checkGradients, randn } from "./peft-test-kit.js";
import { encodePrefix, type PrefixShape, prefixKeyValues } from "./prefix-math.js";

const shape: PrefixShape = { tokens: 3, layers: 2, kvHeads: 2, headDim: 4 };
const width = 2 * shape.layers * shape.kvHeads * shape.headDim; // 2·L·t = 32

describe("prefix tuning math", () => {
  it("lays out [layer 0 key | layer 0 value | layer 1 key | …] per virtual token, as PEFT's view/permute", async () => {
    await useCpu();
    const encoded = tf.tensor2d(
      Float32Array.from({ length: 3 * width }, (_, i) => i),
      [3, width],
    );
    const kv = prefixKeyValues(encoded, shape, 2);
    assert.equal(kv.length, 2);
    for (let l = 0; l < 2; l++) {
      for (const [which, offset] of [
        ["key", 0],
        ["value", 1],
      ] as const) {
        const t = kv[l]![which];
        assert.deepEqual(t.shape, [2, 2, 3, 4]); // [B, heads, n, hd]
        const data = t.arraySync() as number[][][][];
        for (let b = 0; b < 2; b++)
          for (let h = 0; h < 2; h++)
            for (let n = 0; n < 3; n++)
              for (let d = 0; d < 4; d++) {
                // (B, n, 2L, heads, hd) index → flat position in the encoder row.
                const expected = n * width + (2 * l + offset) * 8 + h * 4 + d;
                assert.equal(data[b]![h]![n]![d], expected);
              }
      }
    }
  });

  it("reparameterises through Linear → tanh → Linear with finite-difference gradients", async () => {
    await useCpu();
    const t = shape.kvHeads * shape.headDim;
    const h = 5;
    const inputs = [
      randn([3, t], 1),
      randn([h, t], 2, 0.3),
      randn([h], 3, 0.1),
      randn([width, h], 4, 0.3),
      randn([width], 5, 0.1),
    ];
    const loss = (e: tf.Tensor, w1: tf.Tensor, b1: tf.Tensor, w2: tf.Tensor, b2: tf.Tensor) => {
      const out = encodePrefix({
        embedding: e as tf.Tensor2D,
        projection: {
          w1: w1 as tf.Tensor2D,
          b1: b1 as tf.Tensor1D,
          w2: w2 as tf.Tensor2D,
          b2: b2 as tf.Tensor1D,
        },
      });
      assert.deepEqual(out.shape, [3, width]);
      return tf.sum(tf.sin(out)) as tf.Scalar;
    };
    checkGradients(loss, inputs);
  });
});
