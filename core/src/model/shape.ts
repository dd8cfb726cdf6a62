import type { ModelConfig } from "./config.js";

/** The numbers the counting and memory code read, with camelCase names and the family rules applied. */
export interface ModelShape {
  vocab: number;
  hidden: number;
  intermediate: number;
  layers: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  maxPositions: number;
  tiedEmbeddings: boolean;
  /** Which per-layer linears carry a bias vector. */
  bias: { qkv: boolean; o: boolean; mlp: boolean };
}

export function modelShape(config: ModelConfig): ModelShape {
  // Qwen2 hard-codes bias=True on q/k/v and False on o (transformers' Qwen2Attention); Llama's single
  // `attention_bias` flag covers all four; Mistral has no biases at all.
  const bias =
    config.model_type === "qwen2"
      ? { qkv: true, o: false, mlp: false }
      : config.model_type === "llama"
        ? { qkv: config.attention_bias, o: config.attention_bias, mlp: config.mlp_bias }
        : { qkv: false, o: false, mlp: false };
  return {
    vocab: config.vocab_size,
    hidden: config.hidden_size,
    intermediate: config.intermediate_size,
    layers: config.num_hidden_layers,
    heads: config.num_attention_heads,
    kvHeads: config.num_key_value_heads,
    headDim: config.head_dim,
    maxPositions: config.max_position_embeddings,
    tiedEmbeddings: config.tie_word_embeddings,
    bias,
  };
}
