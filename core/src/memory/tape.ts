/**
 * The memory of one training step as the engine's autograd holds it (TensorFlow.js's tape), op by op.
 *
 * A step records its forward pass as a list of ops (`Tape`), each naming the tensors it reads, the
 * buffer it makes, what it keeps for its backward pass and how much it holds while it runs. `walkStep`
 * then replays what tfjs does with them:
 * - forward: every op's output stays alive until the forward pass returns (the loss function runs in
 *   one tf.tidy), except inside a nested tf.tidy (adapters, DoRA, prefix), which frees what it does not
 *   return or save; what an op saves (`saves`) is kept until the backward pass ends.
 * - backward: tfjs walks the recorded ops in reverse, only those on a path from a trainable weight to the
 *   loss, and keeps every gradient it computes until the whole backward pass ends. A built-in op
 *   computes gradients for its inputs on that path only; a tf.customGrad op (the fused ops, the
 *   frozen-linear op, checkpointed layers) computes all of them at once, used or not. A tensor read k
 *   times gets k gradients; tfjs sums them with `add`, freeing the previous sum, so k buffers stay.
 * The peak is the most bytes alive at any op of either pass, with the op's own working set added
 * (e.g. attention's recomputed probabilities in its backward).
 *
 * Sizes are in elements; every activation is float32 or int32 (4 bytes). Weights live outside the
 * step (they cost nothing to save); their gradients are counted, those of trainable weights separately.
 */

export interface OpSpec {
  /** Where the op's saved bytes are reported: "attention", "lora", … */
  key: string;
  /** Decoder layer, or null outside the layers. */
  layer: number | null;
  /** Tensors read: activations, weights (`Tape.weight`) or constants made by earlier ops. */
  inputs: string[];
  /** The op's result, a new buffer (views such as reshape are not ops: they keep the tensor's name). */
  output: string;
  elements: number;
  /** Tensors kept for the backward pass: inputs, the output, or tensors of `keeps`. */
  saves?: string[];
  /** Tensors the op makes besides its output and saves (a norm's rstd, attention's log-sum-exp). */
  keeps?: Record<string, number>;
  /** tf.customGrad: gradients for every input are made together, used or not. */
  custom?: boolean;
  /** Inputs whose gradient is a view of the output's gradient (add, residual): no new buffer. */
  aliasGrads?: string[];
  /** Elements held at once in the forward, output and keeps included (default: those two). */
  forwardPeak?: number;
  /** Elements held at once in the backward, its new gradients included (default: those). */
  backwardPeak?: number;
  /** Runs inside a nested tf.tidy: the output is freed at its end unless saved. */
  tidied?: boolean;
  /** The gradients of `aliasGrads` are clones of dy (the residual): views, unless clones copy. */
  cloneGrads?: boolean;
  /** Gradient checkpointing: the block's own tape, rerun under tf.grads in the backward pass. */
  recompute?: Tape;
  /**
   * tf.reshape: the output is a view of its one input's buffer (no new bytes, its gradient a view of
   * dy), but tfjs records the op keeping its input — which keeps that buffer alive to the backward's end.
   */
  view?: boolean;
}

export class Tape {
  /**
   * Whether tfjs's clone copies the buffer (the wasm backend) instead of sharing it (cpu, native): then
   * every tensor an op saves — weights too — is a copy of its own, and a cloned gradient is a new buffer.
   */
  readonly copiesOnSave: boolean;
  readonly sizes = new Map<string, number>();

  constructor(copiesOnSave = false) {
    this.copiesOnSave = copiesOnSave;
  }

  /** Weights by name: trainable or not. */
  readonly weights = new Map<string, boolean>();
  readonly ops: OpSpec[] = [];
  private made = 0;

  /** A new tensor name. */
  name(what: string): string {
    this.made += 1;
    return `${what}#${this.made}`;
  }

