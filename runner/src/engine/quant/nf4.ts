import * as tf from "@tensorflow/tfjs";
import type { CompactLayout } from "../native/addon.js";
import { activeNativeAddon } from "../native/backend.js";
import { outputBuffers } from "../native/buffer-pool.js";
import { quantizeBlockwise, torchMeanFloat32 } from "./blockwise.js";
import {
  DYNAMIC_CODES,
  DYNAMIC_THRESHOLDS,
  NF4_CODES,
  NF4_THRESHOLDS,
  NF4_ZERO_CODE,
  nearestCode,
} from "./codes.js";
import { NIBBLE_SHIFTS, packFields, unpackFields, unpackFieldsJs } from "./pack.js";

/** bitsandbytes' block sizes: 64 weights per absmax, 256 absmax values per second-level scale. */
export const NF4_BLOCK = 64;
export const DOUBLE_QUANT_BLOCK = 256;

/** How the per-block absmax values are stored. */
export type Nf4Scales =
  /** float32 absmax per block of 64: 4.5 bits per weight in all. */
  | { kind: "float32"; absmax: tf.Tensor1D }
  /**
   * Double quantisation (QLoRA): absmax − offset as 8-bit dynamic codes (four per int32) in blocks of
   * 256, each block with a float32 scale; `offset` is the mean absmax, added back when dequantising.
   */
  | { kind: "double"; codes: tf.Tensor1D; scale: tf.Tensor1D; offset: tf.Scalar };

/** A frozen matrix in true 4-bit storage: only these int32/float32 tensors are kept, never the floats. */
export interface Nf4Matrix {
  shape: number[];
  /** Number of weights: the product of `shape`. */
  size: number;
  /** Number of 64-weight blocks, ceil(size / 64). */
  blocks: number;
  /** [ceil(size / 8)] int32, eight NF4 codes per word in the order documented in pack.ts. */
  codes: tf.Tensor1D;
  scales: Nf4Scales;
}

export interface Nf4Options {
  /** bitsandbytes' bnb_4bit_use_double_quant; QLoRA's recipe turns it on. */
  doubleQuant: boolean;
}

/**
 * Quantises float32 weights (row-major, any shape) to NF4 the way bitsandbytes' quantize_4bit does:
 * flatten, blocks of 64, absmax per block, nearest NF4 code by midpoint thresholds. With double
 * quantisation the absmax vector is centred on its mean and quantised with bitsandbytes'
 * quantize_blockwise (8-bit dynamic map, blocks of 256, float32 absmax per block).
 * The quantisation itself runs once, on the host: by the native addon on the native backend (the same
 * float32 arithmetic, tested bit-exact; seconds instead of minutes for a 1B model), else in plain JS.
 * Only the packed result lives in tensors.
 */
export function quantizeNf4(values: Float32Array, shape: number[], options: Nf4Options): Nf4Matrix {
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== values.length)
    throw new RangeError(`quantizeNf4: ${values.length} values for shape [${shape}]`);
  const { words, absmax } = quantizeCodes(values);
  const packed = tf.tensor1d(words, "int32");
  return {
    shape: [...shape],
    size,
    blocks: absmax.length,
    codes: packed,
    scales: quantizeScales(absmax, options),
  };
}

/** NF4 codes packed eight per word, and the absmax per 64-block. */
function quantizeCodes(values: Float32Array): { words: Int32Array; absmax: Float32Array } {
  const addon = activeNativeAddon();
  if (!addon) {
    const { codes, absmax } = quantizeBlockwise(values, NF4_BLOCK, NF4_THRESHOLDS, NF4_ZERO_CODE);
    return { words: packFields(codes, 4, NF4_ZERO_CODE), absmax };
  }
  const words = new Int32Array(Math.ceil(values.length / 8));
  const absmax = new Float32Array(Math.ceil(values.length / NF4_BLOCK));
  addon.quantize4bit(values, NF4_BLOCK, NF4_THRESHOLDS, NF4_ZERO_CODE, SHIFTS, words, absmax);
  return { words, absmax };
}

function quantizeScales(absmax: Float32Array, options: Nf4Options): Nf4Scales {
  if (!options.doubleQuant) return { kind: "float32", absmax: tf.tensor1d(absmax) };
  const offset = torchMeanFloat32(absmax); // functional.py quantize_4bit: `_absmax.mean()`, float32
  const centred = absmax.map((a) => Math.fround(a - offset));
  const zero = nearestCode(0, DYNAMIC_THRESHOLDS);
  const q = quantizeBlockwise(centred, DOUBLE_QUANT_BLOCK, DYNAMIC_THRESHOLDS, zero);
  return {
    kind: "double",
    codes: tf.tensor1d(packFields(q.codes, 8), "int32"),
    scale: tf.tensor1d(q.absmax),
    offset: tf.scalar(offset),
  };
}

/** The float32 absmax per 64-block, [blocks]: stored directly or rebuilt from the 8-bit codes. */
export function dequantizeAbsmax(m: Nf4Matrix): tf.Tensor1D {
  const s = m.scales;
  if (s.kind === "float32") return s.absmax.clone();
  return tf.tidy(() => {
    const groups = Math.ceil(m.blocks / DOUBLE_QUANT_BLOCK);
    const idx = unpackFields(s.codes, 8).slice(0, m.blocks);
    const normed = tf.gather(tf.tensor1d(DYNAMIC_CODES), idx);
    const padded = tf.pad(normed, [[0, groups * DOUBLE_QUANT_BLOCK - m.blocks]]);
    const scaled = tf.mul(tf.reshape(padded, [groups, DOUBLE_QUANT_BLOCK]), tf.reshape(s.scale, [groups, 1]));
    return tf.add(tf.reshape(scaled, [groups * DOUBLE_QUANT_BLOCK]).slice(0, m.blocks), s.offset);
  });
}

