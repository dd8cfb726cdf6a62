import assert from "node:assert/strict";
import { test } from "node:test";
import {
  bytesToGibText,
  checkpointingChange,
  formatGiB,
  gibToBytes,
  largestText,
  parseIntList,
} from "./fit-figures.js";

const GiB = 1024 ** 3;

test("GiB both ways: what the budget field shows and sends", () => {
  assert.equal(gibToBytes("80"), 80 * GiB);
  assert.equal(gibToBytes(" 15.5 "), 15.5 * GiB);
  for (const bad of ["", "0", "-3", "abc"]) assert.equal(gibToBytes(bad), null, bad);
  assert.equal(bytesToGibText(80 * GiB), "80");
  assert.equal(bytesToGibText(3 * GiB + GiB / 4), "3.25");
  assert.equal(formatGiB(80 * GiB), "80.0 GiB");
  assert.equal(formatGiB(141 * GiB), "141 GiB");
  assert.equal(formatGiB(GiB / 2), "0.50 GiB");
  assert.equal(formatGiB(null), "—");
});

test("parseIntList: blank is the server's default, a bad entry is named", () => {
  assert.deepEqual(parseIntList("1, 4,16  64"), { values: [1, 4, 16, 64] });
  assert.deepEqual(parseIntList("  "), { values: null });
  assert.deepEqual(parseIntList("1, 2.5"), { values: null, error: '"2.5" is not a positive whole number' });
  assert.deepEqual(parseIntList("0"), { values: null, error: '"0" is not a positive whole number' });
});

test("largestText and checkpointingChange read a row the way the page shows it", () => {
  const cells = (peaks: number[]) => peaks.map((p, i) => ({ batchSize: 4 ** i, peakBytes: p * GiB }));
  const plain = { seqLen: 1024, largestBatch: null, reachedCap: false, cells: cells([5, 14, 50]) };
  const ckpt = { seqLen: 1024, largestBatch: 3, reachedCap: false, cells: cells([3, 5, 12.5]) };
  assert.equal(largestText(plain), "none");
  assert.equal(largestText({ ...ckpt, largestBatch: 4096, reachedCap: true }), "≥ 4096");
  assert.equal(largestText({ ...plain, unavailable: "too long" }), "—");
  assert.equal(
    checkpointingChange(plain, ckpt),
    "1024 tokens: largest batch none → 3; peak at batch 16 50.0 GiB → 12.5 GiB (−75%)",
  );
  assert.equal(checkpointingChange({ ...plain, unavailable: "x" }, ckpt), null);
});
