/**
 * mulberry32: a 32-bit seeded generator, uniform in [0, 1). Not cryptographic; what matters here is that
 * the same seed draws the same sweep on every machine and JavaScript engine (integer ops only).
 */
export function mulberry32(seed: number): () => number {
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
 * The indices 0…n-1 in a seeded random order, produced lazily: a Fisher–Yates shuffle that remembers only
 * the swapped slots, so drawing k of a million combinations costs O(k), not O(n).
 */
export function* shuffledIndices(n: number, seed: number): Generator<number> {
  const random = mulberry32(seed);
  const swapped = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(random() * (n - i));
    const atJ = swapped.get(j) ?? j;
    swapped.set(j, swapped.get(i) ?? i);
    swapped.delete(i);
    yield atJ;
  }
}
