import { readFile } from "node:fs/promises";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import {
  countParameters,
  type Dtype,
  estimateMemory,
  type MemoryEstimate,
  type ParameterCounts,
  printableText,
} from "@tunelab/core";
import { gpuMemoryBytes, initBackend } from "./backend.js";
import { type Example, evalBatches, pack, parseJsonl, type Sequence, splitEval, tokenize } from "./data.js";
import { type ForgettingReport, forgettingReport } from "./forgetting.js";
import { generate } from "./generate.js";
import { loadBase, saveModelFolder } from "./hf-folder.js";
import {
  type CrashContext,
  checkMemory,
  coreEstimator,
  readHostMemory,
  translateCrash,
} from "./memory-guard.js";
import { createMethod } from "./methods/registry.js";
import type { AdamWState } from "./optim.js";
import type { Model } from "./model.js";
import type { MethodOptions, PeftMethod } from "./peft-hooks.js";
import { disposeExported, writeAdapterFolder } from "./peft-folder.js";
import {
  evaluate,
  type StepMetrics,
  TRAIN_DEFAULTS,
  type TrainOptions,
  type TrainState,
  trainLoop,
} from "./train.js";
import type { TextTokenizer } from "./tokenizer.js";
import { loadTrainState, saveTrainState } from "./train-state.js";

/** A training job as the CLI and the agent describe it (plain JSON). */
export interface TrainingJob {
  /** An HF model folder, or a core preset name (a fresh model: pretraining). */
  base: string;
  /** A JSONL path, or the examples themselves. */
  data: string | Example[];
  /** `{ method: "lora", r: 8, … }` with PEFT's key names; validated by core. */
  method: { method: string } & Record<string, unknown>;
  steps: number;
  maxSeqLen?: number;
  packing?: boolean;
  evalFraction?: number;
  /**
   * The held-out examples themselves (a JSONL path or the examples), e.g. a server's stored split: all of
   * `data` then trains and `evalFraction` is ignored.
   */
  evalData?: string | Example[];
  /** Where the result goes: an HF model folder (full) or a PEFT adapter folder (others). */
  outputDir?: string;
  /** Checkpoints go to `${checkpointDir}/step-N`; resumeFrom names one such folder. */
  checkpointDir?: string;
  resumeFrom?: string;
  /**
   * Held-out "general" text (a JSONL path or the examples), evaluated at the start and at the end of the
   * run: the forgetting figure (at the start means the base, unless resuming).
   */
  generalData?: string | Example[];
  /** Prompts completed greedily at each eval step (default: up to 3 prompts of the data). */
  samplePrompts?: string[];
  /**
   * The loop's options, and `dtype`: the storage of frozen weights (default float32; bfloat16/float16 keep
   * them in 16 bits while what trains stays float32). An unknown dtype, or 16 bits for `full`, is a
   * ValidationError naming `dtype`.
   */
  options?: Partial<Omit<TrainOptions, "steps" | "pad"> & { dtype: Dtype }>;
}

export interface TrainingCallbacks {
  signal?: AbortSignal;
  onMetrics?: (m: StepMetrics) => void;
  onCheckpoint?: (dir: string, step: number) => void;
  /** The sample completions generated at an eval step (the last one's are also the result's `samples`). */
  onSamples?: (step: number, samples: Sample[]) => void;
}

export interface Sample {
  prompt: string;
  completion: string;
}

export interface TrainingResult {
  backend: string;
  method: string;
  /** Counted from the method's variables; equal to core's countParameters (tested). */
  trainable: number;
  total: number;
  counts: ParameterCounts;
  measuredPeakBytes: number;
  liveBytesAfter: number;
  rssBytes: number;
  /** On tfjs-node-gpu, the GPU's own figure for this process (nvidia-smi); null elsewhere. */
  gpuMemoryBytes?: number | null;
  predicted: MemoryEstimate;
  steps: number;
  cancelled: boolean;
  finalTrainLoss: number;
  bestEvalLoss: number | null;
  tokensPerSecond: number;
  msPerStep: number;
  /** The last eval step's completions of the sample prompts. */
  samples: Sample[];
  /** Loss change on `generalData`; null without it. */
  forgetting: ForgettingReport | null;
  history: StepMetrics[];
  outputDir: string | null;
}

