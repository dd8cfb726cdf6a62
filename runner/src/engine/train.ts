import * as tf from "@tensorflow/tfjs";
import { type Batch, batchAt, evalBatches, type Sequence } from "./data.js";
import { BufferRoles, type MemoryBreakdown, tagState } from "./memory-breakdown.js";
import { buffersAtPeak, liveBufferBytes, peakBufferBytes } from "./memory-meter.js";
import { causalLmLoss, forward, type Model } from "./model.js";
import {
  ADAMW_DEFAULTS,
  type AdamWOptions,
  type AdamWState,
  adamWStep,
  clipScale,
  createAdamWState,
  globalNorm,
  learningRate,
} from "./optim.js";
import type { PeftMethod } from "./peft-hooks.js";

/**
 * The training loop. It knows a model, a method's trainable variables and hooks, and data — never which
 * method it runs. Everything a step computes is inside tf.tidy; gradients are accumulated over
 * micro-batches, clipped by global norm, and applied with AdamW at the step's scheduled learning rate.
 */

export interface TrainOptions {
  steps: number;
  batchSize: number;
  accumulation: number;
  lr: number;
  warmupSteps: number;
  minLrRatio: number;
  maxGradNorm: number;
  adamw: AdamWOptions;
  seed: number;
  evalEvery: number;
  checkpointEvery: number;
  gradientCheckpointing: boolean;
  pad: number;
}

export const TRAIN_DEFAULTS: Omit<TrainOptions, "steps" | "pad"> = {
  batchSize: 4,
  accumulation: 1,
  lr: 2e-4,
  warmupSteps: 0,
  minLrRatio: 0,
  maxGradNorm: 1,
  adamw: ADAMW_DEFAULTS,
  seed: 42,
  evalEvery: 0,
  checkpointEvery: 0,
  gradientCheckpointing: false,
};

export interface StepMetrics {
  step: number;
  trainLoss: number;
  evalLoss?: number;
  lr: number;
  gradNorm: number;
  tokensPerSecond: number;
  msPerStep: number;
  liveTensorBytes: number;
  /** The most bytes of distinct tensor buffers alive at once during this step (memory-meter.ts). */
  peakTensorBytes: number;
}

/** Everything needed to continue a run exactly: trainable weights, AdamW moments, step, data seed. */
export interface TrainState {
  step: number;
  seed: number;
  optimizer: AdamWState;
}

export interface LoopInput {
  model: Model;
  method: PeftMethod;
  train: Sequence[];
  eval: Sequence[];
  options: TrainOptions;
  /** Continue from a checkpoint (its trainable weights already loaded into the method). */
  resume?: { step: number; optimizer: AdamWState };
  signal?: AbortSignal;
  onMetrics?: (m: StepMetrics) => void;
  onCheckpoint?: (state: TrainState) => Promise<void> | void;
  /** Called after each eval step's metrics (isEvalStep), e.g. to generate samples from the model as it is. */
  onEval?: (step: number) => Promise<void> | void;
  /** What a step's error (and its 1-based step number) is rethrown as, e.g. out of memory explained. */
  stepFailed?: (err: unknown, step: number) => unknown;
  /** Split the largest step peak by what its buffers are (cost profiles; one map entry per allocation). */
  measureBreakdown?: boolean;
}

export interface LoopResult {
  steps: number;
  cancelled: boolean;
  history: StepMetrics[];
  state: TrainState;
  measuredPeakBytes: number;
  /** The step with the largest peak, split (with `measureBreakdown`). */
  peakBreakdown?: MemoryBreakdown;
}

/**
 * Whether the 1-based `step` evaluates: every `evalEvery` steps and always at the last one, so
 * `evalEvery: 0` means "at the end only" (the schema's wording) and every finished run has an eval loss.
 */
export function isEvalStep(step: number, evalEvery: number, steps: number): boolean {
  return step === steps || (evalEvery > 0 && step % evalEvery === 0);
}

/** Mean loss over batches, weighted by their loss tokens; no gradients, no dropout. */
export function evaluate(model: Model, method: PeftMethod, batches: Batch[]): number {
  method.setTraining(false);
  let total = 0;
  let tokens = 0;
  for (const b of batches) {
    const loss = tf.tidy(() => batchLoss(model, method, b).dataSync()[0]!);
    total += loss * b.lossTokens;
    tokens += b.lossTokens;
  }
  return tokens > 0 ? total / tokens : Number.NaN;
}

export function batchLoss(model: Model, method: PeftMethod, b: Batch, checkpointLayers = false): tf.Scalar {
  const out = forward(model, b.ids, {
    hooks: method.hooks,
    attentionMask: b.attentionMask,
    checkpointLayers,
    layerVariables: (l) => method.layerVariables(l),
  });
  const logits =
    out.virtualTokens > 0
      ? (tf.slice(out.logits, [0, out.virtualTokens, 0], [-1, -1, -1]) as tf.Tensor3D)
      : out.logits;
  return causalLmLoss(logits, b.labels);
}

