/** Where the search for the largest batch ended. */
export interface LargestBatch {
  /** The largest batch size in [1, cap] whose peak is within the budget; null when batch 1 is not. */
  batchSize: number | null;
  /** peak(batchSize). */
  peakBytes: number | null;
  /** peak(batchSize + 1), over the budget: the boundary. Null when batchSize is the cap. */
  nextPeakBytes: number | null;
  /** batchSize is the cap: larger batches were not tried. */
  reachedCap: boolean;
}

/**
 * The largest b in [1, cap] with peak(b) <= budget, for a peak that grows with b. A training step's peak is
 * nearly affine in the batch (activations scale with it, weights and optimizer state do not), so each probe
 * is where the line through the nearest points crosses the budget, and its neighbour is probed next to
 * close the bracket at once; a bisection step follows any probe that did not halve the bracket, so the
 * number of probes stays O(log cap) whatever the curve. `peak` is called at most once per b.
 */
export function largestBatch(peak: (batchSize: number) => number, budget: number, cap: number): LargestBatch {
  const known = new Map<number, number>();
  const at = (b: number): number => {
    let p = known.get(b);
    if (p === undefined) {
      p = peak(b);
      known.set(b, p);
    }
    return p;
  };
  if (at(1) > budget) return { batchSize: null, peakBytes: null, nextPeakBytes: at(1), reachedCap: false };
  // Invariant: lo fits; hi does not, or hi = cap + 1 (never probed: nothing above the cap is tried).
  let lo = 1;
  let hi = cap + 1;
  let bisectNext = false;
  while (hi - lo > 1) {
    const width = hi - lo;
    const onLine: number | undefined = bisectNext ? undefined : lineGuess(known, lo, hi, cap, budget);
    // Without a line: double while no upper end is known (nothing was over the budget yet), else bisect.
    const guess = onLine ?? (hi > cap ? Math.min(cap, 2 * lo) : lo + Math.floor(width / 2));
    if (at(guess) <= budget) {
      lo = guess;
      // A guess on the line is usually the answer: its neighbour above closes the bracket.
      if (onLine !== undefined && lo + 1 < hi) {
        if (at(lo + 1) <= budget) lo += 1;
        else hi = lo + 1;
      }
    } else {
      hi = guess;
      if (onLine !== undefined && hi - 1 > lo) {
        if (at(hi - 1) > budget) hi -= 1;
        else lo = hi - 1;
      }
    }
    // Bisect after a line's guess that did not halve a closed bracket (a curve far from a line).
    bisectNext = onLine !== undefined && hi <= cap && hi - lo > width / 2;
  }
  return {
    batchSize: lo,
    peakBytes: at(lo),
    nextPeakBytes: hi <= cap ? at(hi) : null,
    reachedCap: hi > cap,
  };
}

/**
 * Where the line through the bracket's ends (or, with no upper end yet, the two largest fits) meets the
 * budget, inside the bracket; undefined when there is no line yet (one point) or it does not rise.
 */
function lineGuess(
  known: Map<number, number>,
  lo: number,
  hi: number,
  cap: number,
  budget: number,
): number | undefined {
  const pLo = known.get(lo)!;
  let slope: number | undefined;
  if (hi <= cap) slope = (known.get(hi)! - pLo) / (hi - lo);
  else {
    const below = [...known.keys()].filter((b) => b < lo).sort((a, b) => b - a)[0];
    if (below !== undefined) slope = (pLo - known.get(below)!) / (lo - below);
  }
  if (slope === undefined || !(slope > 0)) return undefined;
  return Math.min(hi - 1, Math.max(lo + 1, lo + Math.floor((budget - pLo) / slope)));
}