/**
 * The factory options of a job's method. Prompt tuning's TEXT init gets the init text's ids as PEFT takes
 * them, `tokenizer(prompt_tuning_init_text)["input_ids"]`: with the tokenizer's special prefix (BOS for the
 * byte tokenizer and Llama-family ones), then repeated or cut to num_virtual_tokens by the method.
 */
export function methodOptions(
  json: Record<string, unknown>,
  tokenizer: TextTokenizer,
  seed: number,
): MethodOptions {
  const text = json.prompt_tuning_init_text;
  if (json.method !== "prompt" || typeof text !== "string") return { seed };
  return {
    seed,
    initTextIds: [...(tokenizer.bos === null ? [] : [tokenizer.bos]), ...tokenizer.encode(text)],
  };
}

/**
 * Tokens of one example: `maxSeqLen` (default 256), less the positions prompt tuning's virtual tokens and
 * prefix tuning's cache take (n + T must fit max_position_embeddings).
 */
export function maxTokens(model: Model, method: PeftMethod, maxSeqLen: number | undefined): number {
  const m = method.config;
  const virtual = m.method === "prompt" || m.method === "prefix" ? m.num_virtual_tokens : 0;
  return Math.min(maxSeqLen ?? 256, model.config.max_position_embeddings - virtual);
}

/** Greedy completions (24 tokens at most) of the sample prompts, as a run's samples show them. */
export function completePrompts(
  model: Model,
  tokenizer: TextTokenizer,
  method: PeftMethod,
  prompts: readonly string[],
): Sample[] {
  return prompts.map((prompt) => {
    const ids = [...(tokenizer.bos === null ? [] : [tokenizer.bos]), ...tokenizer.encode(prompt)];
    const out = generate(model, ids, { maxNewTokens: 24, eos: tokenizer.eos, hooks: method.hooks });
    // a byte-level model emits control bytes early in training: shown as control pictures, not refused
    return { prompt, completion: printableText(tokenizer.decode(out)) };
  });
}

