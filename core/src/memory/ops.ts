import type { Tape } from "./tape.js";

/**
 * The engine's ops as tape entries: what each makes, saves and holds while it runs, in elements.
 * Fused ops follow runner/src/engine/ops/README.md (one tf.customGrad each, intermediates counted from
 * their forward/backward functions); built-ins follow tfjs 4.22's gradient configs (matMul, add, mul,
 * sub, div, concat and slice keep their inputs; sigmoid and tanh their output; relu its input).
 */

/** Where ops are recorded: the tape, the breakdown key and the layer. */
export interface At {
  t: Tape;
  key: string;
  layer: number | null;
}

function fresh(at: At, what: string): string {
  return at.t.name(`${at.layer ?? "g"}.${at.key}.${what}`);
}

/** RMSNorm over rows of `d`: saves x, w and one rstd per row; backward tidy holds 7 row-sized tensors. */
export function rmsNorm(at: At, x: string, w: string, rows: number, d: number): string {
  const X = rows * d;
  const rstd = fresh(at, "rstd");
  return at.t.op({
    key: at.key,
    layer: at.layer,
    inputs: [x, w],
    output: fresh(at, "rmsnorm"),
    elements: X,
    keeps: { [rstd]: rows },
    saves: [x, w, rstd],
    custom: true,
    // x², mean, +eps, rstd, x·rstd, ·w
    forwardPeak: 3 * X + 3 * rows,
    // x̂, dy·x̂, g = dy·w, g·x̂, x̂·proj, g − x̂·proj, dx; mean(g·x̂); dw
    backwardPeak: 7 * X + rows + d,
  });
}

/** A linear's output split into heads with RoPE: saves cos/sin only; 6.5 tensors of its size each way. */
export function rope(at: At, x: string, z: number, cos: string, sin: string): string {
  return at.t.op({
    key: at.key,
    layer: at.layer,
    inputs: [x],
    output: fresh(at, "rope"),
    elements: z,
    saves: [cos, sin],
    custom: true,
    // heads (transpose), split halves, −half, concat, ·cos, ·sin, sum
    forwardPeak: 6.5 * z,
    backwardPeak: 6.5 * z,
  });
}

/** A linear's output split into heads (a transpose): saves nothing. */
export function heads(at: At, x: string, z: number): string {
  return at.t.op({
    key: at.key,
    layer: at.layer,
    inputs: [x],
    output: fresh(at, "heads"),
    elements: z,
    custom: true,
  });
}

export interface AttentionSizes {
  /** B·H·T·hd (queries, output), B·G·S·hd (keys, values), B·H·T·S (scores), B·H·T (log-sum-exp). */
  q: number;
  k: number;
  scores: number;
  rows: number;
}

/**
 * Attention saving q, k, v and one log-sum-exp per row. Forward: scores, logSumExp's leftovers (x − max,
 * exp) and the probabilities' two steps are 5 score-sized tensors at once; backward: the output
 * gradient in heads, dV, then P, dP, dP∘P and dP − rowsum: 4.
 */
export function attention(at: At, q: string, k: string, v: string, bias: string, n: AttentionSizes): string {
  const lse = fresh(at, "lse");
  return at.t.op({
    key: at.key,
    layer: at.layer,
    inputs: [q, k, v],
    output: fresh(at, "attention"),
    elements: n.q,
    keeps: { [lse]: n.rows },
    saves: [q, k, v, lse, bias],
    custom: true,
    forwardPeak: 5 * n.scores + 4 * n.rows,
    backwardPeak: 4 * n.scores + n.q + n.k + n.rows,
  });
}

/** x + y of one shape: saves nothing; both gradients are views of dy. */
export function residual(at: At, x: string, y: string, n: number): string {
  return at.t.op({
    key: at.key,
    layer: at.layer,
    inputs: [x, y],
    output: fresh(at, "residual"),
    elements: n,
    custom: true,
    aliasGrads: [x, y],
    cloneGrads: true,
  });
}

/** SiLU(gate)·up: saves gate and up; σ, SiLU and the products make 8 tensors in the backward. */
export function swiglu(at: At, gate: string, up: string, m: number): string {
  return at.t.op({
    key: at.key,
    layer: at.layer,
    inputs: [gate, up],
    output: fresh(at, "swiglu"),
    elements: m,
    saves: [gate, up],
    custom: true,
    forwardPeak: 3 * m,
    backwardPeak: 8 * m,
  });
}

/**
 * Mean cross-entropy over rows of `vocab` logits: saves the logits and one log-sum-exp per row. With the
 * native backend's one-pass kernels the forward makes only the log-sum-exps and the backward only the
 * gradient; with tfjs's ops (wasm, cpu) logSumExp leaves x − max and exp, and the backward x − lse then
 * exp, then ·scale then the scatter: two [N, V] tensors at once each way.
 */
export function crossEntropy(at: At, logits: string, rows: number, vocab: number, fused: boolean): string {
  const lse = fresh(at, "lse");
  const nv = rows * vocab;
  return at.t.op({
    key: at.key,
    layer: at.layer,
    inputs: [logits],
    output: fresh(at, "loss"),
    elements: 1,
    keeps: { [lse]: rows },
    saves: [logits, lse],
    custom: true,
    forwardPeak: (fused ? 0 : 2 * nv) + 6 * rows,
    backwardPeak: (fused ? nv : 2 * nv) + 4 * rows,
  });
}

