import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { useCpu, useWasm } from "../backend.js";
import { DYNAMIC_CODES, NF4_CODES, NF4_THRESHOLDS } from "./codes.js";
import { dequantizeAbsmax, dequantizeNf4, disposeNf4, quantizeNf4 } from "./nf4.js";
import { referenceNf4 } from "./nf4-reference.js";
import { unpackFieldsJs } from "./pack.js";

/** Seeded standard normals (xorshift + Box–Muller), rounded to float32 like real weights. */
function normals(n: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0;
  const uniform = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return ((s >>> 0) + 0.5) / 2 ** 32;
  };
  return Float32Array.from(
    { length: n },
    () => scale * Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform()),
  );
}

describe("NF4 code books", () => {
  it("has bitsandbytes' 16 NF4 values, sorted, from −1 to 1 with an exact 0", () => {
    assert.equal(NF4_CODES.length, 16);
    assert.equal(NF4_CODES[0], -1);
    assert.equal(NF4_CODES[7], 0);
    assert.equal(NF4_CODES[15], 1);
    assert.equal(NF4_CODES[8], Math.fround(0.07958029955625534));
    // bitsandbytes' decision tree compares against this literal between codes 14 and 15.
    assert.equal(NF4_THRESHOLDS[14], Math.fround(0.8614784181118011));
  });

  it("has bitsandbytes' signed dynamic 8-bit map: 256 sorted values, 127 negative, 0 and 1", () => {
    assert.equal(DYNAMIC_CODES.length, 256);
    assert.ok(DYNAMIC_CODES.every((v, i) => i === 0 || v > DYNAMIC_CODES[i - 1]!));
    assert.equal(DYNAMIC_CODES.filter((v) => v < 0).length, 127);
    assert.equal(DYNAMIC_CODES[0], Math.fround(-0.99296875));
    assert.equal(DYNAMIC_CODES[254], Math.fround(0.99296875));
    assert.equal(DYNAMIC_CODES[255], 1);
    assert.equal(DYNAMIC_CODES[127], 0);
    // Smallest magnitude: exponent 10^−6 times the mean of linspace(0.1, 1, 2), ≈ 0.55e-6 in float32
    // arithmetic (one ulp above float32(0.55e-6); bnb-reference.test.ts checks every bit).
    assert.ok(Math.abs(DYNAMIC_CODES[128]! - 0.55e-6) < 1e-12);
  });
});