export async function trainLoop(input: LoopInput): Promise<LoopResult> {
  const { model, method, options: o } = input;
  const params = method.trainable;
  const names = [...params.keys()];
  const vars = names.map((n) => params.get(n)!);
  const optimizer = input.resume?.optimizer ?? createAdamWState(params);
  const history: StepMetrics[] = [];
  const evalSet = input.eval.length ? evalBatches(input.eval, o.batchSize, o.pad) : [];
  let measuredPeakBytes = 0;
  let peakBreakdown: MemoryBreakdown | undefined;
  const state = () => ({
    trainable: vars,
    optimizer: [...optimizer.m.values(), ...optimizer.v.values()],
    frozen: [
      ...model.weights.values(),
      ...method.replacedWeights.flatMap((n) => method.hooks.compactWeight?.(n)?.tensors ?? []),
    ],
  });
  let step = input.resume?.step ?? 0;
  let cancelled = false;

  for (; step < o.steps; step++) {
    if (input.signal?.aborted) {
      cancelled = true;
      break;
    }
    const started = performance.now();
    let tokens = 0;
    let trainLoss = 0;
    let gradNorm = 0;
    const lr = learningRate(step, {
      lr: o.lr,
      warmupSteps: o.warmupSteps,
      totalSteps: o.steps,
      minLrRatio: o.minLrRatio,
    });
    const roles = input.measureBreakdown ? new BufferRoles() : null;
    if (roles) tagState(roles, state());
    const runStep = () => {
      const sums = new Map<string, tf.Tensor>();
      for (let micro = 0; micro < o.accumulation; micro++) {
        const batch = batchAt(input.train, { ...o, accumulation: o.accumulation }, step, micro);
        tokens += batch.lossTokens;
        method.setTraining(true, o.seed * 100_003 + step * o.accumulation + micro);
        const { value, grads } = tf.variableGrads(
          () => batchLoss(model, method, batch, o.gradientCheckpointing),
          vars,
        );
        trainLoss += value.dataSync()[0]! / o.accumulation;
        value.dispose();
        roles?.tag(Object.values(grads), "gradient");
        for (const [i, name] of names.entries()) {
          const g = grads[vars[i]!.name];
          if (g) accumulate(sums, name, g, o.accumulation);
        }
      }
      roles?.tag(sums.values(), "gradient");
      gradNorm = globalNorm(sums.values());
      adamWStep(params, sums, optimizer, lr, o.adamw, clipScale(gradNorm, o.maxGradNorm));
      tf.dispose([...sums.values()]);
    };
    const guardedStep = () => {
      try {
        runStep();
      } catch (err) {
        throw input.stepFailed ? input.stepFailed(err, step + 1) : err;
      }
    };
    let peakTensorBytes: number;
    if (roles) {
      const { peak, alive } = buffersAtPeak(guardedStep);
      tagState(roles, state()); // buffers the update replaced (non-native backends assign new ones)
      if (peak > measuredPeakBytes) peakBreakdown = roles.breakdown(peak, alive);
      peakTensorBytes = peak;
    } else peakTensorBytes = peakBufferBytes(guardedStep);
    measuredPeakBytes = Math.max(measuredPeakBytes, peakTensorBytes);
    history.push(metrics());
    function metrics(): StepMetrics {
      const ms = performance.now() - started;
      return {
        step: step + 1,
        trainLoss,
        lr,
        gradNorm,
        tokensPerSecond: (tokens * 1000) / ms,
        msPerStep: ms,
        liveTensorBytes: liveBufferBytes(),
        peakTensorBytes,
      };
    }
    const m = history[history.length - 1]!;
    const evalStep = isEvalStep(step + 1, o.evalEvery, o.steps);
    if (evalStep && evalSet.length) m.evalLoss = evaluate(model, method, evalSet);
    method.setTraining(false);
    input.onMetrics?.(m);
    if (evalStep) await input.onEval?.(step + 1);
    if (input.onCheckpoint && o.checkpointEvery > 0 && (step + 1) % o.checkpointEvery === 0) {
      await input.onCheckpoint({ step: step + 1, seed: o.seed, optimizer });
    }
    await new Promise((r) => setImmediate(r)); // let an abort (or a worker message) arrive between steps
  }
  return {
    steps: step,
    cancelled,
    history,
    state: { step, seed: o.seed, optimizer },
    measuredPeakBytes,
    peakBreakdown,
  };
}

/**
 * Adds one micro-batch's gradient (divided by the number of micro-batches) into `sums`, taking ownership
 * of `g`. Without accumulation the gradient itself is the sum: no copy of it is made.
 */
function accumulate(sums: Map<string, tf.Tensor>, name: string, g: tf.Tensor, micro: number): void {
  if (micro === 1) {
    sums.set(name, g);
    return;
  }
  const prev = sums.get(name);
  sums.set(
    name,
    tf.tidy(() => (prev ? tf.add(prev, tf.mul(g, 1 / micro)) : tf.mul(g, 1 / micro))),
  );
  prev?.dispose();
  g.dispose();
}
