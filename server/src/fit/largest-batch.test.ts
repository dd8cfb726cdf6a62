import assert from "node:assert/strict";
import { test } from "node:test";
import { largestBatch } from "./largest-batch.js";

/** The reference: try every batch from 1 up. */
function scan(peak: (b: number) => number, budget: number, cap: number) {
  let best: number | null = null;
  for (let b = 1; b <= cap && peak(b) <= budget; b++) best = b;
  return best;
}

const GB = 1e9;
const curves: [string, (b: number) => number][] = [
  ["affine", (b) => 3 * GB + b * 0.37 * GB],
  ["convex", (b) => 1 * GB + b * b * 1e6],
  ["concave", (b) => 2 * GB + Math.sqrt(b) * 0.4 * GB],
  ["steps of 8", (b) => 1 * GB + Math.ceil(b / 8) * 0.3 * GB],
  ["flat", () => 5 * GB],
];

test("largestBatch equals a scan from 1 for many curves and budgets, and stops at the boundary", () => {
  const cap = 4096;
  for (const [name, peak] of curves) {
    for (const budget of [0.5, 1, 2.5, 3.37, 4, 5, 7.77, 12, 40, 1e4].map((g) => g * GB)) {
      let probes = 0;
      const counted = (b: number) => {
        probes++;
        return peak(b);
      };
      const got = largestBatch(counted, budget, cap);
      const want = scan(peak, budget, cap);
      const where = `${name} at ${budget / GB} GB`;
      assert.equal(got.batchSize, want, where);
      if (want === null) {
        assert.equal(got.nextPeakBytes, peak(1), where);
        continue;
      }
      assert.equal(got.peakBytes, peak(want), where);
      assert.ok(got.peakBytes! <= budget, where);
      assert.equal(got.reachedCap, want === cap, where);
      assert.equal(got.nextPeakBytes, want === cap ? null : peak(want + 1), where);
      if (want < cap) assert.ok(got.nextPeakBytes! > budget, where);
      // Each probe is a training-step replay in core: the search must stay logarithmic in the cap.
      assert.ok(probes <= 2 * Math.log2(cap) + 4, `${where}: ${probes} probes`);
    }
  }
});

test("largestBatch: an affine peak takes a handful of probes", () => {
  let probes = 0;
  const got = largestBatch(
    (b) => {
      probes++;
      return 3 * GB + b * 0.37 * GB;
    },
    24 * GB,
    4096,
  );
  assert.equal(got.batchSize, 56); // (24 - 3) / 0.37 = 56.7
  assert.ok(probes <= 5, `${probes} probes`);
});
