import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import type { AdapterNonLinearity } from "@tunelab/core";
import { useCpu } from "../backend.js";
import { activate, bottleneck } from "./adapter-math.js";
import { checkGradients, randn } from "./peft-test-kit.js";

describe("bottleneck adapter math", () => {
  it("adds nothing with a zero up-projection", async () => {
    await useCpu();
    const h = randn([2, 3, 8], 1);
    const out = bottleneck(
      h,
      {
        downWeight: randn([2, 8], 2) as tf.Tensor2D,
        downBias: tf.zeros([2]),
        upWeight: tf.zeros([8, 2]),
        upBias: tf.zeros([8]),
      },
      "relu",
    );
    assert.ok(out.dataSync().every((v) => v === 0));
    assert.deepEqual(out.shape, h.shape);
  });

  it("matches the activations' definitions", async () => {
    await useCpu();
    const x = tf.tensor1d([-2, -0.5, 0, 0.7, 3]);
    const cases: [AdapterNonLinearity, (v: number) => number][] = [
      ["relu", (v) => Math.max(0, v)],
      ["swish", (v) => v / (1 + Math.exp(-v))],
      ["tanh", Math.tanh],
      // gelu(v) = v·Φ(v), with erf from its series.
      ["gelu", (v) => v * 0.5 * (1 + erf(v / Math.SQRT2))],
    ];
    for (const [kind, f] of cases) {
      const got = activate(x, kind).dataSync();
      x.dataSync().forEach((v, i) => {
        assert.ok(Math.abs(got[i]! - f(v)) < 2e-6, `${kind}(${v})`);
      });
    }
  });

  for (const kind of ["relu", "swish", "gelu", "tanh"] as const) {
    it(`has finite-difference gradients (${kind})`, async () => {
      await useCpu();
      const h = randn([4, 8], 1);
      const inputs = [
        randn([3, 8], 2, 0.5),
        randn([3], 3, 0.5),
        randn([8, 3], 4, 0.5),
        randn([8], 5, 0.1),
        h,
      ];
      const loss = (dw: tf.Tensor, db: tf.Tensor, uw: tf.Tensor, ub: tf.Tensor, x: tf.Tensor) =>
        tf.sum(
          tf.sin(
            bottleneck(
              x,
              {
                downWeight: dw as tf.Tensor2D,
                downBias: db as tf.Tensor1D,
                upWeight: uw as tf.Tensor2D,
                upBias: ub as tf.Tensor1D,
              },
              kind,
            ),
          ),
        ) as tf.Scalar;
      checkGradients(loss, inputs);
    });
  }
});

/** erf by its Maclaurin series: accurate to ~1e-12 for |x| < 3, independent of tf.erf. */
function erf(x: number): number {
  let term = x;
  let total = x;
  for (let n = 1; n < 60; n++) {
    term *= (-x * x) / n;
    total += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * total;
}
