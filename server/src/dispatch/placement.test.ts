import assert from "node:assert/strict";
import { test } from "node:test";
import { memoryBudget } from "./claim.js";
import { leaseExpired, placementRefusal, retryBackoffMs, unplacedReason } from "./placement.js";

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

test("unplacedReason: why a queued run fits no online runner, null when one could take it", () => {
  const GiB = 1024 ** 3;
  const online = [
    { labels: ["gpu"], maxDeviceMemoryBytes: 16 * GiB },
    { labels: ["cpu"], maxDeviceMemoryBytes: 64 * GiB },
  ];
  assert.equal(unplacedReason({ labels: [], predictedMemoryBytes: 1e9 }, []), "waiting: no runner is online");
  assert.equal(
    unplacedReason({ labels: [], predictedMemoryBytes: 80 * GiB }, online),
    "needs 80.0 GiB; largest online runner has 64.0 GiB",
  );
  assert.equal(
    unplacedReason({ labels: ["gpu"], predictedMemoryBytes: 20 * GiB }, online),
    "needs 20.0 GiB; largest online runner with labels gpu has 16.0 GiB",
  );
  assert.equal(
    unplacedReason({ labels: ["tpu"], predictedMemoryBytes: 1 }, online),
    "needs labels tpu; no online runner has them",
  );
  assert.equal(unplacedReason({ labels: ["gpu"], predictedMemoryBytes: 16 * GiB }, online), null);
});

test("memoryBudget: one device is shared by its jobs, several devices take a job each", () => {
  assert.deepEqual(memoryBudget(24e9, 1, 14e9), { bytes: 10e9, perDevice: false });
  assert.deepEqual(memoryBudget(24e9, 1, 30e9), { bytes: 0, perDevice: false }, "never negative");
  assert.deepEqual(memoryBudget(24e9, 1, 0), { bytes: 24e9, perDevice: false });
  assert.deepEqual(memoryBudget(80e9, 4, 70e9), { bytes: 80e9, perDevice: true });
});
