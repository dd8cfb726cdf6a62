import assert from "node:assert/strict";
import { test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { useCpu } from "../backend.js";
import { halfWeight, nf4Weight } from "../methods/frozen-storage.js";
import { activeNativeAddon } from "./backend.js";
import { packHalf, unpackHalf } from "../quant/half.js";
import { dequantizeNf4, nf4Tensors, quantizeNf4 } from "../quant/nf4.js";
import { useNativeOrSkip } from "./test-kit.js";

/** The addon's dequantisation kernels give the JS host path's float32 values bit for bit. */

function randomWeights(n: number): Float32Array {
  let s = 11;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return (s / 2 ** 31 - 0.5) * 0.1;
  });
}

function expand(run: () => tf.Tensor): Uint32Array {
  const t = run();
  const bits = new Uint32Array(Float32Array.from(t.dataSync()).buffer);
  t.dispose();
  return bits;
}

test("native NF4 and 16-bit dequantisation equal the JS host path bit for bit", async (t) => {
  if (!(await useNativeOrSkip(t))) return;
  const shape = [37, 129]; // odd: a partial NF4 block, a partial code word and an odd 16-bit tail
  const values = randomWeights(37 * 129);
  const cases: [string, () => tf.Tensor][] = [];
  const stored: tf.Tensor[] = [];
  for (const doubleQuant of [false, true]) {
    const m = quantizeNf4(values, shape, { doubleQuant });
    stored.push(...nf4Tensors(m));
    cases.push([`nf4 doubleQuant=${doubleQuant}`, () => dequantizeNf4(m, "host")]);
  }
  for (const format of ["bfloat16", "float16"] as const) {
    const m = packHalf(values, shape, format);
    stored.push(m.words);
    cases.push([format, () => unpackHalf(m, "host")]);
  }
  const native = cases.map(([, run]) => expand(run));
  await useCpu();
  for (const [i, [name, run]] of cases.entries()) {
    const reference = expand(run);
    assert.deepEqual(native[i], reference, name);
  }
  tf.dispose(stored);
});

test("native NF4 quantisation gives the JS path's codes and absmax bit for bit (zero blocks, odd tails)", async (t) => {
  if (!(await useNativeOrSkip(t))) return;
  const values = randomWeights(64 * 37 + 13);
  values.fill(0, 128, 192); // a block of zeros
  values[5] = 0.2; // the block's own absmax: a code of exactly ±1
  const quantize = () => {
    const m = quantizeNf4(values, [values.length], { doubleQuant: true });
    const out = nf4Tensors(m).map((x) => Array.from(x.dataSync()));
    tf.dispose(nf4Tensors(m));
    return out;
  };
  const native = quantize();
  await useCpu();
  assert.deepEqual(native, quantize());
});

test("compact matmul (W decoded a block of rows at a time) equals matMul with the unpacked W", async (t) => {
  if (!(await useNativeOrSkip(t))) return;
  // 1,100 rows: blocks of 512, the last partial; n 3 takes the few-rows path, n 20 the blocked BLAS one
  const [rows, cols] = [1100, 1030];
  const values = randomWeights(rows * cols);
  const weights = [
    nf4Weight(quantizeNf4(values, [rows, cols], { doubleQuant: true })),
    halfWeight(packHalf(values, [rows, cols], "bfloat16")),
  ];
  const addon = activeNativeAddon()!;
  for (const [w, n] of weights.flatMap((w) => [3, 20].map((n) => [w, n] as const))) {
    const layout = w.layout!();
    tf.tidy(() => {
      const x = tf.randomNormal([n, cols], 0, 1, "float32", 5);
      const dy = tf.randomNormal([n, rows], 0, 1, "float32", 6);
      const dense = w.dequantize();
      for (const [backward, input, want] of [
        [false, x, tf.matMul(x, dense, false, true)],
        [true, dy, tf.matMul(dy, dense)],
      ] as const) {
        const out = new Float32Array(want.size);
        addon.compactMatmul(layout, input.dataSync() as Float32Array, n, out, backward);
        const ref = want.dataSync();
        const scale = Math.max(...ref.map(Math.abs));
        const err = Math.max(...out.map((v, i) => Math.abs(v - ref[i]!)));
        assert.ok(
          err <= 1e-5 * scale,
          `${layout.bits}-bit n=${n} backward=${backward}: max error ${err} of ${scale}`,
        );
      }
    });
  }
  for (const w of weights) tf.dispose(w.tensors);
});