  /** Tensors made outside this tape (a recomputed block's inputs): alive anyway, like weights. */
  readonly inputs = new Set<string>();

  input(name: string, elements: number): string {
    this.sizes.set(name, elements);
    this.inputs.add(name);
    return name;
  }

  weight(name: string, elements: number, trainable: boolean): string {
    this.sizes.set(name, elements);
    this.weights.set(name, trainable);
    return name;
  }

  /** Views by name → the tensor whose buffer they share. */
  readonly views = new Map<string, string>();

  op(spec: OpSpec): string {
    if (spec.view) this.views.set(spec.output, this.buffer(spec.inputs[0]!));
    this.sizes.set(spec.output, spec.elements);
    for (const [name, n] of Object.entries(spec.keeps ?? {})) this.sizes.set(name, n);
    this.ops.push(spec);
    return spec.output;
  }

  size(name: string): number {
    const n = this.sizes.get(name);
    if (n === undefined) throw new Error(`tape: unknown tensor ${name}`);
    return n;
  }

  /** The tensor owning the buffer of `name` (itself unless it is a view). */
  buffer(name: string): string {
    return this.views.get(name) ?? name;
  }

  /** Elements kept from the forward pass to the backward's end (savedTensors, or every copy). */
  savedElements(): number {
    if (!this.copiesOnSave) return sum([...this.savedTensors()].map((n) => this.size(n)));
    return sum(this.ops.map((op) => sum((op.saves ?? []).map((n) => this.size(n)))));
  }

  /** Activation buffers some op saves (weights and inputs excluded: they are alive anyway). */
  savedTensors(): Set<string> {
    const out = new Set<string>();
    for (const op of this.ops) {
      for (const name of [...(op.saves ?? []), ...Object.keys(op.keeps ?? {})]) {
        const b = this.buffer(name);
        if (!this.weights.has(b) && !this.inputs.has(b)) out.add(b);
      }
    }
    return out;
  }
}

/** The most elements alive at one moment, and what they were. */
export interface Moment {
  /** Elements alive beyond the weights and optimizer state. */
  elements: number;
  /** Of those, gradient buffers of trainable weights. */
  weightGradients: number;
  /** Of those, what the running op held beyond the tensors kept before it (its working set). */
  working: number;
  /** "forward" or "backward", then the op: e.g. "backward: layer 0 attention". */
  at: string;
}

const NONE: Moment = { elements: 0, weightGradients: 0, working: 0, at: "" };

function later(a: Moment, b: Moment): Moment {
  return b.elements > a.elements ? b : a;
}

function where(phase: string, op: OpSpec): string {
  return `${phase}: ${op.layer === null ? "" : `layer ${op.layer} `}${op.key}`;
}

/**
 * The forward pass: the peak (relative to what was alive before) and what stays alive at its end.
 * `recording` false is the tape switched off (a checkpointed block's first run): nothing is saved.
 */
export function walkForward(tape: Tape, recording: boolean): { peak: Moment; end: number } {
  const saved = recording ? tape.savedTensors() : new Set<string>();
  let live = 0;
  let peak = NONE;
  for (const op of tape.ops) {
    // what the op keeps: its own tensors (rstd, lse) or, where clones copy, a copy of everything it saves
    const kept = !recording
      ? 0
      : tape.copiesOnSave
        ? sum((op.saves ?? []).map((n) => tape.size(n)))
        : sum(Object.values(op.keeps ?? {}));
    const holds = op.recompute ? walkForward(op.recompute, false).peak.elements : op.elements + kept;
    const running = Math.max(op.forwardPeak ?? 0, holds);
    peak = later(peak, {
      elements: live + running,
      weightGradients: 0,
      working: running,
      at: where("forward", op),
    });
    live += (op.view ? 0 : op.elements) + kept;
    if (op.view) continue;
    if (op.tidied && !saved.has(op.output)) live -= op.elements;
  }
  return { peak, end: live };
}

