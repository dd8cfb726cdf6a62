import * as tf from "@tensorflow/tfjs";
import type { Dtype } from "@tunelab/core";
import { initBackend } from "./backend.js";
import { loadBaseWithAdapter } from "./base-with-adapter.js";
import { saveModelFolder } from "./hf-folder.js";
import { mergeAndUnload } from "./merge.js";

/**
 * A MERGE job: the base with the adapter folder applied (base-with-adapter.ts: the method built as training
 * built it, QLoRA's NF4 included), merged into the weights (merge.ts), saved as a Hugging Face model folder
 * (config.json, model.safetensors, the tokenizer) that loads back as a base model.
 */
export interface MergeJob {
  /** An HF model folder, or a core preset name (random weights from `options.seed`, as its training run had). */
  base: string;
  /** The adapter's folder (adapter_config.json + adapter_model.safetensors). */
  adapterDir: string;
  /** The adapter's method as Tunelab stores it (`{method: "qlora", …}` says the base was NF4). */
  method: { method: string } & Record<string, unknown>;
  outputDir: string;
  options?: { seed?: number; dtype?: Dtype };
}

export interface MergeResult {
  backend: string;
  method: string;
  /** Parameters of the merged model (those of the base). */
  total: number;
  /** The adapter's parameters that were merged in. */
  adapterParams: number;
  /** The process's peak resident memory (maxRSS), bytes: a merge is one process's whole work. */
  measuredPeakBytes: number;
  /** A merge has no steps and is never stopped half-way (it ends or its process is killed). */
  steps: 0;
  cancelled: false;
  outputDir: string;
}

export async function runMerge(job: MergeJob): Promise<MergeResult> {
  const backend = await initBackend();
  const b = await loadBaseWithAdapter(job.base, job.adapterDir, {
    method: job.method,
    seed: job.options?.seed ?? 0,
    dtype: job.options?.dtype,
  });
  try {
    const adapterParams = [...b.method.trainable.values()].reduce((n, v) => n + v.size, 0);
    mergeAndUnload(b.model, b.method);
    await saveModelFolder(job.outputDir, b.model, b.tokenizer);
    return {
      backend: backend.source,
      method: job.method.method,
      total: [...b.model.weights.values()].reduce((n, v) => n + v.size, 0),
      adapterParams,
      measuredPeakBytes: process.resourceUsage().maxRSS * 1024,
      steps: 0,
      cancelled: false,
      outputDir: job.outputDir,
    };
  } finally {
    tf.dispose([...b.model.weights.values()]); // the method is freed by the merge
  }
}