/** x·Wᵀ with tf.matMul: keeps x and W (W is a weight or the method's own tensor). */
export function matmul(at: At, x: string, w: string, out: number): string {
  return at.t.op({
    key: at.key,
    layer: at.layer,
    inputs: [x, w],
    output: fresh(at, "matmul"),
    elements: out,
    saves: [x, w],
  });
}

/**
 * x·Wᵀ (+ b) for a W in compact storage (NF4, 16-bit): one custom op saving nothing; a float32 W
 * (`weight` elements) exists only while one matmul runs, in the forward and again in the backward —
 * none on the native backend, whose kernel decodes W a block of rows at a time into its own scratch.
 */
export function frozenLinear(
  at: At,
  x: string,
  bias: string | null,
  sizes: { in: number; out: number; weight: number },
): string {
  return at.t.op({
    key: at.key,
    layer: at.layer,
    inputs: bias ? [x, bias] : [x],
    output: fresh(at, "frozen_linear"),
    elements: sizes.out,
    custom: true,
    forwardPeak: sizes.weight + (bias ? 2 : 1) * sizes.out,
    backwardPeak: sizes.weight + sizes.in,
  });
}

/**
 * a + b (tf.add): keeps both inputs. A gradient is a view of dy where the shapes match; a broadcast
 * operand (a bias) gets a new, summed one.
 */
export function add(at: At, a: string, b: string, n: number, broadcast: string[] = []): string {
  return at.t.op({
    key: at.key,
    layer: at.layer,
    inputs: [a, b],
    output: fresh(at, "add"),
    elements: n,
    saves: [a, b],
    aliasGrads: [a, b].filter((x) => !broadcast.includes(x)),
  });
}

/**
 * a · b (tf.mul): keeps both. A broadcast operand's gradient is the product dy·(other) summed down, made
 * as an n-element temporary inside its gradient's tidy.
 */
export function mul(at: At, a: string, b: string, n: number, broadcast: string[] = []): string {
  const temporaries = broadcast.length * n;
  return at.t.op({
    key: at.key,
    layer: at.layer,
    inputs: [a, b],
    output: fresh(at, "mul"),
    elements: n,
    saves: [a, b],
    backwardPeak: n + temporaries + broadcast.reduce((s, x) => s + at.t.size(x), 0),
  });
}

/**
 * An elementwise op of one input that keeps its input (relu, ·scalar) or its output (tanh, sigmoid);
 * `temporaries` tensors of its size besides the gradient in its backward (relu's step(x): 1).
 */
export function unary(
  at: At,
  x: string,
  n: number,
  keeps: "input" | "output" | "nothing",
  what: string,
  temporaries = 0,
): string {
  const output = fresh(at, what);
  return at.t.op({
    key: at.key,
    layer: at.layer,
    inputs: [x],
    output,
    elements: n,
    saves: keeps === "input" ? [x] : keeps === "output" ? [output] : [],
    backwardPeak: (1 + temporaries) * n,
  });
}

/** tf.reshape: a view of x that keeps x's buffer alive until the backward pass ends (tape.ts `view`). */
export function reshape(at: At, x: string): string {
  return at.t.op({
    key: at.key,
    layer: at.layer,
    inputs: [x],
    output: fresh(at, "view"),
    elements: at.t.size(x),
    saves: [x],
    view: true,
  });
}

/** A tensor the forward makes from host data (ids, attention mask, RoPE tables): no gradient. */
export function constant(at: At, n: number, what: string): string {
  return at.t.op({ key: at.key, layer: at.layer, inputs: [], output: fresh(at, what), elements: n });
}

/**
 * tf.tile of x to `copies` copies: keeps x. Its gradient adds one slice of dy per copy to a zero tensor
 * inside one tidy: 1 + 2·copies tensors of x's size.
 */
export function tile(at: At, x: string, copies: number): string {
  const n = at.t.size(x);
  return at.t.op({
    key: at.key,
    layer: at.layer,
    inputs: [x],
    output: fresh(at, "tile"),
    elements: n * copies,
    saves: [x],
    backwardPeak: (2 * copies + 1) * n,
  });
}

/** tf.concat: keeps every input; each input's gradient is a slice of dy. */
export function concat(at: At, xs: string[], tidied = false): string {
  const n = xs.reduce((s, x) => s + at.t.size(x), 0);
  return at.t.op({
    key: at.key,
    layer: at.layer,
    inputs: xs,
    output: fresh(at, "concat"),
    elements: n,
    saves: xs,
    tidied,
  });
}

/** tf.slice: keeps its input; the gradient pads dy back to the input's size. */
export function slice(at: At, x: string, n: number, tidied = false): string {
  return at.t.op({
    key: at.key,
    layer: at.layer,
    inputs: [x],
    output: fresh(at, "slice"),
    elements: n,
    saves: [x],
    tidied,
  });
}
