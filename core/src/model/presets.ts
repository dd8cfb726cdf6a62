import { ValidationError } from "../errors.js";
import { type ModelConfig, parseModelConfig } from "./config.js";

/** Tunelab's byte-level tokenizer: ids 0..255 are bytes, then BOS, EOS, PAD. */
export const BYTE_VOCAB = { size: 259, bos: 256, eos: 257, pad: 258 } as const;

function tunelabPreset(sizes: {
  hidden_size: number;
  intermediate_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  num_key_value_heads: number;
  max_position_embeddings: number;
  tie_word_embeddings: boolean;
}): Record<string, unknown> {
  return {
    architectures: ["LlamaForCausalLM"],
    model_type: "llama",
    vocab_size: BYTE_VOCAB.size,
    ...sizes,
    rms_norm_eps: 1e-5,
    rope_theta: 10000,
    torch_dtype: "float32",
    bos_token_id: BYTE_VOCAB.bos,
    eos_token_id: BYTE_VOCAB.eos,
    pad_token_id: BYTE_VOCAB.pad,
  };
}

/**
 * Model configs by name. The tunelab-* models are the ones the engine trains here; the others are the
 * config.json files of public checkpoints (copied field for field from the Hugging Face Hub repo named in
 * `_name_or_path`), so estimates work without their weights.
 */
