import assert from "node:assert/strict";
import { test } from "node:test";
import { checkMemoryPrediction } from "../index.js";

test("a measured peak within ±10% of the prediction is within; outside either way is not", () => {
  const check = (p: number | null, m: number | null) => checkMemoryPrediction(p, m);
  assert.deepEqual(check(100, 110), { ratio: 1.1, within: true });
  assert.deepEqual(check(100, 90), { ratio: 0.9, within: true });
  assert.equal(check(100, 125)?.within, false);
  assert.equal(check(100, 89)?.within, false);
  assert.equal(check(100, null), null);
  assert.equal(check(null, 100), null);
});
