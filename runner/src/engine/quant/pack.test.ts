import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { useCpu, useWasm } from "../backend.js";
import { packFields, unpackFields, unpackFieldsJs } from "./pack.js";

/** Deterministic codes (xorshift) so every run checks the same words. */
function codes(n: number, bits: number, seed: number): Uint8Array {
  let s = seed >>> 0;
  return Uint8Array.from({ length: n }, () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) % 2 ** bits;
  });
}

describe("pack: eight nibbles / four bytes per int32", () => {
  it("puts the first of two codes in the high nibble of each little-endian byte (bitsandbytes' order)", () => {
    const words = packFields([1, 2, 3, 4, 5, 6, 7, 8], 4);
    const bytes = new Uint8Array(words.buffer);
    assert.deepEqual([...bytes], [0x12, 0x34, 0x56, 0x78]);
    assert.deepEqual([...new Uint8Array(packFields([1, 2, 3, 250], 8).buffer)], [1, 2, 3, 250]);
  });

  it("pads the last word with the pad code", () => {
    assert.deepEqual([...unpackFieldsJs(packFields([15, 15, 15], 4, 7), 4, 8)], [15, 15, 15, 7, 7, 7, 7, 7]);
  });

  for (const backend of ["cpu", "wasm"] as const) {
    for (const bits of [4, 8] as const) {
      it(`unpacks exactly on '${backend}' (${bits}-bit), incl. words ≥ 2^24 and negative int32`, async () => {
        await (backend === "cpu" ? useCpu() : useWasm());
        const perWord = 32 / bits;
        const extremes = [0, 2 ** bits - 1, 2 ** (bits - 1), 2 ** (bits - 1) - 1];
        const edge = extremes.flatMap((c) => Array<number>(perWord).fill(c));
        const values = Uint8Array.from([...edge, ...codes(4096 * perWord, bits, 12345 + bits)]);
        const words = packFields(values, bits);
        assert.ok(
          words.some((w) => w < 0),
          "some words are negative int32",
        );
        assert.ok(
          words.some((w) => w >= 2 ** 24),
          "some words are ≥ 2^24",
        );
        assert.ok(words.includes(-1), "the all-ones word is present");
        const before = tf.memory().numTensors;
        const t = tf.tensor1d(words, "int32");
        const out = unpackFields(t, bits);
        assert.deepEqual(Array.from(await out.data()), Array.from(values));
        assert.deepEqual(unpackFieldsJs(words, bits, values.length), values);
        tf.dispose([t, out]);
        assert.equal(tf.memory().numTensors, before);
      });
    }
  }
});
