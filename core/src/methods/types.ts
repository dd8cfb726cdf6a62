/** PEFT's own key names throughout, so a config moves between Tunelab and PEFT unchanged. */

export const METHOD_NAMES = ["full", "lora", "qlora", "prefix", "adapter", "prompt", "ia3", "dora"] as const;
export type MethodName = (typeof METHOD_NAMES)[number];

/** A list matches a module whose name equals an entry or ends with "." + entry; a string is a full-match regex. */
export type TargetModules = string[] | string;

export type LoraBias = "none" | "all" | "lora_only";

export interface FullConfig {
  method: "full";
}

export interface LoraFields {
  r: number;
  lora_alpha: number;
  lora_dropout: number;
  target_modules: TargetModules;
  bias: LoraBias;
  use_rslora: boolean;
  /** DoRA's magnitude vectors on LoRA or QLoRA (QDoRA); the "dora" method implies it and omits the key. */
  use_dora?: boolean;
  /** Per-module rank by module name or regex (PEFT's get_pattern_key: the first key matching a name's tail). */
  rank_pattern?: Record<string, number>;
  /** Per-module lora_alpha, matched as rank_pattern. */
  alpha_pattern?: Record<string, number>;
  /** Only these decoder-layer indices get a LoRA branch (list target_modules only, as PEFT). */
  layers_to_transform?: number[];
  /** The module-list name(s) the layer index follows, e.g. "layers"; absent: the first numbered segment. */
  layers_pattern?: string[];
}

export interface LoraConfig extends LoraFields {
  method: "lora";
}

/** DoRA is LoRA plus a learned magnitude vector per target (PEFT: LoraConfig with use_dora=True). */
export interface DoraConfig extends LoraFields {
  method: "dora";
}

export const NF4_BLOCK_SIZE = 64;
export const NF4_DOUBLE_QUANT_BLOCK_SIZE = 256;
export type ComputeDtype = "float32" | "bfloat16" | "float16";

/** LoRA over a frozen base whose linears are NF4 4-bit (bitsandbytes' BitsAndBytesConfig key names). */
export interface QloraConfig extends LoraFields {
  method: "qlora";
  bnb_4bit_quant_type: "nf4";
  bnb_4bit_use_double_quant: boolean;
  bnb_4bit_compute_dtype: ComputeDtype;
}

export interface PrefixConfig {
  method: "prefix";
  num_virtual_tokens: number;
  prefix_projection: boolean;
  /** Hidden size of the projection MLP; absent means the token dimension (PEFT's default). */
  encoder_hidden_size?: number;
}

export interface PromptConfig {
  method: "prompt";
  num_virtual_tokens: number;
  prompt_tuning_init: "RANDOM" | "TEXT";
  prompt_tuning_init_text?: string;
}

export interface Ia3Config {
  method: "ia3";
  target_modules: TargetModules;
  /** Targets that scale their input (size in_features) instead of their output. */
  feedforward_modules: TargetModules;
  init_ia3_weights: boolean;
}

export type AdapterPlacement = "pfeiffer" | "houlsby";
export type AdapterNonLinearity = "relu" | "swish" | "gelu" | "tanh";

/** Bottleneck adapters with the adapters library's key names. Exactly one of the two sizes is set. */
export interface AdapterConfig {
  method: "adapter";
  placement: AdapterPlacement;
  reduction_factor?: number;
  bottleneck_size?: number;
  non_linearity: AdapterNonLinearity;
}

export type MethodConfig =
  | FullConfig
  | LoraConfig
  | QloraConfig
  | DoraConfig
  | PrefixConfig
  | PromptConfig
  | Ia3Config
  | AdapterConfig;

export type LoraLikeConfig = LoraConfig | QloraConfig | DoraConfig;

export function isLoraLike(m: MethodConfig): m is LoraLikeConfig {
  return m.method === "lora" || m.method === "qlora" || m.method === "dora";
}
