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

/** Mean of float32 values, accumulated in float64 and rounded once to float32. */
export function float32Mean(values: Float32Array): number {
  let total = 0;
  for (const v of values) total += v;
  return Math.fround(values.length === 0 ? 0 : total / values.length);
}
