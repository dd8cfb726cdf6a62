import { readFile } from "node:fs/promises";
import { countParameters, type Dtype } from "@tunelab/core";
import { initBackend } from "./backend.js";
import { openBaseWithAdapter } from "./base-with-adapter.js";
import { type Example, evalBatches, parseJsonl, tokenize } from "./data.js";
import { type ForgettingReport, forgettingReport } from "./forgetting.js";
import { peakBufferBytes } from "./memory-meter.js";
import type { PeftMethod } from "./peft-hooks.js";
import { completePrompts, maxTokens, type Sample } from "./run-training.js";
import { evaluate } from "./train.js";

/**
 * An EVALUATE job: an existing adapter (or the base alone) measured as a training run measures what it
 * trained, with nothing trained: loss on the eval examples, forgetting on a general set, completions of the
 * sample prompts. The numbers come from the same functions a training run's come from (evaluate,
 * forgettingReport, completePrompts), so an evaluation row and a training row compare.
 */
export interface EvaluationJob {
  /** An HF model folder, or a core preset name. */
  base: string;
  /** The adapter folder; null evaluates the base model alone. */
  adapter: string | null;
  /** The adapter's method as recorded (see AdapterOptions.method); default: its adapter_config.json. */
  method?: { method: string } & Record<string, unknown>;
  /** The held-out examples (a JSONL path or the examples). */
  evalData: string | Example[];
  /** General text (a JSONL path or the examples): the forgetting figure. */
  generalData?: string | Example[];
  samplePrompts?: string[];
  maxSeqLen?: number;
  batchSize?: number;
  seed?: number;
  /** Storage of the frozen weights under the adapter (default float32). */
  dtype?: Dtype;
}

export interface EvaluationResult {
  backend: string;
  /** The adapter's method; "base" for the base model alone. */
  method: string;
  /** The adapter's parameters (counted from its variables); 0 for the base alone. */
  trainable: number;
  total: number;
  /** Nothing trains: always 0. */
  steps: 0;
  evaluated: true;
  /** Mean token loss on the eval examples (what a training run's eval_loss is). */
  evalLoss: number;
  /** The same number: the field a training run's result and the comparison read. */
  bestEvalLoss: number;
  /** General-text loss of the base (the adapter's frozen storage, no adapter) and with the adapter. */
  forgetting: ForgettingReport | null;
  samples: Sample[];
  /** Peak bytes of distinct tensor buffers while the eval loss was computed. */
  measuredPeakBytes: number;
  evalTokens: number;
}

export async function runEvaluation(job: EvaluationJob): Promise<EvaluationResult> {
  const backend = await initBackend();
  const seed = job.seed ?? 42;
  const b = await openBaseWithAdapter(job.base, job.adapter, { method: job.method, seed, dtype: job.dtype });
  try {
    const { model, tokenizer, method } = b;
    const read = async (d: string | Example[]) =>
      typeof d === "string" ? parseJsonl(await readFile(d, "utf8")) : d;
    const maxLen = maxTokens(model, method, job.maxSeqLen);
    const batches = (xs: Example[]) =>
      evalBatches(
        xs.map((e) => tokenize(e, tokenizer, maxLen)),
        job.batchSize ?? 8,
        tokenizer.pad,
      );
    const evalSet = batches(await read(job.evalData));
    if (evalSet.length === 0) throw new RangeError("there are no eval examples to evaluate on");
    const general = job.generalData === undefined ? null : batches(await read(job.generalData));
    // before the folder is loaded: a method may train the base's own tensors in place (LoRA's bias "all")
    const generalBefore = general && evaluate(model, baseOnly(method), general);
    b.load();
    let evalLoss = Number.NaN;
    const measuredPeakBytes = peakBufferBytes(() => {
      evalLoss = evaluate(model, method, evalSet);
    });
    const forgetting =
      general && generalBefore !== null
        ? forgettingReport(generalBefore, evaluate(model, method, general))
        : null;
    const samples = completePrompts(model, tokenizer, method, job.samplePrompts ?? []);
    const alone = job.adapter === null;
    return {
      backend: backend.source,
      method: alone ? "base" : method.config.method,
      trainable: alone ? 0 : [...method.trainable.values()].reduce((n, v) => n + v.size, 0),
      total: countParameters(model.config, alone ? { method: "full" } : method.config).total,
      steps: 0,
      evaluated: true,
      evalLoss,
      bestEvalLoss: evalLoss,
      forgetting,
      samples,
      measuredPeakBytes,
      evalTokens: evalSet.reduce((n, x) => n + x.lossTokens, 0),
    };
  } finally {
    b.dispose();
  }
}

/**
 * The method without its hooks but the frozen storage it chose (QLoRA's NF4, 16-bit): "before" is the base
 * as the adapter sees it (for LoRA-family and IA3 adapters exactly a training run's "before", their initial
 * state being the base; for prefix and prompt tuning the base itself, not random virtual tokens).
 */
function baseOnly(method: PeftMethod): PeftMethod {
  const compact = method.hooks.compactWeight;
  return { ...method, hooks: compact ? { compactWeight: compact } : {} };
}
