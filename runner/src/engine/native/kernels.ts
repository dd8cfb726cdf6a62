import * as tf from "@tensorflow/tfjs";
import { BINARY, type NativeAddon, REDUCE, UNARY } from "./addon.js";
import { outputBuffers } from "./buffer-pool.js";

/**
 * Native kernels for the "native" backend (a tfjs 'cpu' backend: every tensor is a plain typed array in
 * `backend.data`, so the addon reads and writes them in place, with no copy and no 4 GB ceiling). Each
 * kernel handles float32 on the shapes it is written for and hands anything else (int32, bool, complex,
 * an exotic broadcast) to the 'cpu' JS kernel it replaces, so it is never less correct than the reference.
 * The op set is what a training step of the engine runs (listed with tf.profile): matmuls, element-wise
 * ops with broadcasting, reductions, softmax, transpose, slice/split/concat, gather and its gradient.
 */

type Info = tf.TensorInfo;
type KernelArgs = Parameters<tf.KernelFunc>[0];
interface CpuBackend {
  data: { get(id: object): { values: unknown } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: tf.backend_util.BackendValues): Info;
}
type NativeKernel = (args: KernelArgs, addon: NativeAddon, fallback: tf.KernelFunc) => Info | Info[];

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
/**
 * A float32 input's values as the addon reads them. tfjs's cpu Cast from int32 or bool to float32 loses no
 * precision, so it keeps the Int32Array/Uint8Array under the float32 dtype; the addon would read those
 * bytes as float bits (tf.norm's pow(|x|, int32 2) read the 2 as a denormal and every power was 1).
 */
const f32 = (backend: unknown, t: Info): Float32Array => {
  const values = (backend as CpuBackend).data.get(t.dataId).values;
  return values instanceof Float32Array ? values : Float32Array.from(values as ArrayLike<number>);
};
const output = (
  backend: unknown,
  shape: number[],
  values: Float32Array | Int32Array,
  dtype: tf.DataType = "float32",
) => (backend as CpuBackend).makeTensorInfo(shape, dtype, values);
const allFloat = (...xs: Info[]) => xs.every((x) => x.dtype === "float32");

function binary(op: number): NativeKernel {
  return ({ inputs, backend }, addon, fallback) => {
    const { a, b } = inputs as { a: Info; b: Info };
    if (!allFloat(a, b)) return fallback({ inputs, backend, attrs: {} }) as Info;
    const shape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const out = outputBuffers.take(size(shape));
    addon.binary(op, f32(backend, a), a.shape, f32(backend, b), b.shape, out, shape);
    return output(backend, shape, out);
  };
}

function unary(op: number): NativeKernel {
  return ({ inputs, backend, attrs }, addon, fallback) => {
    const { x } = inputs as { x: Info };
    if (x.dtype !== "float32") return fallback({ inputs, backend, attrs }) as Info;
    const out = outputBuffers.take(size(x.shape));
    addon.unary(op, f32(backend, x), out);
    return output(backend, x.shape, out);
  };
}

/** x viewed as [outer, r, inner] when the reduced axes are consecutive; null otherwise. */
function reduceLayout(shape: number[], axes: number[]): [number, number, number] | null {
  const sorted = [...axes].sort((p, q) => p - q);
  if (sorted.some((a, i) => i > 0 && a !== sorted[i - 1]! + 1)) return null;
  const first = sorted[0] ?? shape.length;
  const last = sorted.at(-1) ?? shape.length - 1;
  return [size(shape.slice(0, first)), size(shape.slice(first, last + 1)), size(shape.slice(last + 1))];
}

function reduction(op: number): NativeKernel {
  return ({ inputs, backend, attrs }, addon, fallback) => {
    const { x } = inputs as { x: Info };
    const a = attrs as unknown as {
      axis?: number | number[];
      reductionIndices?: number | number[];
      keepDims: boolean;
    };
    // Max names its axis reductionIndices; a null axis means every axis
    const axes = tf.util.parseAxisParam(("axis" in a ? a.axis : a.reductionIndices) as number[], x.shape);
    const layout = reduceLayout(x.shape, axes);
    if (x.dtype !== "float32" || layout === null || size(x.shape) === 0)
      return fallback({ inputs, backend, attrs }) as Info;
    const shape = a.keepDims
      ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d))
      : x.shape.filter((_, i) => !axes.includes(i));
    const out = outputBuffers.take(layout[0] * layout[2]);
    addon.reduce(op, f32(backend, x), out, ...layout);
    return output(backend, shape, out);
  };
}

