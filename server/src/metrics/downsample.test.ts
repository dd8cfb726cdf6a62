import assert from "node:assert/strict";
import { test } from "node:test";
import { downsampleMinMax, type Point } from "./downsample.js";

function series(n: number): Point[] {
  return Array.from({ length: n }, (_, i) => ({
    step: i,
    value: Math.sin(i / 500) + (i % 997 === 0 ? 5 : 0),
  }));
}

test("short series come back unchanged", () => {
  const s = series(10);
  assert.deepEqual(downsampleMinMax(s, 100), s);
});

test("100k points: bounded, sorted, first and last kept, global spikes kept", () => {
  const s = series(100_000);
  const out = downsampleMinMax(s, 500);
  assert.ok(out.length <= 500 && out.length > 400);
  assert.deepEqual(out[0], s[0]);
  assert.deepEqual(out.at(-1), s.at(-1));
  for (let i = 1; i < out.length; i++) assert.ok(out[i].step > out[i - 1].step);
  const maxOf = (p: Point[]) => Math.max(...p.map((x) => x.value));
  const minOf = (p: Point[]) => Math.min(...p.map((x) => x.value));
  assert.equal(maxOf(out), maxOf(s));
  assert.equal(minOf(out), minOf(s));
});

test("every bucket's min and max survive (checked against a brute-force bucketing)", () => {
  const s = series(10_000);
  const out = downsampleMinMax(s, 102);
  const steps = new Set(out.map((p) => p.step));
  const inner = s.length - 2;
  for (let b = 0; b < 50; b++) {
    const bucket = s.slice(1 + Math.floor((b * inner) / 50), 1 + Math.floor(((b + 1) * inner) / 50));
    const values = bucket.map((p) => p.value);
    const kept = bucket.filter((p) => steps.has(p.step)).map((p) => p.value);
    assert.ok(kept.includes(Math.min(...values)));
    assert.ok(kept.includes(Math.max(...values)));
  }
});
