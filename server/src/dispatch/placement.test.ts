import assert from "node:assert/strict";
import { test } from "node:test";
import { leaseExpired, placementRefusal, retryBackoffMs } from "./placement.js";

const runner = {
  labels: ["gpu", "h200"],
  devices: [
    { name: "a", memoryBytes: 8e9 },
    { name: "b", memoryBytes: 16e9 },
  ],
};

test("a run fits when labels match and the largest device covers its memory", () => {
  assert.equal(placementRefusal({ labels: ["gpu"], predictedMemoryBytes: 16e9 }, runner), null);
  assert.equal(placementRefusal({ labels: [], predictedMemoryBytes: 1 }, runner), null);
});

test("missing labels and too little memory are refused with a reason", () => {
  assert.match(placementRefusal({ labels: ["tpu"], predictedMemoryBytes: 1 }, runner) ?? "", /labels: tpu/);
  assert.match(placementRefusal({ labels: [], predictedMemoryBytes: 16e9 + 1 }, runner) ?? "", /needs/);
  assert.match(
    placementRefusal({ labels: [], predictedMemoryBytes: 1 }, { labels: [], devices: [] }) ?? "",
    /needs/,
  );
});

test("lease expiry and capped doubling backoff", () => {
  const t0 = new Date(0);
  assert.ok(!leaseExpired(t0, 1000, new Date(999)));
  assert.ok(leaseExpired(t0, 1000, new Date(1000)));
  assert.deepEqual(
    [1, 2, 3, 4, 10].map((n) => retryBackoffMs(n, 100, 500)),
    [100, 200, 400, 500, 500],
  );
});