const batchMatMul: NativeKernel = ({ inputs, backend, attrs }, addon, fallback) => {
  const { a, b } = inputs as { a: Info; b: Info };
  const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
  const ra = a.shape.length;
  const rb = b.shape.length;
  const batchA = size(a.shape.slice(0, -2));
  const batchB = size(b.shape.slice(0, -2));
  const k = transposeA ? a.shape[ra - 2]! : a.shape[ra - 1]!;
  const kb = transposeB ? b.shape[rb - 1]! : b.shape[rb - 2]!;
  const sameOrOne = batchA === batchB || batchA === 1 || batchB === 1;
  if (!allFloat(a, b) || k !== kb || !sameOrOne) return fallback({ inputs, backend, attrs }) as Info;
  const m = transposeA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
  const n = transposeB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
  const outer = tf.backend_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const out = outputBuffers.take(Math.max(batchA, batchB) * m * n);
  addon.matmul(f32(backend, a), f32(backend, b), out, batchA, batchB, m, n, k, transposeA, transposeB);
  return output(backend, [...outer, m, n], out);
};

const softmax: NativeKernel = ({ inputs, backend, attrs }, addon, fallback) => {
  const { logits } = inputs as { logits: Info };
  const { dim } = attrs as unknown as { dim: number };
  const rank = logits.shape.length;
  if (logits.dtype !== "float32" || (dim !== -1 && dim !== rank - 1) || size(logits.shape) === 0)
    return fallback({ inputs, backend, attrs }) as Info;
  const cols = logits.shape[rank - 1]!;
  const out = outputBuffers.take(size(logits.shape));
  addon.softmax(f32(backend, logits), out, size(logits.shape) / cols, cols, false);
  return output(backend, logits.shape, out);
};

const transpose: NativeKernel = ({ inputs, backend, attrs }, addon, fallback) => {
  const { x } = inputs as { x: Info };
  const { perm } = attrs as unknown as { perm: number[] };
  if (x.dtype !== "float32") return fallback({ inputs, backend, attrs }) as Info;
  const out = outputBuffers.take(size(x.shape));
  addon.transpose(f32(backend, x), out, x.shape, perm);
  return output(
    backend,
    perm.map((p) => x.shape[p]!),
    out,
  );
};

function words(backend: unknown, t: Info): Float32Array | Int32Array | null {
  const v = (backend as CpuBackend).data.get(t.dataId).values;
  return v instanceof Float32Array || v instanceof Int32Array ? v : null;
}

function sliceOf(backend: unknown, x: Info, begin: number[], sz: number[], addon: NativeAddon): Info | null {
  const src = words(backend, x);
  if (src === null || (x.dtype !== "float32" && x.dtype !== "int32")) return null;
  const out = x.dtype === "float32" ? outputBuffers.take(size(sz)) : new Int32Array(size(sz));
  if (out.length > 0) addon.slice(src, out, x.shape, begin, sz);
  return output(backend, sz, out, x.dtype);
}

const slice: NativeKernel = ({ inputs, backend, attrs }, addon, fallback) => {
  const { x } = inputs as { x: Info };
  const { begin, size: sz } = attrs as unknown as { begin: number | number[]; size: number | number[] };
  const [b, s] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, sz);
  tf.slice_util.assertParamsValid(x as tf.Tensor, b, s);
  return sliceOf(backend, x, b, s, addon) ?? (fallback({ inputs, backend, attrs }) as Info);
};

const splitV: NativeKernel = ({ inputs, backend, attrs }, addon, fallback) => {
  const { x } = inputs as { x: Info };
  const { numOrSizeSplits, axis } = attrs as unknown as { numOrSizeSplits: number | number[]; axis: number };
  const ax = tf.util.parseAxisParam(axis, x.shape)[0]!;
  const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, ax);
  const begin = x.shape.map(() => 0);
  const outs: Info[] = [];
  for (const s of sizes) {
    const sz = [...x.shape];
    sz[ax] = s;
    const piece = sliceOf(backend, x, [...begin], sz, addon);
    if (piece === null) return fallback({ inputs, backend, attrs }) as Info[];
    outs.push(piece);
    begin[ax]! += s;
  }
  return outs;
};

const concat: NativeKernel = ({ inputs, backend, attrs }, addon, fallback) => {
  const xs = (Object.values(inputs) as Info[]).filter((t) => size(t.shape) > 0);
  const dtype = xs[0]?.dtype;
  const arrays = xs.map((t) => words(backend, t));
  if (
    xs.length === 0 ||
    (dtype !== "float32" && dtype !== "int32") ||
    xs.some((t) => t.dtype !== dtype) ||
    arrays.some((a) => a === null)
  )
    return fallback({ inputs, backend, attrs }) as Info;
  const ax = tf.util.parseAxisParam((attrs as unknown as { axis: number }).axis, xs[0]!.shape)[0]!;
  const shape = tf.backend_util.computeOutShape(
    xs.map((t) => t.shape),
    ax,
  );
  const outer = size(shape.slice(0, ax));
  const out = dtype === "float32" ? outputBuffers.take(size(shape)) : new Int32Array(size(shape));
  addon.concat(
    arrays as (Float32Array | Int32Array)[],
    xs.map((t) => size(t.shape.slice(ax))),
    out,
    outer,
  );
  return output(backend, shape, out, dtype);
};

