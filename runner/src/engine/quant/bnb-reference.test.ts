import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { useCpu } from "../backend.js";
import { float32FromHex, hexOf, lcgFloats, readReferenceFixture } from "../reference-fixtures.js";
import { torchMeanFloat32 } from "./blockwise.js";
import { DYNAMIC_CODES } from "./codes.js";
import { type DequantPath, dequantizeAbsmax, dequantizeNf4, disposeNf4, quantizeNf4 } from "./nf4.js";

/** runner/reference/bnb_nf4.py: bitsandbytes' NF4 + double quantisation in plain PyTorch. */
interface BnbFixture {
  dynamicMap: string;
  cases: {
    name: string;
    rows: number;
    cols: number;
    seed: number;
    blockScales: number[];
    offset: string;
    offsetDiffersFromFloat64Mean: boolean;
    absmaxCodes: string;
    absmaxScale: string;
    dequantizedAbsmax: string;
    nf4PackedSha256: string;
    dequantizedSha256: string;
  }[];
  means: { n: number; seed: number; mean: string }[];
}

const fixture = readReferenceFixture<BnbFixture>("bnb_nf4.json");
const sha256 = (view: ArrayBufferView) =>
  createHash("sha256")
    .update(new Uint8Array(view.buffer, view.byteOffset, view.byteLength))
    .digest("hex");

function weights(c: BnbFixture["cases"][number]): Float32Array {
  const w = lcgFloats(c.rows * c.cols, c.seed);
  return w.map((v, i) => v * c.blockScales[Math.floor(i / 64) % c.blockScales.length]!);
}

describe("NF4 double quantisation against bitsandbytes (PyTorch reference)", () => {
  it("has bitsandbytes' dynamic 8-bit map bit for bit", () => {
    assert.equal(hexOf(DYNAMIC_CODES), fixture.dynamicMap);
  });

  it("takes the mean as torch does on the CPU, to the last bit, for every length", () => {
    for (const m of fixture.means) {
      const x = lcgFloats(m.n, m.seed).map(Math.abs);
      assert.equal(hexOf(Float32Array.of(torchMeanFloat32(x))), m.mean, `n = ${m.n}`);
    }
  });

  for (const c of fixture.cases) {
    it(`quantises ${c.name} to bitsandbytes' bytes: codes, offset, 8-bit absmax, scales, weights`, async () => {
      await useCpu();
      const values = weights(c);
      const m = quantizeNf4(values, [c.rows, c.cols], { doubleQuant: true });
      const s = m.scales;
      assert.equal(s.kind, "double");
      if (s.kind !== "double") return;
      const packed = m.codes.dataSync() as Int32Array;
      assert.equal(sha256(new Uint8Array(packed.buffer, 0, Math.ceil(m.size / 2))), c.nf4PackedSha256);
      assert.equal(hexOf(Float32Array.of(s.offset.dataSync()[0]!)), c.offset);
      const codes = s.codes.dataSync() as Int32Array;
      assert.equal(hexOf(new Uint8Array(codes.buffer, 0, m.blocks)), c.absmaxCodes);
      assert.equal(hexOf(s.scale.dataSync() as Float32Array), c.absmaxScale);
      const absmax = dequantizeAbsmax(m);
      assert.equal(hexOf(absmax.dataSync() as Float32Array), c.dequantizedAbsmax);
      for (const path of ["host", "ops"] as DequantPath[]) {
        const deq = dequantizeNf4(m, path);
        assert.equal(sha256(deq.dataSync() as Float32Array), c.dequantizedSha256, path);
        deq.dispose();
      }
      tf.dispose(absmax);
      disposeNf4(m);
    });
  }

  it("is discriminating: a float64 mean gives another offset in some cases", () => {
    const differing = fixture.cases.filter((c) => c.offsetDiffersFromFloat64Mean);
    assert.ok(differing.length > 0);
    for (const c of differing) {
      const offset = float32FromHex(c.offset)[0]!;
      const values = weights(c);
      const absmax = Array.from({ length: values.length / 64 }, (_, b) =>
        Math.max(...values.subarray(b * 64, b * 64 + 64).map(Math.abs)),
      );
      const mean64 = Math.fround(absmax.reduce((a, v) => a + v, 0) / absmax.length);
      assert.notEqual(mean64, offset, c.name);
    }
  });
});
