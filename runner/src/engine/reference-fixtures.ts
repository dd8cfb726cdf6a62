import { readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Fixtures written by the PyTorch reference scripts in runner/reference/ (see its README): what
 * transformers, PEFT, bitsandbytes and the adapters library compute for tiny configs, committed so
 * tests need no Python.
 */
export function readReferenceFixture<T>(name: string): T {
  return JSON.parse(readFileSync(referenceFixturePath(name), "utf8")) as T;
}

/** A file or folder under runner/reference/fixtures. */
export function referenceFixturePath(...parts: string[]): string {
  // this file runs from runner/dist/engine/
  return join(__dirname, "../../reference/fixtures", ...parts);
}

/** Little-endian hex bytes (the scripts' `f32_hex`) as float32 values. */
export function float32FromHex(hex: string): Float32Array {
  return new Float32Array(bytesFromHex(hex).buffer);
}

export function bytesFromHex(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex, "hex"));
}

export function hexOf(view: ArrayBufferView): string {
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength).toString("hex");
}

/**
 * n float32 values in [−scale, scale): the reference scripts' `lcg_floats` (a 32-bit LCG, top 24 bits),
 * exact in float32 for a power-of-two scale, so both sides start from the same inputs.
 */
export function lcgFloats(n: number, seed: number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(1664525, s) + 1013904223) >>> 0;
    out[i] = ((s >>> 8) / 2 ** 23 - 1) * scale;
  }
  return out;
}

/** 32-bit FNV-1a of a UTF-8 string: the reference scripts' seed of a named tensor (`common.py` `fnv1a`). */
export function fnv1a(name: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(name, "utf8")) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
  return h;
}

/** A named tensor's seeded values: `u/4`, or `1 + u/8` for norm weights (`hf_llama.py` `seeded_weights`). */
export function seededValues(name: string, size: number): Float32Array {
  if (name.endsWith("norm.weight")) return lcgFloats(size, fnv1a(name), 0.125).map((u) => u + 1);
  return lcgFloats(size, fnv1a(name), 0.25);
}

/** Largest |a − b| over the largest |b|: how far logits are from the reference's, relative to their scale. */
export function relativeMaxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / scale;
}
