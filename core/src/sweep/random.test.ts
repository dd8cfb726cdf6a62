import assert from "node:assert/strict";
import { test } from "node:test";
import { expandSweep } from "../index.js";
import { mulberry32, shuffledIndices } from "./random.js";

/** The textbook Fisher–Yates over a whole array, drawing from the same generator: the reference. */
function shuffleArray(n: number, seed: number): number[] {
  const random = mulberry32(seed);
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(random() * (n - i));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

test("the lazy shuffle is the textbook Fisher–Yates, a permutation for every seed", () => {
  for (const n of [1, 2, 7, 100]) {
    for (const seed of [0, 1, 42, 2 ** 32 - 1]) {
      const lazy = [...shuffledIndices(n, seed)];
      assert.deepEqual(lazy, shuffleArray(n, seed), `n=${n} seed=${seed}`);
      assert.deepEqual(
        lazy.slice().sort((a, b) => a - b),
        Array.from({ length: n }, (_, i) => i),
      );
    }
  }
});

test("mulberry32 stays in [0, 1) and is a function of its seed only", () => {
  const a = mulberry32(123);
  const b = mulberry32(123);
  for (let i = 0; i < 1000; i++) {
    const x = a();
    assert.ok(x >= 0 && x < 1);
    assert.equal(x, b());
  }
});

test("a one-run random sweep picks each combination about equally often over many seeds", () => {
  const parameters = { r: { values: [2, 4, 8] }, learningRate: { values: [0.1, 0.01] } };
  const counts = new Map<string, number>();
  const seeds = 3000;
  for (let seed = 0; seed < seeds; seed++) {
    const plan = expandSweep({
      variants: [{ method: { method: "lora" } }],
      sweep: { strategy: "random", count: 1, seed, parameters },
      maxRuns: 100,
    });
    const name = plan.runs[0]!.name;
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  assert.equal(counts.size, 6);
  // Expected 500 each; ±25% is far outside what a uniform draw of 3000 produces (σ ≈ 20).
  for (const [name, n] of counts) assert.ok(n > 375 && n < 625, `${name}: ${n}`);
});
