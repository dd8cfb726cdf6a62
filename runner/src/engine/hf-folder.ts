import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type * as tf from "@tensorflow/tfjs";
import { parseModelConfig, resolveModel, ValidationError } from "@tunelab/core";
import { initModel, type Model, modelFromTensors } from "./model.js";
import { decodeSafetensors, encodeSafetensors } from "./safetensors.js";
import { byteTokenizer, loadTokenizer, saveTokenizer, type TextTokenizer } from "./tokenizer.js";

/**
 * Hugging Face model folders: config.json, model.safetensors (or sharded model-0000N-of-0000M.safetensors),
 * and the tokenizer (the byte tokenizer as HF files, see byteTokenizerFiles; an HF tokenizer's own files). Any Llama-architecture folder loads; the ones we save are float32.
 */

export interface LoadedBase {
  model: Model;
  tokenizer: TextTokenizer;
  /** The folder, or the preset name a fresh model was initialised from. */
  source: string;
}

export async function saveModelFolder(dir: string, model: Model, tokenizer: TextTokenizer): Promise<void> {
  await mkdir(dir, { recursive: true });
  // the byte tokenizer's special ids, where the model's config does not name them (HF's generate reads them)
  const special =
    tokenizer.kind === "byte"
      ? { bos_token_id: tokenizer.bos, eos_token_id: tokenizer.eos, pad_token_id: tokenizer.pad }
      : {};
  const config = { architectures: ["LlamaForCausalLM"], ...special, ...model.config, torch_dtype: "float32" };
  await writeFile(join(dir, "config.json"), `${JSON.stringify(config, null, 2)}\n`);
  await writeFile(join(dir, "model.safetensors"), encodeSafetensors(model.weights as Map<string, tf.Tensor>));
  await saveTokenizer(dir, tokenizer);
}

export async function loadModelFolder(dir: string): Promise<LoadedBase> {
  const raw = JSON.parse(await readFile(join(dir, "config.json"), "utf8")) as Record<string, unknown>;
  const config = parseModelConfig(raw);
  const files = (await readdir(dir))
    .filter((f) => f.endsWith(".safetensors") && f.startsWith("model"))
    .sort();
  if (files.length === 0)
    throw new ValidationError({ field: "base", message: `${dir} has no model*.safetensors` });
  const tensors = new Map<string, tf.Tensor>();
  for (const f of files) {
    for (const [k, v] of decodeSafetensors(new Uint8Array(await readFile(join(dir, f))))) tensors.set(k, v);
  }
  if (config.tie_word_embeddings) tensors.get("lm_head.weight")?.dispose();
  return { model: modelFromTensors(config, tensors), tokenizer: await loadTokenizer(dir, raw), source: dir };
}

/** A folder path loads from disk; otherwise a core preset name gives a freshly initialised model. */
export async function loadBase(base: string, seed: number): Promise<LoadedBase> {
  if (existsSync(join(base, "config.json"))) return loadModelFolder(base);
  const config = resolveModel(base);
  return { model: initModel(config, seed), tokenizer: byteTokenizer(), source: base };
}
