/**
 * TensorBoard's smoothing: an exponential moving average debiased at the start, so the first points
 * are not pulled towards 0. weight in [0, 1): 0 = raw.
 */
export function smooth(values: readonly (number | null)[], weight: number): (number | null)[] {
  if (weight <= 0) return values.slice();
  let last = 0;
  let n = 0;
  return values.map((v) => {
    if (v == null || !Number.isFinite(v)) return v;
    last = last * weight + (1 - weight) * v;
    n++;
    return last / (1 - weight ** n);
  });
}
