// The Pareto frontier of points on two axes, each better when smaller ("min") or larger ("max"), and the
// best point within a budget on the x axis. Pure and O(n log n); pareto.test.ts checks both against brute force.

export type Better = "min" | "max";

export interface Point2 {
  x: number;
  y: number;
}

export interface Directions {
  x: Better;
  y: Better;
}

const sign = (b: Better) => (b === "min" ? 1 : -1);

/** Whether a is at least as good as b on both axes and strictly better on one. */
export function dominates(a: Point2, b: Point2, better: Directions): boolean {
  const ax = sign(better.x) * a.x;
  const bx = sign(better.x) * b.x;
  const ay = sign(better.y) * a.y;
  const by = sign(better.y) * b.y;
  return ax <= bx && ay <= by && (ax < bx || ay < by);
}

/**
 * Indices of the points no other point dominates, ordered from the best x to the worst (for cost on x:
 * cheapest first, each next one buys better y). Identical points are all on the frontier.
 */
export function paretoFrontier(points: readonly Point2[], better: Directions): number[] {
  const sx = sign(better.x);
  const sy = sign(better.y);
  const order = points
    .map((p, i) => ({ i, a: sx * p.x, b: sy * p.y }))
    .sort((p, q) => p.a - q.a || p.b - q.b || p.i - q.i);
  // In (a, b) order a point is dominated iff an earlier one has a smaller b, or the same b at a smaller a.
  const out: number[] = [];
  let bestB = Number.POSITIVE_INFINITY;
  let bestA = Number.NaN;
  for (const p of order) {
    if (p.b < bestB) {
      bestB = p.b;
      bestA = p.a;
      out.push(p.i);
    } else if (p.b === bestB && p.a === bestA) {
      out.push(p.i);
    }
  }
  return out;
}

/** Whether x is within the budget: at most it when less x is better, at least it when more is. */
export function withinBudget(x: number, budget: number, better: Better): boolean {
  return better === "min" ? x <= budget : x >= budget;
}

/**
 * Index of the point with the best y among those within the budget on x (ties: the better x, then the first),
 * or null when none is. It is always on the frontier.
 */
export function bestWithinBudget(
  points: readonly Point2[],
  better: Directions,
  budget: number,
): number | null {
  const sx = sign(better.x);
  const sy = sign(better.y);
  let best: number | null = null;
  points.forEach((p, i) => {
    if (!withinBudget(p.x, budget, better.x)) return;
    const q = best === null ? null : points[best]!;
    if (q === null || sy * p.y < sy * q.y || (p.y === q.y && sx * p.x < sx * q.x)) best = i;
  });
  return best;
}
