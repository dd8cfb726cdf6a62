/**
 * The native addon's surface as the engine uses it (native/src/kernels.h is the contract of each kernel:
 * flat row-major float32 arrays, outputs allocated by the caller). `loadAddon()` never throws: it returns
 * the addon or the reason it is not there, which the backend line reports.
 */

export const BINARY = { Add: 0, Sub: 1, Mul: 2, Div: 3, Max: 4, Min: 5, SquaredDiff: 6, Pow: 7 } as const;
export const UNARY = {
  Neg: 0,
  Exp: 1,
  Log: 2,
  Sqrt: 3,
  Rsqrt: 4,
  Square: 5,
  Sigmoid: 6,
  Abs: 7,
  Reciprocal: 8,
  Tanh: 9,
  Relu: 10,
} as const;
export const REDUCE = { Sum: 0, Max: 1, Min: 2, Mean: 3 } as const;

type F32 = Float32Array;

/** A frozen matrix W [rows, cols] in compact storage, as the addon decodes it a block of rows at a time. */
export type CompactLayout =
  | ({
      bits: 4;
      words: Int32Array;
      /** The 16 code values. */
      table: F32;
      /** Bit position of code i % 8 in its word. */
      shifts: Int32Array;
      blockSize: number;
      rows: number;
      cols: number;
    } & (
      | { /** Scale per block of `blockSize` weights. */ absmax: F32 }
      | {
          /** Double quantisation: the scales as 8-bit codes (four per word) of `absmaxTable`, ·absmaxScale
           * per group of `absmaxGroup` blocks, + absmaxOffset: decoded in the kernel, never stored. */
          absmaxCodes: Int32Array;
          absmaxTable: F32;
          absmaxScale: F32;
          absmaxOffset: number;
          absmaxGroup: number;
        }
    ))
  | { bits: 16; words: Int32Array /** The 65,536 values. */; table: F32; rows: number; cols: number };

export interface AdamWConstants {
  lr: number;
  beta1: number;
  oneMinusBeta1: number;
  beta2: number;
  oneMinusBeta2: number;
  eps: number;
  /** 1 − lr·weightDecay (1: no decay). */
  decay: number;
  c1: number;
  c2: number;
  /** Gradient multiplier (global-norm clipping). */
  scale: number;
}
type Words = Float32Array | Int32Array;

export interface NativeAddon {
  matmul(
    a: F32,
    b: F32,
    out: F32,
    batchA: number,
    batchB: number,
    m: number,
    n: number,
    k: number,
    transA: boolean,
    transB: boolean,
  ): void;
  binary(op: number, a: F32, aShape: number[], b: F32, bShape: number[], out: F32, outShape: number[]): void;
  unary(op: number, x: F32, out: F32): void;
  reduce(op: number, x: F32, out: F32, outer: number, r: number, inner: number): void;
  softmax(x: F32, out: F32, rows: number, cols: number, log: boolean): void;
  rowLogSumExp(x: F32, out: F32, rows: number, cols: number): void;
  softmaxXentGrad(
    x: F32,
    lse: F32,
    scale: F32,
    targets: Int32Array,
    out: F32,
    rows: number,
    cols: number,
  ): void;
  transpose(x: F32, out: F32, shape: number[], perm: number[]): void;
  slice(x: Words, out: Words, shape: number[], begin: number[], size: number[]): void;
  concat(inputs: Words[], inners: number[], out: Words, outer: number): void;
  /** −1, or the position of the first index outside [0, rows). */
  gatherRows(x: F32, rows: number, inner: number, ids: Int32Array, out: F32): number;
  segmentSum(x: F32, ids: Int32Array, inner: number, out: F32, segments: number): void;
  /** One AdamW update of p, m, v in place (kernels.h); constants computed in double by the caller. */
  adamw(p: F32, g: F32, m: F32, v: F32, constants: AdamWConstants): void;
  /** out[i] = table[4-bit code i] · absmax[i / blockSize]; code i at bit shifts[i % 8] of word i / 8. */
  dequant4bit(
    words: Int32Array,
    shifts: Int32Array,
    table: F32,
    absmax: F32,
    blockSize: number,
    out: F32,
  ): void;
  /** bitsandbytes' blockwise 4-bit quantisation, codes packed at `shifts` (kernels.h). */
  quantize4bit(
    values: F32,
    blockSize: number,
    thresholds: F32,
    zeroCode: number,
    shifts: Int32Array,
    words: Int32Array,
    absmax: F32,
  ): void;
  /** out[i] = table[16-bit value i], two values per word, element 2k in the low half of word k. */
  unpack16bit(words: Int32Array, table: F32, out: F32): void;
  /** forward: out [n, rows] = x [n, cols] · Wᵀ; backward: out [n, cols] = x [n, rows] · W (kernels.h). */
  compactMatmul(w: CompactLayout, x: F32, n: number, out: F32, backward: boolean): void;
  sumSquares(x: F32): number;
  setThreads(n: number): void;
  info(): { blas: string; blasThreads: number; threads: number };
}

let loaded: { addon?: NativeAddon; error?: string } | undefined;

export function loadAddon(): { addon?: NativeAddon; error?: string } {
  loaded ??= (
    require("@tunelab/native") as { loadNative(): { addon?: NativeAddon; error?: string } }
  ).loadNative();
  return loaded;
}
