import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type Better,
  bestWithinBudget,
  type Directions,
  niceTicks,
  type ParetoRun,
  type Point2,
  paretoFrontier,
  paretoView,
} from "../index.js";

/** mulberry32: a seeded generator, so a failing case can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// The definition, written out independently of the sweep: p is on the frontier iff no q is at least as good
// on both axes and strictly better on one.
const good = (v: number, b: Better) => (b === "min" ? -v : v);
function bruteFrontier(points: Point2[], d: Directions): Set<number> {
  const out = new Set<number>();
  points.forEach((p, i) => {
    const dominated = points.some((q) => {
      const gx = good(q.x, d.x) - good(p.x, d.x);
      const gy = good(q.y, d.y) - good(p.y, d.y);
      return gx >= 0 && gy >= 0 && (gx > 0 || gy > 0);
    });
    if (!dominated) out.add(i);
  });
  return out;
}
function bruteBest(points: Point2[], d: Directions, budget: number): Point2 | null {
  const fits = points.filter((p) => (d.x === "min" ? p.x <= budget : p.x >= budget));
  if (fits.length === 0) return null;
  const y = Math.max(...fits.map((p) => good(p.y, d.y)));
  const atY = fits.filter((p) => good(p.y, d.y) === y);
  const x = Math.max(...atY.map((p) => good(p.x, d.x)));
  return atY.find((p) => good(p.x, d.x) === x)!;
}

const DIRECTIONS: Directions[] = [
  { x: "min", y: "min" },
  { x: "max", y: "min" },
  { x: "min", y: "max" },
  { x: "max", y: "max" },
];

test("frontier and best-within-budget equal brute force on random point sets (ties included)", () => {
  const next = random(15);
  for (let trial = 0; trial < 400; trial++) {
    const n = Math.floor(next() * 30);
    // Small integer grids make ties and duplicates common; real-valued sets cover the general case.
    const grid = trial % 2 === 0;
    const value = () => (grid ? Math.floor(next() * 6) : next() * 100);
    const points = Array.from({ length: n }, () => ({ x: value(), y: value() }));
    for (const d of DIRECTIONS) {
      const frontier = paretoFrontier(points, d);
      assert.deepEqual(new Set(frontier), bruteFrontier(points, d), `trial ${trial} ${JSON.stringify(d)}`);
      assert.equal(new Set(frontier).size, frontier.length, "no index twice");
      // Ordered from the best cost to the worst, quality improving along it.
      for (let k = 1; k < frontier.length; k++) {
        const [a, b] = [points[frontier[k - 1]!]!, points[frontier[k]!]!];
        assert.ok(good(a.x, d.x) >= good(b.x, d.x) && good(a.y, d.y) <= good(b.y, d.y), `order at ${k}`);
      }
      const budget = value();
      const i = bestWithinBudget(points, d, budget);
      const want = bruteBest(points, d, budget);
      if (want === null) assert.equal(i, null);
      else {
        assert.deepEqual(points[i!], want);
        assert.ok(frontier.includes(i!), "the best within a budget is on the frontier");
      }
    }
  }
});

const run = (name: string, method: string, values: Partial<ParetoRun>): ParetoRun => ({
  runId: `id-${name}`,
  name,
  method,
  status: "SUCCEEDED",
  ...values,
});

test("paretoView: excluded runs say why; a budget names the best run or why none fits", () => {
  const runs = [
    run("full", "full", { measuredPeakBytes: 3e9, finalEvalLoss: 1.5 }),
    run("lora", "lora", { measuredPeakBytes: 1.2e9, finalEvalLoss: 1.7 }),
    run("qlora", "qlora", { measuredPeakBytes: 0.8e9, finalEvalLoss: 1.8 }),
    run("prefix", "prefix", { measuredPeakBytes: 1.0e9, finalEvalLoss: 2.1 }),
    run("adapter", "adapter", { measuredPeakBytes: null, finalEvalLoss: 1.9 }),
    run("late", "lora", { status: "RUNNING", measuredPeakBytes: 1e9, finalEvalLoss: null }),
  ];
  const view = paretoView(runs, "finalEvalLoss", "peakMemory", 1.5e9);
  assert.deepEqual(
    view.points.map((p) => [p.name, p.x, p.y, p.onFrontier]),
    [
      ["full", 3e9, 1.5, true],
      ["lora", 1.2e9, 1.7, true],
      ["qlora", 0.8e9, 1.8, true],
      ["prefix", 1.0e9, 2.1, false],
    ],
  );
  assert.deepEqual(
    view.frontier.map((p) => p.name),
    ["qlora", "lora", "full"],
  );
  assert.deepEqual(view.excluded, [
    { runId: "id-adapter", name: "adapter", method: "adapter", reason: "no measured peak memory" },
    {
      runId: "id-late",
      name: "late",
      method: "lora",
      reason: "not finished (running); no eval loss",
    },
  ]);
  assert.equal(view.best?.name, "lora");
  assert.equal(paretoView(runs, "finalEvalLoss", "peakMemory", 5e9).best?.name, "full");
  const none = paretoView(runs, "finalEvalLoss", "peakMemory", 0.5e9);
  assert.equal(none.best, null);
  assert.equal(none.bestReason, "no run within 477 MiB: the lowest measured peak memory is 763 MiB (qlora)");
  assert.equal(paretoView(runs, "finalEvalLoss", "peakMemory").bestReason, "no budget given");
});

test("paretoView: tokens/s is a more-is-better cost; its budget is a floor", () => {
  const runs = [
    run("fast", "lora", { tokensPerSecond: 900, bestEvalLoss: 2.0 }),
    run("slow", "full", { tokensPerSecond: 300, bestEvalLoss: 1.6 }),
    run("slower-worse", "prefix", { tokensPerSecond: 250, bestEvalLoss: 1.9 }),
  ];
  const view = paretoView(runs, "bestEvalLoss", "tokensPerSecond", 280);
  assert.deepEqual(
    view.frontier.map((p) => p.name),
    ["fast", "slow"],
  );
  assert.equal(view.best?.name, "slow");
  assert.equal(paretoView(runs, "bestEvalLoss", "tokensPerSecond", 500).best?.name, "fast");
  assert.equal(
    paretoView(runs, "bestEvalLoss", "tokensPerSecond", 1000).bestReason,
    "no run reaches 1000 tokens/s: the highest tokens per second is 900 tokens/s (fast)",
  );
});

test("niceTicks: round steps inside the range", () => {
  const cases: [number, number, number[]][] = [
    [0, 10, [0, 2, 4, 6, 8, 10]],
    [1.9e6, 2.23e6, [1.9e6, 2e6, 2.1e6, 2.2e6]],
    [3.4, 5.8, [3.5, 4, 4.5, 5, 5.5]],
    [-0.3, 0.3, [-0.2, 0, 0.2]],
    [7, 7, [7]],
  ];
  for (const [lo, hi, want] of cases) assert.deepEqual(niceTicks(lo, hi), want, `${lo}..${hi}`);
});
