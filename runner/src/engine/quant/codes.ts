/**
 * The code books of bitsandbytes' 4-bit NF4 and 8-bit dynamic (blockwise) quantisation, as float32
 * values, and the nearest-code search both quantisers use.
 */

/** bitsandbytes' NF4 code values, index 0–15 (functional.py `get_4bit_type("nf4")`). */
export const NF4_CODES: Float32Array = Float32Array.of(
  -1.0,
  -0.6961928009986877,
  -0.5250730514526367,
  -0.39491748809814453,
  -0.28444138169288635,
  -0.18477343022823334,
  -0.09105003625154495,
  0.0,
  0.07958029955625534,
  0.16093020141124725,
  0.24611230194568634,
  0.33791524171829224,
  0.44070982933044434,
  0.5626170039176941,
  0.7229568362236023,
  1.0,
);

/** Index of the NF4 code 0.0: what padding nibbles and all-zero blocks hold. */
export const NF4_ZERO_CODE = 7;

/**
 * Midpoints between neighbouring NF4 codes, rounded to float32 as the literals of bitsandbytes' CUDA
 * decision tree (`dQuantizeNF4`: `x > 0.8614784181118011f ? …`) are.
 */
export const NF4_THRESHOLDS: Float32Array = midpoints(NF4_CODES);

/**
 * bitsandbytes' `create_dynamic_map(signed=True, max_exponent_bits=7, total_bits=8)`: for exponent
 * i = 0…6, the means of linspace(0.1, 1, 2^i + 1) scaled by 10^(i−6), with both signs, plus 0 and 1,
 * sorted — 256 values in [−0.99296875, 1]. torch computes linspace and the means in float32; here they
 * are computed in float64 and rounded once to float32, which can differ from torch's by one ulp in a few
 * entries (below any error the 8-bit code itself makes).
 */
export const DYNAMIC_CODES: Float32Array = createDynamicMap();

/** Midpoints of the 8-bit dynamic map (float32), for the nearest-code search. */
export const DYNAMIC_THRESHOLDS: Float32Array = midpoints(DYNAMIC_CODES);

function createDynamicMap(): Float32Array {
  const maxExponentBits = 7;
  const values: number[] = [0, 1];
  for (let i = 0; i < maxExponentBits; i++) {
    const items = 2 ** i + 1;
    const scale = 10 ** (i - (maxExponentBits - 1));
    for (let k = 0; k < items - 1; k++) {
      const lo = 0.1 + (0.9 * k) / (items - 1);
      const hi = 0.1 + (0.9 * (k + 1)) / (items - 1);
      const mean = (lo + hi) / 2;
      values.push(scale * mean, -scale * mean);
    }
  }
  return Float32Array.from(values.sort((a, b) => a - b));
}

function midpoints(codes: Float32Array): Float32Array {
  const out = new Float32Array(codes.length - 1);
  for (let i = 0; i < out.length; i++) out[i] = (codes[i]! + codes[i + 1]!) / 2;
  return out;
}

/**
 * Index of the code nearest to x given the sorted midpoints between codes: the number of thresholds x
 * is strictly above, so a value exactly on a threshold takes the lower code (bitsandbytes' `x > t`).
 */
export function nearestCode(x: number, thresholds: ArrayLike<number>): number {
  let lo = 0;
  let hi = thresholds.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x > thresholds[mid]!) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
