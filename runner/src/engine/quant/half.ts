import * as tf from "@tensorflow/tfjs";
import type { CompactLayout } from "../native/addon.js";
import { activeNativeAddon } from "../native/backend.js";
import { outputBuffers } from "../native/buffer-pool.js";
import { type DequantPath, defaultDequantPath } from "./nf4.js";

/**
 * Frozen weights in 16 bits, two per int32 word (tfjs has no 16-bit dtype): bfloat16 (the top half of
 * a float32) or IEEE float16. Element 2k sits in the low 16 bits of word k and element 2k+1 in the high
 * 16, so on a little-endian host the words are byte for byte a safetensors BF16/F16 buffer. Packing rounds
 * to nearest, ties to even, once on the host (as torch's `.to(torch.bfloat16)` / `.half()`); unpacking to
 * float32 is exact.
 */
export type HalfFormat = "bfloat16" | "float16";

export interface HalfMatrix {
  shape: number[];
  /** Number of weights: the product of `shape`. */
  size: number;
  format: HalfFormat;
  /** [ceil(size / 2)] int32, two 16-bit values per word (the last word's high half is 0 for odd sizes). */
  words: tf.Tensor1D;
}

/** bfloat16 bits of float32 bits `u`, as c10::round_to_nearest_even (NaN becomes 0x7FC0, as torch). */
function bfloat16FromBits(u: number): number {
  if ((u & 0x7fffffff) > 0x7f800000) return 0x7fc0;
  return (u + 0x7fff + ((u >>> 16) & 1)) >>> 16;
}

/**
 * float16 bits of float32 bits `u`, rounded to nearest even: ≥ 65520 in magnitude becomes infinity,
 * below 2^−14 a subnormal (multiples of 2^−24) or zero; NaN becomes a quiet NaN with its sign, as torch.
 */
function float16FromBits(u: number): number {
  const sign = (u >>> 16) & 0x8000;
  const abs = u & 0x7fffffff;
  if (abs > 0x7f800000) return sign | 0x7e00;
  if (abs >= 0x477ff000) return sign | 0x7c00;
  if (abs < 0x38800000) {
    // value · 2^24 = mantissa (with its implicit 1) shifted right by 126 − exponent ≥ 14 bits
    const shift = 126 - (abs >>> 23);
    if (shift > 25) return sign;
    return sign | roundShift((abs & 0x7fffff) | 0x800000, shift);
  }
  // rebias the exponent (127 → 15) and drop 13 mantissa bits; a carry may bump the exponent, correctly
  return sign | roundShift(abs - 0x38000000, 13);
}

/** x / 2^shift rounded to the nearest integer, ties to even (x < 2^31, 1 ≤ shift ≤ 30). */
function roundShift(x: number, shift: number): number {
  const q = x >>> shift;
  const rest = x & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  return rest > half || (rest === half && (q & 1) === 1) ? q + 1 : q;
}

const scratch = new Float32Array(1);
const scratchBits = new Uint32Array(scratch.buffer);

/** The 16-bit pattern a float32 value packs to. */
export function halfBits(x: number, format: HalfFormat): number {
  scratch[0] = x;
  const u = scratchBits[0]!;
  return format === "bfloat16" ? bfloat16FromBits(u) : float16FromBits(u);
}

function float16Value(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

const tables = new Map<HalfFormat, Float32Array>();

/** The float32 value of every 16-bit pattern (256 KiB): unpacking is one lookup per weight. */
export function halfTable(format: HalfFormat): Float32Array {
  let table = tables.get(format);
  if (table === undefined) {
    table = new Float32Array(65536);
    if (format === "bfloat16") {
      const bits = new Uint32Array(table.buffer);
      for (let h = 0; h < 65536; h++) bits[h] = h << 16;
    } else {
      for (let h = 0; h < 65536; h++) table[h] = float16Value(h);
    }
    tables.set(format, table);
  }
  return table;
}

/** Rounds float32 weights (row-major, any shape) to 16 bits and packs them; runs once, in plain JS. */
export function packHalf(values: Float32Array, shape: number[], format: HalfFormat): HalfMatrix {
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== values.length) throw new RangeError(`packHalf: ${values.length} values for shape [${shape}]`);
  const bits = new Uint32Array(values.buffer, values.byteOffset, size);
  const convert = format === "bfloat16" ? bfloat16FromBits : float16FromBits;
  const words = new Int32Array(Math.ceil(size / 2));
  for (let k = 0; k < words.length; k++) {
    const high = 2 * k + 1 < size ? convert(bits[2 * k + 1]!) : 0;
    words[k] = convert(bits[2 * k]!) | (high << 16);
  }
  return { shape: [...shape], size, format, words: tf.tensor1d(words, "int32") };
}

/** The matrix as host arrays for the native kernels (two values per word, the format's table). */
export function halfLayout(m: HalfMatrix): CompactLayout {
  const [rows, cols] = m.shape.length === 2 ? m.shape : [1, m.size];
  return {
    bits: 16,
    words: m.words.dataSync() as Int32Array,
    table: halfTable(m.format),
    rows: rows!,
    cols: cols!,
  };
}

/** The float32 weights in `shape`; "host" and "ops" give bit-identical results (see nf4.ts). */
export function unpackHalf(m: HalfMatrix, path: DequantPath = defaultDequantPath()): tf.Tensor {
  return path === "host" ? unpackOnHost(m) : unpackWithOps(m);
}

function unpackOnHost(m: HalfMatrix): tf.Tensor {
  const words = m.words.dataSync() as Int32Array;
  const table = halfTable(m.format);
  const addon = activeNativeAddon();
  const out = addon ? outputBuffers.take(m.size) : new Float32Array(m.size); // reused: see nf4.ts
  if (addon) {
    addon.unpack16bit(words, table, out);
    return tf.tensor(out, m.shape);
  }
  const pairs = m.size >> 1;
  for (let k = 0; k < pairs; k++) {
    const w = words[k]!;
    out[2 * k] = table[w & 0xffff]!;
    out[2 * k + 1] = table[w >>> 16]!;
  }
  if (m.size & 1) out[m.size - 1] = table[words[pairs]! & 0xffff]!;
  return tf.tensor(out, m.shape);
}

/**
 * The same with tfjs ops, for backends whose tensors live on a device. Fields are isolated with
 * bitwiseAnd and converted to float exactly, as pack.ts's unpackFields does: the high field carries the
 * int32 sign bit, so it comes out as code − 2^16 when its top bit is set and is folded back.
 */
function unpackWithOps(m: HalfMatrix): tf.Tensor {
  return tf.tidy(() => {
    const n = m.words.shape[0];
    const field = (mask: number) => tf.cast(tf.bitwiseAnd(m.words, tf.fill([n], mask, "int32")), "float32");
    const low = field(0xffff);
    const signedHigh = tf.mul(field(-0x10000), 2 ** -16);
    const high = tf.sub(signedHigh, tf.mul(tf.floor(tf.div(signedHigh, 65536)), 65536));
    const codes = tf.cast(tf.reshape(tf.stack([low, high], 1), [2 * n]), "int32").slice(0, m.size);
    return tf.reshape(tf.gather(tf.tensor1d(halfTable(m.format)), codes), m.shape);
  });
}
