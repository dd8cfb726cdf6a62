import assert from "node:assert/strict";
import { test } from "node:test";
import {
  alignSeries,
  appendPoints,
  axisSize,
  emptySeries,
  legendValue,
  mergeFresh,
  type RawPoint,
  xsOf,
} from "./series.js";
import { smooth } from "./smoothing.js";

const p = (step: number, value: number, wallTimeMs: number | null = null): RawPoint => ({
  runId: "r",
  key: "train_loss",
  step,
  value,
  wallTimeMs,
});

test("appendPoints keeps steps sorted and ignores a step it already has (live points may repeat)", () => {
  const cases: [RawPoint[][], number[], number[]][] = [
    [
      [[p(1, 1), p(2, 2)], [p(3, 3)]],
      [1, 2, 3],
      [1, 2, 3],
    ],
    [
      [[p(1, 1), p(3, 3)], [p(2, 2)]],
      [1, 2, 3],
      [1, 2, 3],
    ], // late point in the middle
    [
      [[p(1, 1), p(2, 2)], [p(2, 9)]],
      [1, 2],
      [1, 2],
    ], // duplicate step: the first value stays
    [
      [[p(5, 5)], [p(1, 1)]],
      [1, 5],
      [1, 5],
    ],
  ];
  for (const [batches, steps, values] of cases) {
    let s = emptySeries();
    for (const batch of batches) s = appendPoints(s, batch);
    assert.deepEqual(s.steps, steps);
    assert.deepEqual(s.values, values);
  }
});

test("appendPoints does not change the series it is given (React state)", () => {
  const before = appendPoints(emptySeries(), [p(1, 1)]);
  appendPoints(before, [p(2, 2)]);
  assert.deepEqual(before.steps, [1]);
});

test("xsOf: steps, or seconds since the run started (not since its first point)", () => {
  const s = appendPoints(emptySeries(), [p(1, 1, null), p(2, 1, 10_000), p(3, 1, 12_500)]);
  assert.deepEqual(xsOf(s, "step", 4_000), [1, 2, 3]);
  assert.deepEqual(xsOf(s, "time", 4_000), [null, 6, 8.5]);
  assert.deepEqual(xsOf(s, "time", null), [null, null, null], "not started: no time axis");
});

test("alignSeries: one sorted x, each series' y on it, null where it has no point", () => {
  const { x, ys } = alignSeries([
    { xs: [1, 2, 4], ys: [10, 20, 40] },
    { xs: [2, 3, null], ys: [2, 3, 99] },
  ]);
  assert.deepEqual(x, [1, 2, 3, 4]);
  assert.deepEqual(ys, [
    [10, 20, null, 40],
    [null, 2, 3, null],
  ]);
});

test("alignSeries on 16 runs × 10k shared steps: one x of 10k, every run on it", () => {
  const list = Array.from({ length: 16 }, (_, r) => ({
    xs: Array.from({ length: 10_000 }, (_, i) => i + 1),
    ys: Array.from({ length: 10_000 }, (_, i) => r + i),
  }));
  const { x, ys } = alignSeries(list);
  assert.equal(x.length, 10_000);
  assert.equal(ys.length, 16);
  assert.equal(ys[15]![9_999], 15 + 9_999);
});

test("smooth: 0 is the raw series; otherwise a debiased EMA (the first point is the first value)", () => {
  assert.deepEqual(smooth([3, 1, 2], 0), [3, 1, 2]);
  const s = smooth([4, 2, null, 2], 0.5);
  assert.equal(s[0], 4);
  // (0.5·(0.5·0 + 0.5·4) + 0.5·2) / (1 − 0.25) = (1 + 1) / 0.75
  assert.ok(Math.abs(s[1]! - 2 / 0.75) < 1e-12);
  assert.equal(s[2], null, "gaps stay gaps");
  const constant = smooth([5, 5, 5, 5], 0.9);
  for (const v of constant) assert.ok(Math.abs(v! - 5) < 1e-12, "a constant stays constant");
});

test("legendValue: the hovered point, else the latest one — never a placeholder", () => {
  const ys = [2.5, null, 1.23456, null];
  assert.equal(legendValue(ys, 0), "2.5");
  assert.equal(legendValue(ys, null), "1.235");
  assert.equal(legendValue(ys, 1), "");
  assert.equal(legendValue([], null), "");
});

test("axisSize: room for the longest tick label, so the axis title sits beside it, not on it", () => {
  assert.ok(axisSize(["0.000125", "0.00025"]) > 8 * 7, "8 characters of 12px text");
  assert.ok(axisSize(["1", "2"]) < axisSize(["1,000,000"]));
  assert.equal(axisSize(null), axisSize([]));
});

test("mergeFresh: the fresh series, then the shown points after its last step (streamed since it was read)", () => {
  const series = (steps: number[]) => ({
    steps,
    values: steps.map((s) => s / 10),
    wall: steps.map(() => null),
  });
  // shown: an older answer (0..4, one point in two) and streamed points 5..7; fresh: read again up to 6
  const shown = series([0, 2, 4, 5, 6, 7]);
  const fresh = series([0, 1, 2, 3, 4, 5, 6]);
  assert.deepEqual(mergeFresh(fresh, shown), series([0, 1, 2, 3, 4, 5, 6, 7]));
  // nothing shown after the fresh series' end: the fresh series as it is
  assert.deepEqual(mergeFresh(fresh, series([0, 3])), fresh);
  assert.deepEqual(mergeFresh(fresh, undefined), fresh);
  // an empty fresh series (no point stored yet) keeps what was streamed
  assert.deepEqual(mergeFresh(series([]), series([8, 9])), series([8, 9]));
});
