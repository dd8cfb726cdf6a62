import assert from "node:assert/strict";
import { test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { useCpu, useNative } from "../backend.js";
import { NATIVE_KERNELS } from "./kernels.js";
import { useNativeOrSkip } from "./test-kit.js";

/**
 * Every native kernel against tfjs's own 'cpu' kernel (the reference the native backend replaces) on
 * random shapes: all matmul transposes, batch broadcasting, odd sizes, 1 × N edges, every broadcasting
 * pattern the model uses, reductions over each axis layout, and the fallbacks (int32, non-consecutive
 * axes). Values must agree to 1e-5 relative.
 */

type Case = [name: string, run: () => tf.Tensor | tf.Tensor[]];

let seed = 1;
function random(shape: number[], lo = -1, hi = 1): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    out[i] = lo + ((hi - lo) * seed) / 2 ** 31;
  }
  return out;
}
// Inputs are made from plain arrays on whichever backend runs the case, so both see the same numbers.
const r = (shape: number[], lo = -1, hi = 1) => {
  const values = random(shape, lo, hi);
  return () => tf.tensor(values, shape);
};

function cases(): Case[] {
  const out: Case[] = [];
  for (const [ta, tb] of [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ] as const) {
    const [m, k, n] = [37, 19, 23];
    const a = r(ta ? [3, k, m] : [3, m, k]);
    const b = r(tb ? [3, n, k] : [3, k, n]);
    out.push([`matMul batch transposeA=${ta} transposeB=${tb}`, () => tf.matMul(a(), b(), ta, tb)]);
    const a2 = r(ta ? [k, m] : [m, k]);
    out.push([`matMul broadcast b transposeA=${ta} transposeB=${tb}`, () => tf.matMul(a2(), b(), ta, tb)]);
  }
  const row = r([1, 64]);
  const col = r([64, 1]);
  out.push(["matMul 1×N · N×1", () => tf.matMul(row(), col())]);
  out.push(["matMul N×1 · 1×N", () => tf.matMul(col(), row())]);
  const q = r([2, 3, 8, 5]);
  const k4 = r([2, 3, 9, 5]);
  out.push(["matMul 4-D attention-like", () => tf.matMul(q(), k4(), false, true)]);
  const a1 = r([1, 6, 4]);
  const b3 = r([5, 4, 3]);
  out.push(["matMul batch 1 broadcast to 5", () => tf.matMul(a1(), b3())]);

  const binaries: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [
    ["add", tf.add],
    ["sub", tf.sub],
    ["mul", tf.mul],
    ["div", tf.div],
    ["maximum", tf.maximum],
    ["minimum", tf.minimum],
    ["squaredDifference", tf.squaredDifference],
  ];
  const pairs: [number[], number[]][] = [
    [
      [4, 7, 9],
      [4, 7, 9],
    ],
    [[4, 7, 9], [9]],
    [
      [4, 7, 9],
      [4, 7, 1],
    ],
    [
      [2, 3, 5, 5],
      [2, 1, 5, 5],
    ],
    [
      [3, 1, 5],
      [1, 4, 1],
    ],
    [[1], [6, 2]],
    [[], [3, 3]],
    [
      [33, 1025],
      [33, 1025],
    ],
  ];
  for (const [name, op] of binaries) {
    for (const [sa, sb] of pairs) {
      const a = r(sa);
      const b = name === "div" ? r(sb, 0.5, 2) : r(sb);
      out.push([`${name} [${sa}] [${sb}]`, () => op(a(), b())]);
    }
  }
  const base = r([5, 7], 0.1, 2);
  const expo = r([7], -2, 2);
  out.push(["pow [5,7] [7]", () => tf.pow(base(), expo())]);
  const x = r([6, 11, 13]);
  const pos = r([6, 11, 13], 0.01, 3);
  const unaries: [string, () => tf.Tensor][] = [
    ["neg", () => tf.neg(x())],
    ["exp", () => tf.exp(x())],
    ["log", () => tf.log(pos())],
    ["sqrt", () => tf.sqrt(pos())],
    ["rsqrt", () => tf.rsqrt(pos())],
    ["square", () => tf.square(x())],
    ["sigmoid", () => tf.sigmoid(x())],
    ["abs", () => tf.abs(x())],
    ["reciprocal", () => tf.reciprocal(pos())],
    ["tanh", () => tf.tanh(x())],
    ["relu", () => tf.relu(x())],
  ];
  out.push(...unaries);
  const axes: (number | number[] | undefined)[] = [-1, 0, 1, [1, 2], [0, 1], undefined, [0, 2]];
  for (const axis of axes) {
    for (const keep of [false, true]) {
      out.push([`sum axis=${JSON.stringify(axis)} keepDims=${keep}`, () => tf.sum(x(), axis, keep)]);
      out.push([`mean axis=${JSON.stringify(axis)} keepDims=${keep}`, () => tf.mean(x(), axis, keep)]);
      out.push([`max axis=${JSON.stringify(axis)} keepDims=${keep}`, () => tf.max(x(), axis, keep)]);
      out.push([`min axis=${JSON.stringify(axis)} keepDims=${keep}`, () => tf.min(x(), axis, keep)]);
    }
  }
  const big = r([3, 70000]);
  out.push(["sum of a long row", () => tf.sum(big(), -1)]);
  // above the kernels' one-thread limit (2^18 elements): the parallel loops
  const large = r([700, 401]);
  const largeRow = r([401]);
  out.push(["parallel: add with a broadcast row", () => tf.add(large(), largeRow())]);
  out.push(["parallel: exp", () => tf.exp(large())]);
  out.push(["parallel: sum over rows", () => tf.sum(large(), 0)]);
  out.push(["parallel: max over columns", () => tf.max(large(), 1)]);
  out.push(["parallel: transpose", () => tf.transpose(large())]);
  out.push(["parallel: slice", () => tf.slice(large(), [1, 1], [650, 399])]);
  out.push(["parallel: concat", () => tf.concat([large(), large()], 1)]);
  out.push(["parallel: softmax", () => tf.softmax(large())]);
  out.push(["softmax last axis", () => tf.softmax(x())]);
  out.push(["logSoftmax last axis", () => tf.logSoftmax(x())]);
  out.push(["softmax 1 × N", () => tf.softmax(row())]);
  for (const perm of [
    [1, 0, 2],
    [0, 2, 1],
    [2, 0, 1],
    [2, 1, 0],
  ])
    out.push([`transpose [${perm}]`, () => tf.transpose(x(), perm)]);
  const x4 = r([2, 5, 3, 4]);
  out.push(["transpose [0,2,1,3]", () => tf.transpose(x4(), [0, 2, 1, 3])]);
  const wide = r([67, 129]);
  out.push(["transpose 2-D odd sizes", () => tf.transpose(wide())]);
  out.push(["slice inner", () => tf.slice(x(), [1, 2, 3], [4, 5, 6])]);
  out.push(["slice leading rows", () => tf.slice(x(), [2, 0, 0], [3, -1, -1])]);
  out.push(["slice int32", () => tf.slice(tf.range(0, 60, 1, "int32").reshape([6, 10]), [1, 3], [2, 4])]);
  out.push(["split last axis", () => tf.split(x(), [6, 7], 2)]);
  out.push(["split first axis", () => tf.split(x(), 3, 0)]);
  const y = r([6, 11, 4]);
  out.push(["concat last axis", () => tf.concat([x(), y()], 2)]);
  out.push(["concat first axis", () => tf.concat([x(), x()], 0)]);
  out.push(["concat int32", () => tf.concat([tf.range(0, 6, 1, "int32"), tf.range(6, 9, 1, "int32")])]);
  const table = r([50, 8]);
  const ids = [3, 0, 49, 3, 7, 7];
  out.push(["gather rows", () => tf.gather(table(), tf.tensor2d(ids, [2, 3], "int32"))]);
  out.push(["gather axis 1 (fallback)", () => tf.gather(table(), tf.tensor1d([1, 5], "int32"), 1)]);
  const seg = r([6, 8]);
  out.push([
    "unsortedSegmentSum",
    () => tf.unsortedSegmentSum(seg(), tf.tensor1d([2, 0, 2, 4, -1, 0], "int32"), 5),
  ]);
  out.push([
    "gather gradient",
    () => tf.grad((t: tf.Tensor) => tf.sum(tf.square(tf.gather(t, tf.tensor1d(ids, "int32")))))(table()),
  ]);
  out.push(["int32 add (fallback)", () => tf.add(tf.range(0, 5, 1, "int32"), tf.scalar(3, "int32"))]);
  // tfjs's cpu Cast int32 → float32 keeps the Int32Array under the float32 dtype: tf.norm is
  // sqrt(sum(pow(|x|, int32 2))), and the addon once read the 2's bits as a float (every power was 1)
  const w = r([7, 12]);
  out.push(["pow by an int32 exponent cast to float32", () => tf.pow(w(), tf.scalar(2, "int32"))]);
  out.push(["norm per row (DoRA's weight norm)", () => tf.norm(w(), "euclidean", 1)]);
  out.push(["add a cast int32 tensor", () => tf.add(w(), tf.cast(tf.range(0, 12, 1, "int32"), "float32"))]);
  return out;
}