describe("NF4 quantisation", () => {
  it("maps each code value to its own index and a value exactly on a midpoint to the lower code", async () => {
    await useCpu();
    const absmax = 2; // 1/absmax and x·(1/absmax) are exact, so x lands exactly on the thresholds
    const values = new Float32Array(64);
    for (let i = 0; i < 16; i++) values[i] = absmax * NF4_CODES[i]!;
    for (let i = 0; i < 15; i++) values[16 + i] = absmax * NF4_THRESHOLDS[i]!;
    values[31] = -absmax;
    const m = quantizeNf4(values, [64], { doubleQuant: false });
    const codes = unpackFieldsJs(m.codes.dataSync() as Int32Array, 4, 64);
    assert.deepEqual([...codes.slice(0, 16)], [...Array(16).keys()]);
    assert.deepEqual([...codes.slice(16, 31)], [...Array(15).keys()]);
    const deq = dequantizeNf4(m);
    assert.deepEqual(Array.from(deq.dataSync()).slice(0, 16), Array.from(values.slice(0, 16)));
    tf.dispose(deq);
    disposeNf4(m);
  });

  it("dequantises an all-zero block to exact zeros", async () => {
    await useCpu();
    const m = quantizeNf4(new Float32Array(300), [3, 100], { doubleQuant: true });
    const deq = dequantizeNf4(m);
    assert.deepEqual(deq.shape, [3, 100]);
    assert.ok(Array.from(deq.dataSync()).every((v) => v === 0));
    tf.dispose(deq);
    disposeNf4(m);
  });

  for (const [backend, path] of [
    ["cpu", "ops"],
    ["wasm", "ops"],
    ["wasm", "host"],
  ] as const) {
    for (const doubleQuant of [true, false]) {
      it(`matches the float64 reference on '${backend}', ${path} path (double quant ${doubleQuant}, partial blocks)`, async () => {
        await (backend === "cpu" ? useCpu() : useWasm());
        // 97·201 = 19,497 weights: 305 blocks of 64 (last one partial), 2 groups of 256 (last partial).
        const shape = [97, 201];
        const values = normals(97 * 201, 7, 0.02);
        values[5000] = 0.5; // one outlier block, as real weights have
        const ref = referenceNf4(values, doubleQuant);
        const before = tf.memory().numTensors;
        const m = quantizeNf4(values, shape, { doubleQuant });
        const codes = unpackFieldsJs(m.codes.dataSync() as Int32Array, 4, values.length);
        const absmaxT = dequantizeAbsmax(m);
        const absmax = absmaxT.dataSync();
        const deqT = dequantizeNf4(m, path);
        const deq = deqT.dataSync();
        assert.deepEqual(deqT.shape, shape);

        const mismatched = codes.filter((c, i) => c !== ref.codes[i]).length;
        assert.ok(mismatched <= 2, `${mismatched} codes differ from the reference (float32 ties only)`);
        const maxAbsmax = Math.max(...ref.absmax);
        const trueAbsmax = Array.from(ref.absmax, (_, b) =>
          Math.max(...Array.from(values.slice(b * 64, (b + 1) * 64), Math.abs)),
        );
        for (let b = 0; b < ref.absmax.length; b++) {
          assert.ok(Math.abs(absmax[b]! - ref.absmax[b]!) <= 1e-6 * maxAbsmax, `absmax of block ${b}`);
        }
        let errRef = 0;
        let errOurs = 0;
        for (let i = 0; i < values.length; i++) {
          if (codes[i] === ref.codes[i]) {
            assert.ok(Math.abs(deq[i]! - ref.dequantized[i]!) <= 2e-6 * maxAbsmax, `value ${i}`);
          }
          const b = Math.floor(i / 64);
          // Largest NF4 half-gap is (−0.6961928 + 1)/2 ≈ 0.1519 of the block's absmax, plus what the
          // 8-bit code of the absmax itself is off by.
          const bound = 0.152 * trueAbsmax[b]! + Math.abs(trueAbsmax[b]! - ref.absmax[b]!) + 1e-6 * maxAbsmax;
          assert.ok(Math.abs(deq[i]! - values[i]!) <= bound, `error at ${i}`);
          errRef += (ref.dequantized[i]! - values[i]!) ** 2;
          errOurs += (deq[i]! - values[i]!) ** 2;
        }
        assert.ok(Math.abs(errOurs / errRef - 1) < 1e-3, `squared error ${errOurs} vs reference ${errRef}`);
        tf.dispose([deqT, absmaxT]);
        disposeNf4(m);
        assert.equal(tf.memory().numTensors, before);
      });
    }
  }

  for (const backend of ["cpu", "wasm"] as const) {
    it(`dequantises bit-identically on the host and with tfjs ops on '${backend}'`, async () => {
      await (backend === "cpu" ? useCpu() : useWasm());
      for (const doubleQuant of [true, false]) {
        const m = quantizeNf4(normals(300 * 70, 11, 0.05), [300, 70], { doubleQuant });
        const [host, ops] = [dequantizeNf4(m, "host"), dequantizeNf4(m, "ops")];
        assert.deepEqual(host.dataSync(), ops.dataSync());
        tf.dispose([host, ops]);
        disposeNf4(m);
      }
    });

    it(`stores ≈ 4.127 bits per weight with double quantisation, 4.5 without, as tf.memory() counts on '${backend}'`, async () => {
      await (backend === "cpu" ? useCpu() : useWasm());
      const shape = [256, 1024];
      const n = 256 * 1024;
      const values = normals(n, 3);
      for (const [doubleQuant, expected] of [
        [true, 4 + 8 / 64 + 32 / (64 * 256)],
        [false, 4.5],
      ] as const) {
        const before = tf.memory().numBytes;
        const m = quantizeNf4(values, shape, { doubleQuant });
        const bits = ((tf.memory().numBytes - before) * 8) / n;
        // + one float32 offset per matrix with double quantisation.
        assert.equal(bits, expected + (doubleQuant ? 32 / n : 0));
        disposeNf4(m);
      }
    });
  }
});
