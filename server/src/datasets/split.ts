/** mulberry32: a tiny seeded PRNG, so a split is reproducible from (rowCount, fraction, seed). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Which rows go to eval: round(rowCount × evalFraction) indices chosen by a seeded Fisher–Yates shuffle,
 * keeping at least one train row. Pure: same inputs, same set.
 */
export function evalIndices(rowCount: number, evalFraction: number, seed: number): Set<number> {
  const evalCount = Math.min(Math.round(rowCount * evalFraction), rowCount - 1);
  const order = Array.from({ length: rowCount }, (_, i) => i);
  const random = mulberry32(seed);
  for (let i = rowCount - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return new Set(order.slice(0, Math.max(evalCount, 0)));
}
