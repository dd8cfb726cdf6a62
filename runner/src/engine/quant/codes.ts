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
 * bitsandbytes' `create_dynamic_map(signed=True, max_exponent_bits=7, total_bits=8)` (functional.py): for
 * exponent i = 0…6, the means of `torch.linspace(0.1, 1, 2^i + 1)` scaled by 10^(i−6), with both signs,
 * plus 0 and 1, sorted — 256 float32 values in [−0.99296875, 1]. bitsandbytes builds it once, in float32
 * on the CPU; its last bits come from torch's linspace kernel, so the values are written out here as
 * torch computes them (runner/reference/bnb_nf4.py prints this list) rather than recomputed: a float64
 * rebuild differs from it in 90 of the 256 entries.
 */
export const DYNAMIC_CODES: Float32Array = mirrored([
  5.5000004e-7, 3.2500002e-6, 7.75e-6, 2.1249998e-5, 4.375e-5, 6.625e-5, 8.875e-5, 0.00015625001,
  0.00026875004, 0.00038125002, 0.00049375003, 0.0006062501, 0.00071875006, 0.00083125, 0.0009437501,
  0.0012812499, 0.00184375, 0.00240625, 0.00296875, 0.0035312497, 0.00409375, 0.0046562497, 0.0052187503,
  0.00578125, 0.00634375, 0.00690625, 0.00746875, 0.00803125, 0.00859375, 0.009156249, 0.00971875, 0.01140625,
  0.01421875, 0.01703125, 0.01984375, 0.02265625, 0.02546875, 0.028281247, 0.03109375, 0.033906247,
  0.036718752, 0.03953125, 0.042343747, 0.04515625, 0.04796875, 0.05078125, 0.05359375, 0.05640625,
  0.059218753, 0.062031247, 0.06484375, 0.067656256, 0.070468746, 0.07328125, 0.07609375, 0.07890625,
  0.08171874, 0.08453125, 0.08734375, 0.09015625, 0.092968754, 0.095781244, 0.09859375, 0.107031256,
  0.12109375, 0.13515624, 0.14921875, 0.16328125, 0.17734374, 0.19140625, 0.20546874, 0.21953125, 0.23359376,
  0.24765626, 0.26171875, 0.27578127, 0.28984374, 0.30390626, 0.31796873, 0.33203125, 0.3460937, 0.36015624,
  0.37421876, 0.38828123, 0.40234375, 0.4164062, 0.43046874, 0.44453126, 0.45859373, 0.47265625, 0.48671877,
  0.50078124, 0.51484376, 0.5289062, 0.54296875, 0.5570313, 0.5710938, 0.58515626, 0.5992187, 0.61328125,
  0.6273438, 0.64140624, 0.65546876, 0.6695313, 0.68359375, 0.6976563, 0.7117188, 0.72578126, 0.7398438,
  0.75390625, 0.7679688, 0.78203124, 0.7960937, 0.8101562, 0.82421875, 0.8382812, 0.85234374, 0.8664062,
  0.8804687, 0.89453125, 0.9085938, 0.92265624, 0.9367187, 0.9507812, 0.96484375, 0.9789062, 0.99296874,
]);

/** Midpoints of the 8-bit dynamic map (float32), for the nearest-code search. */
export const DYNAMIC_THRESHOLDS: Float32Array = midpoints(DYNAMIC_CODES);

/** The signed map from its 127 positive values below 1: their negatives, 0, the values, then 1. */
function mirrored(positive: number[]): Float32Array {
  const up = positive.map(Math.fround);
  return Float32Array.from([...up.map((v) => -v).reverse(), 0, ...up, 1]);
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
