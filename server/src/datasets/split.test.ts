import assert from "node:assert/strict";
import { test } from "node:test";
import { evalIndices } from "./split.js";

test("eval size is round(rows × fraction), always leaving a train row", () => {
  const cases: [number, number, number][] = [
    [100, 0.1, 10],
    [10, 0.25, 3],
    [3, 0.34, 1],
    [2, 0.5, 1],
    [1, 0.5, 0],
    [50, 0, 0],
  ];
  for (const [rows, fraction, expected] of cases) {
    assert.equal(evalIndices(rows, fraction, 42).size, expected, `${rows} rows × ${fraction}`);
  }
});

test("the same seed picks the same rows; another seed picks others", () => {
  const a = [...evalIndices(1000, 0.1, 7)].sort((x, y) => x - y);
  const b = [...evalIndices(1000, 0.1, 7)].sort((x, y) => x - y);
  const c = [...evalIndices(1000, 0.1, 8)].sort((x, y) => x - y);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.ok(a.every((i) => Number.isInteger(i) && i >= 0 && i < 1000));
});

test("picked rows spread over the whole file, not a prefix", () => {
  const picked = evalIndices(1000, 0.2, 1);
  const inFirstHalf = [...picked].filter((i) => i < 500).length;
  // A uniform choice of 200 of 1000 puts ~100 in each half; a prefix would put 200 in the first.
  assert.ok(inFirstHalf > 70 && inFirstHalf < 130, `${inFirstHalf} of 200 in the first half`);
});