/**
 * Where dequantisation runs. "ops": tfjs ops only (unpackFields, gather, multiply), for backends whose
 * tensors live on a device. "host": a plain loop over the tensors' data, for 'cpu', 'wasm' and 'native',
 * whose tensors are already in host memory — there tfjs' Gather and Pack kernels cost 0.1 µs per element
 * (measured 86 ms vs 19 ms for a 1024² matrix on wasm, where the matching matmul of 512 tokens takes
 * 48 ms). Both produce bit-identical float32 values: code · absmax rounded once.
 */
export type DequantPath = "ops" | "host";

export function defaultDequantPath(): DequantPath {
  const backend = tf.getBackend();
  return backend === "cpu" || backend === "wasm" || backend === "native" ? "host" : "ops";
}

/** Dequantises to float32 in `shape`: NF4 code × block absmax, as bitsandbytes' dequantize_4bit. */
export function dequantizeNf4(m: Nf4Matrix, path: DequantPath = defaultDequantPath()): tf.Tensor {
  return path === "host" ? dequantizeOnHost(m) : dequantizeWithOps(m);
}

function dequantizeWithOps(m: Nf4Matrix): tf.Tensor {
  return tf.tidy(() => {
    const words = m.codes.shape[0];
    const idx = tf.pad(unpackFields(m.codes, 4), [[0, m.blocks * NF4_BLOCK - words * 8]], NF4_ZERO_CODE);
    const normed = tf.reshape(tf.gather(tf.tensor1d(NF4_CODES), idx), [m.blocks, NF4_BLOCK]);
    const values = tf.mul(normed, tf.reshape(dequantizeAbsmax(m), [m.blocks, 1]));
    return tf.reshape(tf.reshape(values, [m.blocks * NF4_BLOCK]).slice(0, m.size), m.shape);
  });
}

const SHIFTS = Int32Array.from(NIBBLE_SHIFTS);

function dequantizeOnHost(m: Nf4Matrix): tf.Tensor {
  const words = m.codes.dataSync() as Int32Array;
  const absmax = absmaxOnHost(m);
  const addon = activeNativeAddon();
  // a reused buffer: a step unpacks every frozen matrix twice, and fresh memory costs page faults
  const out = addon ? outputBuffers.take(m.size) : new Float32Array(m.size);
  // the same float32 product, by the addon's threads (a 1536 × 576 matrix: ~10 ms in JS, 1 ms native)
  if (addon) addon.dequant4bit(words, SHIFTS, NF4_CODES, absmax, NF4_BLOCK, out);
  else
    for (let i = 0; i < m.size; i++) {
      const code = (words[i >> 3]! >>> NIBBLE_SHIFTS[i & 7]!) & 15;
      out[i] = NF4_CODES[code]! * absmax[i >> 6]!;
    }
  return tf.tensor(out, m.shape);
}

/** The matrix as host arrays for the native kernels (codes, the NF4 table, per-block float32 absmax). */
export function nf4Layout(m: Nf4Matrix): CompactLayout {
  const [rows, cols] = m.shape.length === 2 ? m.shape : [1, m.size];
  const s = m.scales;
  const base = {
    bits: 4,
    words: m.codes.dataSync() as Int32Array,
    table: NF4_CODES,
    shifts: SHIFTS,
  } as const;
  const shape = { blockSize: NF4_BLOCK, rows: rows!, cols: cols! };
  if (s.kind === "float32") return { ...base, ...shape, absmax: s.absmax.dataSync() as Float32Array };
  // the kernel rebuilds each block's absmax as absmaxOnHost does, so the float32 vector is never made
  return {
    ...base,
    ...shape,
    absmaxCodes: s.codes.dataSync() as Int32Array,
    absmaxTable: DYNAMIC_CODES,
    absmaxScale: s.scale.dataSync() as Float32Array,
    absmaxOffset: s.offset.dataSync()[0]!,
    absmaxGroup: DOUBLE_QUANT_BLOCK,
  };
}

/** The same float32 operations as dequantizeAbsmax (code · scale, then + offset, each rounded). */
function absmaxOnHost(m: Nf4Matrix): Float32Array {
  const s = m.scales;
  if (s.kind === "float32") return s.absmax.dataSync() as Float32Array;
  const codes = unpackFieldsJs(s.codes.dataSync() as Int32Array, 8, m.blocks);
  const scale = s.scale.dataSync();
  const offset = s.offset.dataSync()[0]!;
  return Float32Array.from(codes, (c, b) => Math.fround(DYNAMIC_CODES[c]! * scale[b >> 8]!) + offset);
}

/** Every tensor the matrix holds (for disposal and for byte accounting). */
export function nf4Tensors(m: Nf4Matrix): tf.Tensor[] {
  const s = m.scales;
  return s.kind === "float32" ? [m.codes, s.absmax] : [m.codes, s.codes, s.scale, s.offset];
}

export function disposeNf4(m: Nf4Matrix): void {
  for (const t of nf4Tensors(m)) t.dispose();
}