export const MODEL_PRESETS: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  // 31,488 parameters: trains in seconds on a CPU.
  "tunelab-nano": tunelabPreset({
    hidden_size: 32,
    intermediate_size: 88,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    max_position_embeddings: 128,
    tie_word_embeddings: true,
  }),
  // 759,296 parameters.
  "tunelab-tiny": tunelabPreset({
    hidden_size: 128,
    intermediate_size: 344,
    num_hidden_layers: 4,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    max_position_embeddings: 256,
    tie_word_embeddings: true,
  }),
  // 4,485,888 parameters.
  "tunelab-small": tunelabPreset({
    hidden_size: 256,
    intermediate_size: 688,
    num_hidden_layers: 6,
    num_attention_heads: 8,
    num_key_value_heads: 4,
    max_position_embeddings: 512,
    tie_word_embeddings: false,
  }),
  "Llama-2-7B": {
    _name_or_path: "meta-llama/Llama-2-7b-hf",
    architectures: ["LlamaForCausalLM"],
    bos_token_id: 1,
    eos_token_id: 2,
    hidden_act: "silu",
    hidden_size: 4096,
    initializer_range: 0.02,
    intermediate_size: 11008,
    max_position_embeddings: 4096,
    model_type: "llama",
    num_attention_heads: 32,
    num_hidden_layers: 32,
    num_key_value_heads: 32,
    pretraining_tp: 1,
    rms_norm_eps: 1e-5,
    rope_scaling: null,
    tie_word_embeddings: false,
    torch_dtype: "float16",
    use_cache: true,
    vocab_size: 32000,
  },
  "Llama-3-8B": {
    _name_or_path: "meta-llama/Meta-Llama-3-8B",
    architectures: ["LlamaForCausalLM"],
    attention_bias: false,
    attention_dropout: 0.0,
    bos_token_id: 128000,
    eos_token_id: 128001,
    hidden_act: "silu",
    hidden_size: 4096,
    initializer_range: 0.02,
    intermediate_size: 14336,
    max_position_embeddings: 8192,
    model_type: "llama",
    num_attention_heads: 32,
    num_hidden_layers: 32,
    num_key_value_heads: 8,
    pretraining_tp: 1,
    rms_norm_eps: 1e-5,
    rope_scaling: null,
    rope_theta: 500000.0,
    tie_word_embeddings: false,
    torch_dtype: "bfloat16",
    use_cache: true,
    vocab_size: 128256,
  },
  "Llama-3.2-1B": {
    _name_or_path: "meta-llama/Llama-3.2-1B",
    architectures: ["LlamaForCausalLM"],
    attention_bias: false,
    attention_dropout: 0.0,
    bos_token_id: 128000,
    eos_token_id: 128001,
    head_dim: 64,
    hidden_act: "silu",
    hidden_size: 2048,
    initializer_range: 0.02,
    intermediate_size: 8192,
    max_position_embeddings: 131072,
    mlp_bias: false,
    model_type: "llama",
    num_attention_heads: 32,
    num_hidden_layers: 16,
    num_key_value_heads: 8,
    pretraining_tp: 1,
    rms_norm_eps: 1e-5,
    rope_scaling: {
      factor: 32.0,
      high_freq_factor: 4.0,
      low_freq_factor: 1.0,
      original_max_position_embeddings: 8192,
      rope_type: "llama3",
    },
    rope_theta: 500000.0,
    tie_word_embeddings: true,
    torch_dtype: "bfloat16",
    use_cache: true,
    vocab_size: 128256,
  },
  "Mistral-7B-v0.1": {
    _name_or_path: "mistralai/Mistral-7B-v0.1",
    architectures: ["MistralForCausalLM"],
    bos_token_id: 1,
    eos_token_id: 2,
    hidden_act: "silu",
    hidden_size: 4096,
    initializer_range: 0.02,
    intermediate_size: 14336,
    max_position_embeddings: 32768,
    model_type: "mistral",
    num_attention_heads: 32,
    num_hidden_layers: 32,
    num_key_value_heads: 8,
    rms_norm_eps: 1e-5,
    rope_theta: 10000.0,
    sliding_window: 4096,
    tie_word_embeddings: false,
    torch_dtype: "bfloat16",
    use_cache: true,
    vocab_size: 32000,
  },
  "TinyLlama-1.1B": {
    _name_or_path: "TinyLlama/TinyLlama-1.1B-Chat-v1.0",
    architectures: ["LlamaForCausalLM"],
    attention_bias: false,
    bos_token_id: 1,
    eos_token_id: 2,
    hidden_act: "silu",
    hidden_size: 2048,
    initializer_range: 0.02,
    intermediate_size: 5632,
    max_position_embeddings: 2048,
    model_type: "llama",
    num_attention_heads: 32,
    num_hidden_layers: 22,
    num_key_value_heads: 4,
    pretraining_tp: 1,
    rms_norm_eps: 1e-5,
    rope_scaling: null,
    rope_theta: 10000.0,
    tie_word_embeddings: false,
    torch_dtype: "bfloat16",
    use_cache: true,
    vocab_size: 32000,
  },
  "SmolLM-135M": {
    _name_or_path: "HuggingFaceTB/SmolLM-135M",
    architectures: ["LlamaForCausalLM"],
    attention_bias: false,
    attention_dropout: 0.0,
    bos_token_id: 0,
    eos_token_id: 0,
    hidden_act: "silu",
    hidden_size: 576,
    initializer_range: 0.041666666666666664,
    intermediate_size: 1536,
    is_llama_config: true,
    max_position_embeddings: 2048,
    model_type: "llama",
    num_attention_heads: 9,
    num_hidden_layers: 30,
    num_key_value_heads: 3,
    pretraining_tp: 1,
    rms_norm_eps: 1e-5,
    rope_interleaved: false,
    rope_scaling: null,
    rope_theta: 10000.0,
    tie_word_embeddings: true,
    torch_dtype: "float32",
    use_cache: true,
    vocab_size: 49152,
  },
  "Qwen2-0.5B": {
    _name_or_path: "Qwen/Qwen2-0.5B",
    architectures: ["Qwen2ForCausalLM"],
    attention_dropout: 0.0,
    bos_token_id: 151643,
    eos_token_id: 151643,
    hidden_act: "silu",
    hidden_size: 896,
    initializer_range: 0.02,
    intermediate_size: 4864,
    max_position_embeddings: 131072,
    max_window_layers: 24,
    model_type: "qwen2",
    num_attention_heads: 14,
    num_hidden_layers: 24,
    num_key_value_heads: 2,
    rms_norm_eps: 1e-6,
    rope_theta: 1000000.0,
    sliding_window: 131072,
    tie_word_embeddings: true,
    torch_dtype: "bfloat16",
    use_cache: true,
    use_sliding_window: false,
    vocab_size: 151936,
  },
};

/** Names a preset is known by: its key and, for public models, its Hub repo id (case-insensitive). */
function findPreset(name: string): Readonly<Record<string, unknown>> | undefined {
  const wanted = name.toLowerCase();
  for (const [key, config] of Object.entries(MODEL_PRESETS)) {
    const repo = typeof config._name_or_path === "string" ? config._name_or_path.toLowerCase() : undefined;
    if (key.toLowerCase() === wanted || repo === wanted) return config;
  }
  return undefined;
}

/** A preset name (or Hub repo id of a preset) or a config.json object → a validated ModelConfig. */
export function resolveModel(nameOrConfig: string | unknown): ModelConfig {
  if (typeof nameOrConfig === "string") {
    const preset = findPreset(nameOrConfig);
    if (preset === undefined) {
      throw new ValidationError({
        field: "model",
        message: `unknown model preset "${nameOrConfig}"; available: ${Object.keys(MODEL_PRESETS).join(", ")}`,
      });
    }
    return parseModelConfig(structuredClone(preset));
  }
  return parseModelConfig(nameOrConfig);
}
