import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { useCpu, useWasm } from "../backend.js";
import { type HalfFormat, halfBits, halfTable, packHalf, unpackHalf } from "./half.js";

const FORMATS: readonly HalfFormat[] = ["bfloat16", "float16"];

/** The format's grid: fraction bits, smallest normal exponent, largest finite value. */
const GRID = {
  bfloat16: { fraction: 7, minExponent: -126, maxFinite: (2 - 2 ** -7) * 2 ** 127 },
  float16: { fraction: 10, minExponent: -14, maxFinite: 65504 },
} as const;

/**
 * The reference rounding, in doubles and independent of half.ts: x / ulp is exact (x is a float32 and
 * ulp a power of two), rounded to the nearest integer with ties to even; past the largest finite value
 * (after rounding) it is infinity. Subnormals fall out of clamping the exponent.
 */
function reference(x: number, format: HalfFormat): number {
  if (Number.isNaN(x) || !Number.isFinite(x)) return x;
  const g = GRID[format];
  const a = Math.abs(x);
  let e = a === 0 ? g.minExponent : Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  if (2 ** (e + 1) <= a) e++;
  const ulp = 2 ** (Math.max(e, g.minExponent) - g.fraction);
  const q = a / ulp;
  let r = Math.floor(q);
  if (q - r > 0.5 || (q - r === 0.5 && r % 2 === 1)) r++;
  const v = r * ulp > g.maxFinite ? Number.POSITIVE_INFINITY : r * ulp;
  return x < 0 || Object.is(x, -0) ? -v : v;
}

function floatOfBits(bits: number): number {
  return new Float32Array(new Uint32Array([bits]).buffer)[0]!;
}

/** Seeded float32 values spread over every exponent either format meets, plus ties and near-ties. */
function samples(format: HalfFormat, n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const next = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const r = next();
    if (i % 3 === 0) {
      out[i] = floatOfBits(r); // any bit pattern: every exponent, NaN and infinities included
    } else if (format === "float16") {
      // a float16 value's bits shifted into float32 position, then a tie (…1000…) or near-tie below it
      const exponent = (r >>> 8) % 40; // 2^-25 … 2^15
      const tail = i % 3 === 1 ? 0x1000 : (r & 0x1fff) | 0xfff;
      out[i] = floatOfBits(((r >>> 31) << 31) | ((exponent + 102) << 23) | ((r & 0x3ff) << 13) | tail);
    } else {
      out[i] = floatOfBits((r & 0xffff0000) | (i % 3 === 1 ? 0x8000 : r & 0xffff));
    }
  }
  return out;
}

function roundTrip(values: Float32Array, format: HalfFormat): Float32Array {
  const m = packHalf(values, [values.length], format);
  const out = unpackHalf(m);
  const data = out.dataSync() as Float32Array;
  tf.dispose([out, m.words]);
  return data;
}

describe("16-bit storage: rounding", () => {
  const known: [HalfFormat, number, number][] = [
    ["bfloat16", 1, 0x3f80],
    ["bfloat16", -2, 0xc000],
    ["bfloat16", 1 + 2 ** -8, 0x3f80], // tie → even
    ["bfloat16", 1 + 3 * 2 ** -8, 0x3f82], // tie → even
    ["bfloat16", 1 + 2 ** -8 + 2 ** -20, 0x3f81], // past the tie
    ["bfloat16", Number.POSITIVE_INFINITY, 0x7f80],
    ["bfloat16", 3.4028234663852886e38, 0x7f80], // float32's largest rounds up to infinity, as torch
    ["bfloat16", Number.NaN, 0x7fc0],
    ["float16", 1, 0x3c00],
    ["float16", 0.1, 0x2e66],
    ["float16", 65504, 0x7bff],
    ["float16", 65519, 0x7bff],
    ["float16", 65520, 0x7c00], // the tie above 65504 goes to the even neighbour: infinity
    ["float16", Number.NEGATIVE_INFINITY, 0xfc00],
    ["float16", 2 ** -14, 0x0400], // smallest normal
    ["float16", 2 ** -24, 0x0001], // smallest subnormal
    ["float16", 6e-8, 0x0001],
    ["float16", 2 ** -25, 0x0000], // tie → even (zero)
    ["float16", 3 * 2 ** -25, 0x0002], // tie → even
    ["float16", 1e-8, 0x0000],
    ["float16", -0, 0x8000],
    ["float16", 1 + 2 ** -11, 0x3c00],
    ["float16", 1 + 3 * 2 ** -11, 0x3c02],
    ["float16", Number.NaN, 0x7e00],
  ];
  for (const [format, x, bits] of known) {
    it(`${format}(${x}) is 0x${bits.toString(16).padStart(4, "0")}`, () => {
      assert.equal(halfBits(x, format).toString(16), bits.toString(16));
    });
  }

  for (const format of FORMATS) {
    it(`${format}: packing then unpacking equals the reference rounding on 30,000 values (ties, subnormals, overflow, NaN)`, async () => {
      await useCpu();
      const values = samples(format, 30_000, format === "float16" ? 7 : 11);
      const got = roundTrip(values, format);
      for (let i = 0; i < values.length; i++) {
        const want = reference(values[i]!, format);
        assert.ok(
          Object.is(got[i], Math.fround(want)),
          `${format}(${values[i]}) = ${got[i]}, expected ${want}`,
        );
      }
    });

    it(`${format}: every 16-bit pattern unpacks to a value that packs back to the same pattern (NaN stays NaN)`, () => {
      const table = halfTable(format);
      for (let h = 0; h < 65536; h++) {
        const v = table[h]!;
        if (Number.isNaN(v)) assert.ok(Number.isNaN(table[halfBits(v, format)]!));
        else assert.equal(halfBits(v, format), h);
      }
    });
  }
});

describe("16-bit storage: layout and paths", () => {
  it("packs element 2k in the low and 2k+1 in the high half of word k: a little-endian BF16/F16 buffer", async () => {
    await useCpu();
    const values = Float32Array.from([1, -2, 0.5]);
    const m = packHalf(values, [3], "bfloat16");
    const halves = new Uint16Array((m.words.dataSync() as Int32Array).buffer);
    assert.deepEqual([...halves], [0x3f80, 0xc000, 0x3f00, 0]);
    m.words.dispose();
  });

  for (const format of FORMATS) {
    it(`${format}: host and tfjs-ops unpacking are bit-identical on 'cpu' and 'wasm' (odd size, all patterns)`, async () => {
      const patterns = Float32Array.from({ length: 65537 }, (_, h) => halfTable(format)[h % 65536]!);
      const results: Float32Array[] = [];
      for (const use of [useCpu, useWasm]) {
        await use();
        const m = packHalf(patterns, [65537], format);
        for (const path of ["host", "ops"] as const) {
          const t = unpackHalf(m, path);
          results.push(new Float32Array(t.dataSync()));
          t.dispose();
        }
        m.words.dispose();
      }
      await useCpu();
      const bits = (a: Float32Array) => new Uint32Array(a.buffer);
      for (const r of results.slice(1)) assert.deepEqual(bits(r), bits(results[0]!));
      for (let h = 0; h < 65536; h++) {
        const want = halfTable(format)[h]!;
        assert.ok(Number.isNaN(want) ? Number.isNaN(results[0]![h]!) : Object.is(results[0]![h], want));
      }
    });
  }
});