async function values(
  run: () => tf.Tensor | tf.Tensor[],
): Promise<{ shape: number[]; data: Float32Array }[]> {
  return tf.tidy(() => {
    const got = run();
    return (Array.isArray(got) ? got : [got]).map((t) => ({
      shape: t.shape,
      data: Float32Array.from(t.dataSync()),
    }));
  });
}

test("every native kernel equals the 'cpu' reference kernel to 1e-5 relative", async (t) => {
  if (!(await useNativeOrSkip(t))) return;
  const all = cases();
  const reference: { shape: number[]; data: Float32Array }[][] = [];
  await useCpu();
  seed = 1;
  for (const [, run] of cases()) reference.push(await values(run));
  await useNative();
  const covered = new Set<string>();
  for (const [i, [name, run]] of all.entries()) {
    const profile = await tf.profile(() => run());
    for (const k of profile.kernels) covered.add(k.name);
    const got = await values(run);
    const want = reference[i]!;
    assert.equal(got.length, want.length, name);
    for (const [j, g] of got.entries()) {
      assert.deepEqual(g.shape, want[j]!.shape, `${name}: shape`);
      for (let e = 0; e < g.data.length; e++) {
        const a = g.data[e]!;
        const b = want[j]!.data[e]!;
        assert.ok(
          Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b)),
          `${name}: element ${e} is ${a}, reference ${b}`,
        );
      }
    }
  }
  // the cases reach every kernel the backend replaces
  const untested = Object.keys(NATIVE_KERNELS).filter((k) => !covered.has(k));
  assert.deepEqual(untested, []);
  await useCpu();
});
