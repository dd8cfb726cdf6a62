/**
 * A float64 reference of NF4 quantisation with double quantisation, written independently of the
 * float32 path: every step in float64, nearest code by brute-force distance (ties to the lower code)
 * instead of threshold search, the dynamic map rebuilt from its definition. Tests hold the tfjs
 * dequantisation against it. Not used at run time.
 */

/** bitsandbytes' NF4 values as printed in the reference (peft.md). */
const NF4 = [
  -1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635,
  -0.18477343022823334, -0.09105003625154495, 0.0, 0.07958029955625534, 0.16093020141124725,
  0.24611230194568634, 0.33791524171829224, 0.44070982933044434, 0.5626170039176941, 0.7229568362236023, 1.0,
];

function dynamicMap64(): number[] {
  const out = [0, 1];
  for (let i = 0; i < 7; i++) {
    const items = 2 ** i + 1;
    const bounds = Array.from({ length: items }, (_, k) => 0.1 + (0.9 * k) / (items - 1));
    for (let k = 0; k + 1 < items; k++) {
      const mean = ((bounds[k]! + bounds[k + 1]!) / 2) * 10 ** (i - 6);
      out.push(mean, -mean);
    }
  }
  return out.sort((a, b) => a - b);
}

function nearest(x: number, codes: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < codes.length; i++) {
    if (Math.abs(x - codes[i]!) < Math.abs(x - codes[best]!)) best = i;
  }
  return best;
}

function blockwise64(values: ArrayLike<number>, block: number, codes: readonly number[]) {
  const n = values.length;
  const idx = new Uint8Array(n);
  const absmax = new Float64Array(Math.ceil(n / block));
  for (let b = 0; b < absmax.length; b++) {
    let max = 0;
    for (let i = b * block; i < Math.min(n, (b + 1) * block); i++) max = Math.max(max, Math.abs(values[i]!));
    absmax[b] = max;
    for (let i = b * block; i < Math.min(n, (b + 1) * block); i++) {
      idx[i] = max === 0 ? codes.indexOf(0) : nearest(Math.max(-1, Math.min(1, values[i]! / max)), codes);
    }
  }
  return { idx, absmax };
}

export interface Nf4Reference {
  /** NF4 code index per value. */
  codes: Uint8Array;
  /** Block absmax as the dequantiser sees it (after double quantisation when on). */
  absmax: Float64Array;
  /** code · absmax per value. */
  dequantized: Float64Array;
}

export function referenceNf4(values: ArrayLike<number>, doubleQuant: boolean): Nf4Reference {
  const { idx, absmax } = blockwise64(values, 64, NF4);
  let usedAbsmax = absmax;
  if (doubleQuant) {
    const map = dynamicMap64();
    const mean = absmax.reduce((a, b) => a + b, 0) / absmax.length;
    const q = blockwise64(
      absmax.map((a) => a - mean),
      256,
      map,
    );
    usedAbsmax = Float64Array.from(q.idx, (c, i) => map[c]! * q.absmax[Math.floor(i / 256)]! + mean);
  }
  const dequantized = Float64Array.from(idx, (c, i) => NF4[c]! * usedAbsmax[Math.floor(i / 64)]!);
  return { codes: idx, absmax: usedAbsmax, dequantized };
}
