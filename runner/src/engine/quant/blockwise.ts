import { nearestCode } from "./codes.js";

/** Codes and per-block absmax of a blockwise quantisation (one code per value, before packing). */
export interface BlockwiseCodes {
  codes: Uint8Array;
  absmax: Float32Array;
}

/**
 * bitsandbytes' blockwise absmax quantisation in float32 arithmetic, as its kernels do it: per block the
 * absmax, then each value times float32(1/absmax), clamped to [−1, 1], mapped to the nearest code
 * (ties to the lower code). A block of zeros (absmax 0, where bitsandbytes would divide by zero) gets
 * `zeroCode` and absmax 0, so it dequantises to exact zeros.
 */
export function quantizeBlockwise(
  values: ArrayLike<number>,
  blockSize: number,
  thresholds: ArrayLike<number>,
  zeroCode: number,
): BlockwiseCodes {
  const n = values.length;
  const blocks = Math.ceil(n / blockSize);
  const codes = new Uint8Array(n);
  const absmax = new Float32Array(blocks);
  for (let b = 0; b < blocks; b++) {
    const start = b * blockSize;
    const end = Math.min(n, start + blockSize);
    let max = 0;
    for (let i = start; i < end; i++) max = Math.max(max, Math.abs(values[i]!));
    absmax[b] = max;
    const inv = Math.fround(1 / absmax[b]!);
    for (let i = start; i < end; i++) {
      if (max === 0) {
        codes[i] = zeroCode;
        continue;
      }
      const x = Math.min(1, Math.max(-1, Math.fround(values[i]! * inv)));
      codes[i] = nearestCode(x, thresholds);
    }
  }
  return { codes, absmax };
}

/**
 * `torch.mean` of a float32 vector on the CPU, bit for bit: bitsandbytes' double-quant offset is
 * `_absmax.mean()` (functional.py `quantize_4bit`), a float32 reduction, and its last bit decides
 * which 8-bit codes the centred absmax values get. torch's CPU mean is the sum divided by n
 * (ReduceOps.cpp `mean_out`), and the sum is `cascade_sum` (aten/src/ATen/native/cpu/SumKernel.cpp)
 * with AVX2 vectors of 8 lanes, single-threaded below its 32768-element grain. A CUDA reduction adds in
 * another order and may differ from this in the last bit.
 */
export function torchMeanFloat32(values: Float32Array): number {
  if (values.length === 0) return Number.NaN;
  return Math.fround(torchSumFloat32(values) / values.length);
}

const LANES = 8; // Vectorized<float>::size() under AVX2
const ILP = 4; // row_sum's ilp_factor

/** SumKernel.cpp `vectorized_inner_sum` (n ≥ 8) or `scalar_inner_sum`, in float32. */
export function torchSumFloat32(x: Float32Array): number {
  const n = x.length;
  if (n < LANES) return rowSum(x, 0, 1, n, 1)[0]!;
  const vectors = Math.floor(n / LANES);
  const lanes = rowSum(x, 0, LANES, vectors, LANES);
  let acc = 0;
  for (let k = vectors * LANES; k < n; k++) acc = Math.fround(acc + x[k]!);
  for (const lane of lanes) acc = Math.fround(acc + lane);
  return acc;
}

/**
 * SumKernel.cpp `row_sum`: `size` items (each `width` lanes, `stride` floats apart) summed as ILP
 * interleaved partial sums by `multiRowSum`, the leftovers into the first, then the partials in order.
 */
function rowSum(x: Float32Array, base: number, stride: number, size: number, width: number): Float32Array {
  const rows = Math.floor(size / ILP);
  const partial = multiRowSum(x, base, stride * ILP, stride, rows, width);
  for (let i = rows * ILP; i < size; i++) addInto(partial[0]!, x, base + i * stride);
  for (let k = 1; k < ILP; k++) addLanes(partial[0]!, partial[k]!);
  return partial[0]!;
}

/** SumKernel.cpp `multi_row_sum`: four accumulator levels, each flushed into the next every 2^p rows. */
function multiRowSum(
  x: Float32Array,
  base: number,
  rowStride: number,
  colStride: number,
  size: number,
  width: number,
): Float32Array[] {
  const levels = 4;
  const power = Math.max(4, Math.floor(ceilLog2(size) / levels));
  const step = 2 ** power;
  const acc = Array.from({ length: levels }, () =>
    Array.from({ length: ILP }, () => new Float32Array(width)),
  );
  let i = 0;
  const loadRow = (r: number) => {
    for (let k = 0; k < ILP; k++) addInto(acc[0]![k]!, x, base + r * rowStride + k * colStride);
  };
  while (i + step <= size) {
    for (let j = 0; j < step; j++, i++) loadRow(i);
    for (let j = 1; j < levels; j++) {
      for (let k = 0; k < ILP; k++) {
        addLanes(acc[j]![k]!, acc[j - 1]![k]!);
        acc[j - 1]![k]!.fill(0);
      }
      if ((i & ((step - 1) * 2 ** (j * power))) !== 0) break;
    }
  }
  for (; i < size; i++) loadRow(i);
  for (let j = 1; j < levels; j++) for (let k = 0; k < ILP; k++) addLanes(acc[0]![k]!, acc[j]![k]!);
  return acc[0]!;
}

function addInto(acc: Float32Array, x: Float32Array, at: number): void {
  for (let l = 0; l < acc.length; l++) acc[l] = acc[l]! + x[at + l]!;
}

function addLanes(acc: Float32Array, other: Float32Array): void {
  for (let l = 0; l < acc.length; l++) acc[l] = acc[l]! + other[l]!;
}

/** ATen/native/cpu/utils.h `CeilLog2`: 1 for x ≤ 2, else ceil(log2(x)). */
function ceilLog2(x: number): number {
  return x <= 2 ? 1 : Math.ceil(Math.log2(x));
}
