/** One metric sample: training step and value. */
export interface Point {
  step: number;
  value: number;
}

/**
 * Min/max-per-bucket downsampling of one series sorted by step.
 * Charts need the spikes, so every bucket keeps its minimum and maximum; the first and the
 * last point are always kept so the line starts and ends where the run does.
 * The result has at most maxPoints points (maxPoints >= 4) and stays sorted by step.
 */
export function downsampleMinMax(points: readonly Point[], maxPoints: number): Point[] {
  if (points.length <= maxPoints) return points.slice();
  const inner = points.length - 2;
  const buckets = Math.max(1, Math.floor((maxPoints - 2) / 2));
  const out: Point[] = [points[0]];
  for (let b = 0; b < buckets; b++) {
    const start = 1 + Math.floor((b * inner) / buckets);
    const end = 1 + Math.floor(((b + 1) * inner) / buckets);
    if (end <= start) continue;
    let lo = start;
    let hi = start;
    for (let i = start + 1; i < end; i++) {
      if (points[i].value < points[lo].value) lo = i;
      if (points[i].value > points[hi].value) hi = i;
    }
    if (lo === hi) out.push(points[lo]);
    else out.push(points[Math.min(lo, hi)], points[Math.max(lo, hi)]);
  }
  out.push(points[points.length - 1]);
  return out;
}