const gather: NativeKernel = ({ inputs, backend, attrs }, addon, fallback) => {
  const { x, indices } = inputs as { x: Info; indices: Info };
  const { axis, batchDims } = attrs as unknown as { axis: number; batchDims: number };
  const ids = (backend as CpuBackend).data.get(indices.dataId).values;
  const ax = tf.util.parseAxisParam(axis, x.shape)[0];
  if (x.dtype !== "float32" || ax !== 0 || batchDims !== 0 || !(ids instanceof Int32Array))
    return fallback({ inputs, backend, attrs }) as Info;
  const inner = size(x.shape.slice(1));
  const out = outputBuffers.take(ids.length * inner);
  const bad = addon.gatherRows(f32(backend, x), x.shape[0]!, inner, ids, out);
  if (bad >= 0) return fallback({ inputs, backend, attrs }) as Info; // the reference kernel's error
  return output(backend, [...indices.shape, ...x.shape.slice(1)], out);
};

const unsortedSegmentSum: NativeKernel = ({ inputs, backend, attrs }, addon, fallback) => {
  const { x, segmentIds } = inputs as { x: Info; segmentIds: Info };
  const { numSegments } = attrs as unknown as { numSegments: number };
  const ids = (backend as CpuBackend).data.get(segmentIds.dataId).values;
  if (x.dtype !== "float32" || !(ids instanceof Int32Array))
    return fallback({ inputs, backend, attrs }) as Info;
  const tail = x.shape.slice(segmentIds.shape.length);
  const inner = size(tail);
  const out = outputBuffers.take(numSegments * inner);
  addon.segmentSum(f32(backend, x), ids, inner, out, numSegments);
  return output(backend, [numSegments, ...tail], out);
};

/** tfjs kernel name → native implementation. */
export const NATIVE_KERNELS: Record<string, NativeKernel> = {
  BatchMatMul: batchMatMul,
  Add: binary(BINARY.Add),
  Sub: binary(BINARY.Sub),
  Multiply: binary(BINARY.Mul),
  RealDiv: binary(BINARY.Div),
  Maximum: binary(BINARY.Max),
  Minimum: binary(BINARY.Min),
  SquaredDifference: binary(BINARY.SquaredDiff),
  Pow: binary(BINARY.Pow),
  Neg: unary(UNARY.Neg),
  Exp: unary(UNARY.Exp),
  Log: unary(UNARY.Log),
  Sqrt: unary(UNARY.Sqrt),
  Rsqrt: unary(UNARY.Rsqrt),
  Square: unary(UNARY.Square),
  Sigmoid: unary(UNARY.Sigmoid),
  Abs: unary(UNARY.Abs),
  Reciprocal: unary(UNARY.Reciprocal),
  Tanh: unary(UNARY.Tanh),
  Relu: unary(UNARY.Relu),
  Sum: reduction(REDUCE.Sum),
  Max: reduction(REDUCE.Max),
  Min: reduction(REDUCE.Min),
  Mean: reduction(REDUCE.Mean),
  Softmax: softmax,
  Transpose: transpose,
  Slice: slice,
  SplitV: splitV,
  Concat: concat,
  GatherV2: gather,
  UnsortedSegmentSum: unsortedSegmentSum,
};

/**
 * Kernels with no 'cpu' counterpart, for ops that look them up on the active backend (ops/cross-entropy.ts):
 * the cross-entropy over a vocabulary in one pass per direction, without [N, V] temporaries.
 */
export const ROW_LOG_SUM_EXP = "TunelabRowLogSumExp";
export const SOFTMAX_XENT_GRAD = "TunelabSoftmaxXentGrad";

export const FUSED_KERNELS: Record<string, (args: KernelArgs, addon: NativeAddon) => Info> = {
  /** x [N, V] → log Σ exp over the last axis, [N]. */
  [ROW_LOG_SUM_EXP]: ({ inputs, backend }, addon) => {
    const { x } = inputs as { x: Info };
    const cols = x.shape[x.shape.length - 1]!;
    const rows = size(x.shape) / cols;
    const out = outputBuffers.take(rows);
    addon.rowLogSumExp(f32(backend, x), out, rows, cols);
    return output(backend, x.shape.slice(0, -1), out);
  },
  /** logits [N, V], lse [N], scale [N], targets [N] int32 → scale · (softmax − onehot(targets)), [N, V]. */
  [SOFTMAX_XENT_GRAD]: ({ inputs, backend }, addon) => {
    const { logits, lse, scale, targets } = inputs as Record<string, Info>;
    const cols = logits!.shape[logits!.shape.length - 1]!;
    const rows = size(logits!.shape) / cols;
    const ids = (backend as CpuBackend).data.get(targets!.dataId).values as Int32Array;
    const out = outputBuffers.take(rows * cols);
    addon.softmaxXentGrad(
      f32(backend, logits!),
      f32(backend, lse!),
      f32(backend, scale!),
      ids,
      out,
      rows,
      cols,
    );
    return output(backend, logits!.shape, out);
  },
};
