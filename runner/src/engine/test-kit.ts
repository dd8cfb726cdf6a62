import * as tf from "@tensorflow/tfjs";
import { parseModelConfig } from "@tunelab/core";
import { initModel, type Model } from "./model.js";

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
