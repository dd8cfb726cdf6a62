import * as tf from "@tensorflow/tfjs";
import type { Dtype, MethodInput } from "@tunelab/core";
import { initBackend } from "./backend.js";
import { loadBase, saveModelFolder } from "./hf-folder.js";
import { mergeAndUnload } from "./merge.js";
import { createMethod } from "./methods/registry.js";
import { disposeModel } from "./model.js";
import { readAdapterFolder } from "./peft-folder.js";

/**
 * A MERGE job: the base with the adapter folder applied (as training built it: the method's own storage,
 * QLoRA's NF4 included), merged into the weights (merge.ts), saved as a Hugging Face model folder
 * (config.json, model.safetensors, the tokenizer) that loads back as a base model.
 */
export interface MergeJob {
  /** An HF model folder, or a core preset name (random weights from `options.seed`, as its training run had). */
  base: string;
  /** The adapter's folder (adapter_config.json + adapter_model.safetensors). */
  adapterDir: string;
  /** The adapter's method as Tunelab stores it (`{method: "qlora", …}` says the base was NF4). */
  method: MethodInput;
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
  /** The process's resident memory after saving, bytes. */
  rssBytes: number;
  outputDir: string;
}

export async function runMerge(job: MergeJob): Promise<MergeResult> {
  const backend = await initBackend();
  const seed = job.options?.seed ?? 0;
  const { model, tokenizer } = await loadBase(job.base, seed);
  try {
    const method = createMethod(model, job.method, { seed, dtype: job.options?.dtype ?? "float32" });
    for (const name of method.replacedWeights) {
      model.weights.get(name)?.dispose();
      model.weights.delete(name);
    }
    const folder = await readAdapterFolder(job.adapterDir);
    try {
      method.importAdapter(folder.tensors);
    } catch (err) {
      method.dispose();
      throw err;
    } finally {
      tf.dispose([...folder.tensors.values()]);
    }
    const adapterParams = [...method.trainable.values()].reduce((n, v) => n + v.size, 0);
    mergeAndUnload(model, method);
    await saveModelFolder(job.outputDir, model, tokenizer);
    const total = [...model.weights.values()].reduce((n, v) => n + v.size, 0);
    return {
      backend: backend.source,
      method: job.method.method,
      total,
      adapterParams,
      rssBytes: process.memoryUsage().rss,
      outputDir: job.outputDir,
    };
  } finally {
    disposeModel(model);
  }
}
