import assert from "node:assert/strict";
import { test } from "node:test";
import { isList, numericSweep, splitList } from "./sweep-input.js";

test("a list is what a comma separates; one value is not a sweep", () => {
  assert.deepEqual(splitList(" 4, 8 ,16,"), ["4", "8", "16"]);
  assert.equal(isList("4, 8"), true);
  assert.equal(isList("4"), false);
  assert.equal(isList("4,"), false);
});

test("numeric fields give the shared value and the swept lists", () => {
  const { values, sweep } = numericSweep({ r: "4, 8, 16", learningRate: "1e-4, 3e-4", steps: "5" }, [
    "steps",
    "learningRate",
    "r",
  ]);
  assert.deepEqual(values, { steps: 5, learningRate: 1e-4, r: 4 });
  assert.deepEqual(sweep, { learningRate: { values: [1e-4, 3e-4] }, r: { values: [4, 8, 16] } });
  assert.deepEqual(Object.keys(sweep), ["learningRate", "r"], "the order of names is the grid's order");
});