export async function runTraining(job: TrainingJob, cb: TrainingCallbacks = {}): Promise<TrainingResult> {
  const backend = await initBackend();
  // what the backend can hold, read before this run allocates anything: compared with core's prediction
  // before the first step, and the figures an out-of-memory crash is explained with (memory-guard.ts)
  const host = await readHostMemory(backend);
  const crash: CrashContext = { backend: host.backend, host };
  const o = { ...TRAIN_DEFAULTS, ...job.options };
  const { model, tokenizer, source } = await loadBase(job.base, o.seed);
  const dtype = job.options?.dtype ?? "float32";
  const method = createMethod(model, job.method, { ...methodOptions(job.method, tokenizer, o.seed), dtype });
  // Frozen weights in compact storage (QLoRA's NF4, 16-bit dtypes): free the float copies they replaced.
  for (const name of method.replacedWeights) {
    model.weights.get(name)?.dispose();
    model.weights.delete(name);
  }
  let optimizerState: AdamWState | undefined;
  try {
    const examples = typeof job.data === "string" ? parseJsonl(await readFile(job.data, "utf8")) : job.data;
    const maxLen = maxTokens(model, method, job.maxSeqLen);
    const split =
      job.evalData === undefined
        ? splitEval(examples, job.evalFraction ?? 0, o.seed)
        : {
            train: examples,
            eval:
              typeof job.evalData === "string"
                ? parseJsonl(await readFile(job.evalData, "utf8"))
                : job.evalData,
          };
    const seqs = (xs: Example[]): Sequence[] => {
      const s = xs.map((e) => tokenize(e, tokenizer, maxLen));
      return job.packing ? pack(s, maxLen) : s;
    };
    const options: TrainOptions = { ...o, steps: job.steps, pad: tokenizer.pad };
    const resume = job.resumeFrom ? await loadTrainState(job.resumeFrom, method) : undefined;
    const generalExamples =
      typeof job.generalData === "string"
        ? parseJsonl(await readFile(job.generalData, "utf8"))
        : job.generalData;
    const general = generalExamples ? evalBatches(seqs(generalExamples), o.batchSize, tokenizer.pad) : [];
    const counts = countParameters(model.config, method.config);
    const trainable = [...method.trainable.values()].reduce((n, v) => n + v.size, 0);
    const train = seqs(split.train);
    // batches pad to their longest row: the predicted memory is for that length
    const seqLen = Math.max(...train.map((s) => s.ids.length));
    const memoryOptions = {
      batchSize: o.batchSize,
      seqLen,
      optimizer: "adamw",
      dtype,
      gradientCheckpointing: o.gradientCheckpointing,
      // what the backend keeps differs (wasm copies every saved tensor; native fuses cross-entropy)
      kernels: backend.name === "native" ? "native" : backend.name === "wasm" ? "wasm" : "tfjs",
    } as const;
    const predicted = estimateMemory(model.config, method.config, memoryOptions);
    crash.predicted = predicted;
    crash.run = {
      method: method.config.method,
      batchSize: o.batchSize,
      seqLen,
      gradientCheckpointing: o.gradientCheckpointing,
    };
    crash.estimate = coreEstimator(model.config, method.config, memoryOptions);
    const refused = checkMemory({ run: crash.run, predicted, host, estimate: crash.estimate });
    if (refused) throw refused; // before the first step: nothing trained
    const generalBefore = general.length > 0 ? evaluate(model, method, general) : null;
    const prompts =
      job.samplePrompts ?? examples.flatMap((e) => ("prompt" in e ? [e.prompt] : [])).slice(0, 3);
    let samples: Sample[] = [];
    const generateSamples = (step: number) => {
      samples = completePrompts(model, tokenizer, method, prompts);
      if (samples.length > 0) cb.onSamples?.(step, samples);
    };
    const loop = await trainLoop({
      model,
      method,
      train,
      eval: seqs(split.eval),
      options,
      resume,
      signal: cb.signal,
      onMetrics: cb.onMetrics,
      onEval: generateSamples,
      stepFailed: (err, step) => translateCrash(err, { ...crash, step }),
      onCheckpoint: job.checkpointDir
        ? async (state: TrainState) => {
            const dir = join(job.checkpointDir!, `step-${state.step}`);
            await saveTrainState(dir, method, state);
            cb.onCheckpoint?.(dir, state.step);
          }
        : undefined,
    });
    optimizerState = loop.state.optimizer;
    const forgetting =
      generalBefore === null ? null : forgettingReport(generalBefore, evaluate(model, method, general));
    if (job.outputDir && !loop.cancelled) {
      if (method.config.method === "full") await saveModelFolder(job.outputDir, model, tokenizer);
      else {
        const folder = method.exportAdapter();
        folder.config.base_model_name_or_path = source;
        await writeAdapterFolder(job.outputDir, folder);
        disposeExported(folder, method);
      }
    }
    // a run with no step left to train (steps 0, or resumed at its end) still answers the prompts once
    if (loop.history.length === 0 && !loop.cancelled) generateSamples(loop.steps);
    const trained = loop.history.filter((m) => m.step > (resume?.step ?? 0));
    const evals = loop.history.flatMap((m) => (m.evalLoss === undefined ? [] : [m.evalLoss]));
    const tail = trained.slice(Math.min(1, trained.length - 1)); // the first step includes warm-up compilation
    const ms = tail.reduce((a, m) => a + m.msPerStep, 0) / Math.max(1, tail.length);
    const tokens = tail.reduce((a, m) => a + (m.tokensPerSecond * m.msPerStep) / 1000, 0);
    return {
      backend: backend.source,
      method: method.config.method,
      trainable,
      total: counts.total,
      counts,
      measuredPeakBytes: loop.measuredPeakBytes,
      liveBytesAfter: tf.memory().numBytes,
      rssBytes: process.memoryUsage().rss,
      gpuMemoryBytes: await gpuMemoryBytes(backend),
      predicted,
      steps: loop.steps,
      cancelled: loop.cancelled,
      finalTrainLoss: loop.history.at(-1)?.trainLoss ?? Number.NaN,
      bestEvalLoss: evals.length ? Math.min(...evals) : null,
      tokensPerSecond: (tokens * 1000) / Math.max(1e-9, ms * tail.length),
      msPerStep: ms,
      samples,
      forgetting,
      history: loop.history,
      outputDir: job.outputDir && !loop.cancelled ? job.outputDir : null,
    };
  } catch (err) {
    throw translateCrash(err, crash); // memory that ran out outside a step (evaluation, generation)
  } finally {
    method.dispose();
    if (optimizerState) tf.dispose([...optimizerState.m.values(), ...optimizerState.v.values()]);
    tf.dispose([...model.weights.values()]);
  }
}
