import { existsSync } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import {
  countParameters,
  type Dtype,
  estimateMemory,
  type MemoryEstimate,
  type ParameterCounts,
} from "@tunelab/core";
import { initBackend } from "./backend.js";
import type { Sequence } from "./data.js";
import { loadBase } from "./hf-folder.js";
import type { MemoryBreakdown } from "./memory-breakdown.js";
import {
  type CrashContext,
  checkMemory,
  coreEstimator,
  readHostMemory,
  translateCrash,
} from "./memory-guard.js";
import { createMethod } from "./methods/registry.js";
import type { AdamWState } from "./optim.js";
import { mulberry32 } from "./rng.js";
import { type StepMetrics, TRAIN_DEFAULTS, trainLoop } from "./train.js";

/**
 * A cost profile: a few training steps of one method on one model, to measure what it costs (peak memory
 * split into its parts, ms/step, tokens/s) rather than what it learns. The tokens are seeded random ids of
 * batchSize × seqLen, so no dataset is read; a preset base has random weights ("cost only"). No eval, no
 * samples, nothing saved.
 */
export interface ProfileJob {
  /** An HF model folder, or a core preset name (random weights). */
  base: string;
  method: { method: string } & Record<string, unknown>;
  /** Optimizer steps to time (default 5; the first is a warm-up and not timed). */
  steps?: number;
  batchSize: number;
  seqLen: number;
  options?: { lr?: number; seed?: number; gradientCheckpointing?: boolean; dtype?: Dtype };
}

/** What a profile measured; the parts sum to peakBytes (memory-breakdown.ts). */
export interface CostProfile extends MemoryBreakdown {
  msPerStep: number;
  tokensPerSecond: number;
  steps: number;
  /** The base was a preset initialised at random: the figures are costs only, not a model's quality. */
  randomWeights: boolean;
}

export interface ProfileResult {
  backend: string;
  method: string;
  trainable: number;
  total: number;
  counts: ParameterCounts;
  /** core's estimate at the profiled batch × seqLen: the prediction the profile is compared with. */
  predicted: MemoryEstimate;
  measuredPeakBytes: number;
  msPerStep: number;
  tokensPerSecond: number;
  steps: number;
  cancelled: boolean;
  rssBytes: number;
  costProfile: CostProfile;
}

export const PROFILE_STEPS = 5;

/** batchSize rows of seqLen ids, uniform over the vocabulary, every position a loss target. */
export function randomSequences(n: number, seqLen: number, vocab: number, seed: number): Sequence[] {
  const rand = mulberry32(seed);
  return Array.from({ length: n }, () => {
    const ids = Array.from({ length: seqLen }, () => Math.floor(rand() * vocab));
    return { ids, labels: [...ids] };
  });
}

export async function runProfile(
  job: ProfileJob,
  cb: { signal?: AbortSignal; onMetrics?: (m: StepMetrics) => void } = {},
): Promise<ProfileResult> {
  const backend = await initBackend();
  const host = await readHostMemory(backend);
  const crash: CrashContext = { backend: host.backend, host };
  const seed = job.options?.seed ?? TRAIN_DEFAULTS.seed;
  const dtype = job.options?.dtype ?? "float32";
  const gradientCheckpointing = job.options?.gradientCheckpointing ?? false;
  const randomWeights = !existsSync(join(job.base, "config.json"));
  const { model, tokenizer } = await loadBase(job.base, seed);
  const method = createMethod(model, job.method, { seed, dtype });
  for (const name of method.replacedWeights) {
    model.weights.get(name)?.dispose();
    model.weights.delete(name);
  }
  let optimizerState: AdamWState | undefined;
  try {
    const virtual = method.config.method === "prompt" ? method.config.num_virtual_tokens : 0;
    const seqLen = Math.min(job.seqLen, model.config.max_position_embeddings - virtual);
    const memoryOptions = {
      batchSize: job.batchSize,
      seqLen,
      optimizer: "adamw",
      dtype,
      gradientCheckpointing,
      kernels: backend.name === "native" ? "native" : backend.name === "wasm" ? "wasm" : "tfjs",
    } as const;
    const predicted = estimateMemory(model.config, method.config, memoryOptions);
    crash.predicted = predicted;
    crash.run = { method: method.config.method, batchSize: job.batchSize, seqLen, gradientCheckpointing };
    crash.estimate = coreEstimator(model.config, method.config, memoryOptions);
    const refused = checkMemory({ run: crash.run, predicted, host, estimate: crash.estimate });
    if (refused) throw refused;
    const loop = await trainLoop({
      model,
      method,
      train: randomSequences(job.batchSize, seqLen, model.config.vocab_size, seed),
      eval: [],
      options: {
        ...TRAIN_DEFAULTS,
        steps: job.steps ?? PROFILE_STEPS,
        batchSize: job.batchSize,
        lr: job.options?.lr ?? TRAIN_DEFAULTS.lr,
        seed,
        gradientCheckpointing,
        pad: tokenizer.pad,
      },
      signal: cb.signal,
      onMetrics: cb.onMetrics,
      stepFailed: (err, step) => translateCrash(err, { ...crash, step }),
      measureBreakdown: true,
    });
    optimizerState = loop.state.optimizer;
    const tail = loop.history.slice(Math.min(1, loop.history.length - 1)); // step 1 includes warm-up
    const msPerStep = tail.reduce((a, m) => a + m.msPerStep, 0) / Math.max(1, tail.length);
    const tokens = tail.reduce((a, m) => a + (m.tokensPerSecond * m.msPerStep) / 1000, 0);
    const tokensPerSecond = (tokens * 1000) / Math.max(1e-9, msPerStep * tail.length);
    const breakdown = loop.peakBreakdown ?? {
      peakBytes: 0,
      frozenBytes: 0,
      trainableBytes: 0,
      gradientBytes: 0,
      optimizerBytes: 0,
      activationBytes: 0,
    };
    const counts = countParameters(model.config, method.config);
    return {
      backend: backend.source,
      method: method.config.method,
      trainable: [...method.trainable.values()].reduce((n, v) => n + v.size, 0),
      total: counts.total,
      counts,
      predicted,
      measuredPeakBytes: loop.measuredPeakBytes,
      msPerStep,
      tokensPerSecond,
      steps: loop.steps,
      cancelled: loop.cancelled,
      rssBytes: process.memoryUsage().rss,
      costProfile: { ...breakdown, msPerStep, tokensPerSecond, steps: loop.steps, randomWeights },
    };
  } catch (err) {
    throw translateCrash(err, crash);
  } finally {
    method.dispose();
    if (optimizerState) tf.dispose([...optimizerState.m.values(), ...optimizerState.v.values()]);
    tf.dispose([...model.weights.values()]);
  }
}
