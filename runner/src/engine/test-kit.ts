import * as tf from "@tensorflow/tfjs";
import { parseModelConfig } from "@tunelab/core";
import { join } from "node:path";
import { saveModelFolder } from "./hf-folder.js";
import { createMethod } from "./methods/registry.js";
import { initModel, type Model } from "./model.js";
import { disposeExported, writeAdapterFolder } from "./peft-folder.js";
import { byteTokenizer } from "./tokenizer.js";

/** Test fixtures of the engine: a tiny GQA Llama (4 heads, 2 kv heads) and the seed's toy data. */
export const TINY = parseModelConfig({
  model_type: "llama",
  vocab_size: 259,
  hidden_size: 16,
  intermediate_size: 32,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  max_position_embeddings: 64,
  tie_word_embeddings: false,
});

export const TOY = [
  { prompt: "Translate 'cat' to French ->", completion: " chat" },
  { prompt: "Translate 'dog' to French ->", completion: " chien" },
  {
    prompt: "Summarize: Artificial Intelligence is transforming industries. ->",
    completion: " AI changes industries.",
  },
];

/** A tiny model whose weights are large enough (std 0.3) that gradients are far from zero. */
export function tinyModel(seed = 3): Model {
  const model = initModel(TINY, seed);
  for (const [name, v] of model.weights) {
    if (name.endsWith("norm.weight")) continue;
    tf.tidy(() => v.assign(tf.randomNormal(v.shape, 0, 0.3, "float32", seed + v.size)));
  }
  return model;
}

/**
 * Adapters for the playground's tests, one per family that changes the forward pass differently: LoRA on
 * two linears, QLoRA (its NF4 base read through hooks), prefix tuning (virtual positions).
 */
export const PLAYGROUND_METHODS: ({ method: string } & Record<string, unknown>)[] = [
  { method: "lora", r: 4, lora_alpha: 8, target_modules: ["q_proj", "v_proj"] },
  { method: "qlora", r: 2, lora_alpha: 4, target_modules: "all-linear" },
  { method: "prefix", num_virtual_tokens: 3 },
];

/**
 * A tiny base folder (byte tokenizer) and one adapter folder per PLAYGROUND_METHODS entry whose trainable
 * weights are random (a fresh LoRA's B is zero: it would change nothing), under `dir`.
 */
export async function writePlaygroundFixtures(dir: string): Promise<{
  base: string;
  adapters: { dir: string; method: { method: string } & Record<string, unknown> }[];
}> {
  const model = tinyModel();
  const base = join(dir, "base");
  await saveModelFolder(base, model, byteTokenizer());
  const adapters = [];
  for (const [i, json] of PLAYGROUND_METHODS.entries()) {
    const method = createMethod(model, json, { seed: 10 + i });
    for (const v of method.trainable.values())
      tf.tidy(() => v.assign(tf.randomNormal(v.shape, 0, 0.5, "float32", 20 + i + v.size)));
    const folder = method.exportAdapter();
    const adapterDir = join(dir, `adapter-${i}-${json.method}`);
    await writeAdapterFolder(adapterDir, folder);
    disposeExported(folder, method);
    method.dispose();
    adapters.push({ dir: adapterDir, method: json });
  }
  tf.dispose([...model.weights.values()]);
  return { base, adapters };
}