/**
 * The backward pass from the tensors saved by the forward (`live` elements), with `fromPath` tensors
 * (besides the trainable weights) treated as depending on what trains (a recomputed block's inputs).
 * Returns the peak and what is alive at the end (relative to what was alive before the step).
 */
export function walkBackward(
  tape: Tape,
  live: number,
  fromPath: string[] = [],
): { peak: Moment; end: number } {
  const onPath = new Set(fromPath);
  for (const [name, trainable] of tape.weights) if (trainable) onPath.add(name);
  for (const op of tape.ops) if (op.inputs.some((i) => onPath.has(i))) onPath.add(op.output);
  // per tensor with a gradient: whether its current sum is a buffer of its own (not a view of another)
  const grads = new Map<string, { owned: boolean }>();
  const last = tape.ops.at(-1);
  if (last) grads.set(last.output, { owned: false }); // the loss's dy (or the caller's)
  let weightGradients = 0;
  let peak: Moment = { elements: live, weightGradients: 0, working: 0, at: "backward: start" };
  const trainable = (name: string) => tape.weights.get(name) === true;
  const add = (name: string, n: number) => {
    live += n;
    if (trainable(name)) weightGradients += n;
  };
  const accumulate = (name: string, fresh: boolean, op: OpSpec) => {
    const size = tape.size(name);
    const prev = grads.get(name);
    if (!prev) {
      grads.set(name, { owned: fresh });
      if (fresh) add(name, size);
      return;
    }
    // sum = add(prev, dx): dx stays alive (tfjs never frees it), prev is freed if it was a buffer of its
    // own (not a view of another gradient); for a moment prev, dx and the sum are all alive
    const dx = fresh ? size : 0;
    peak = later(peak, {
      elements: live + dx + size,
      weightGradients,
      working: dx + size,
      at: where("backward", op),
    });
    const freed = prev.owned ? size : 0;
    add(name, dx + size - freed);
    grads.set(name, { owned: true });
  };
  for (let i = tape.ops.length - 1; i >= 0; i--) {
    const op = tape.ops[i]!;
    if (!onPath.has(op.output) || !grads.has(op.output)) continue;
    const targets = op.custom ? op.inputs : op.inputs.filter((x) => onPath.has(x));
    const cloned = tape.copiesOnSave && op.cloneGrads === true;
    const fresh = (x: string) => !op.view && (cloned || !(op.aliasGrads ?? []).includes(x));
    const made = sum(targets.filter(fresh).map((x) => tape.size(x)));
    const running = Math.max(op.recompute ? recomputePeak(op) : (op.backwardPeak ?? 0), made);
    peak = later(peak, {
      elements: live + running,
      weightGradients,
      working: running,
      at: where("backward", op),
    });
    for (const x of targets) {
      if (onPath.has(x)) accumulate(x, fresh(x), op);
      else if (fresh(x)) add(x, tape.size(x)); // a custom op's unused gradient: kept, never summed
    }
  }
  return { peak, end: live };
}

/**
 * A checkpointed block's backward: its forward again with the tape on (outputs alive until it returns,
 * then only what it saves), then its own backward; at the end only the gradients of its inputs remain.
 */
function recomputePeak(op: OpSpec): number {
  const inner = op.recompute!;
  const forward = walkForward(inner, true);
  const saved = inner.savedElements();
  const backward = walkBackward(
    inner,
    saved,
    op.inputs.filter((x) => !inner.weights.has(x)),
  );
  return Math.max(forward.peak.elements, backward.peak.elements);
}

/** Forward, then backward, of a whole step: the larger peak. */
export function walkStep(tape: Tape): { peak: Moment; saved: number } {
  const forward = walkForward(tape, true);
  const saved = tape.savedElements();
  const backward = walkBackward(tape, saved);
  return { peak: later(forward.peak, backward.peak), saved };
}

export function sum(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}
