import { ValidationError } from "../errors.js";
import { describe, FieldReader } from "../fields.js";
import type { ModelConfig } from "../model/config.js";
import { LORA_KEYS, parseMethodConfig } from "./parse.js";
import type { MethodConfig } from "./types.js";

/** The PEFT keys each method takes over; everything else in adapter_config.json is bookkeeping. */
const CARRIED: Record<string, { method: (src: Record<string, unknown>) => string; keys: string[] }> = {
  LORA: { method: () => "lora", keys: [...LORA_KEYS, "use_dora"] },
  PREFIX_TUNING: {
    method: () => "prefix",
    keys: ["num_virtual_tokens", "prefix_projection", "encoder_hidden_size"],
  },
  PROMPT_TUNING: {
    method: () => "prompt",
    keys: ["num_virtual_tokens", "prompt_tuning_init", "prompt_tuning_init_text"],
  },
  IA3: { method: () => "ia3", keys: ["target_modules", "feedforward_modules", "init_ia3_weights"] },
};

/**
 * Settings that would change what trains and that Tunelab does not implement: each must be unset (null,
 * false, empty) or hold the one value given here. The LoraConfig ones are peft/tuners/lora/config.py's
 * fields with their defaults; a pasted config that sets one is refused naming it, never trained without it.
 */
const UNSUPPORTED: Record<string, Record<string, unknown>> = {
  common: { modules_to_save: null },
  LORA: {
    fan_in_fan_out: false,
    init_lora_weights: true,
    exclude_modules: null,
    target_parameters: null,
    trainable_token_indices: null,
    layer_replication: null,
    lora_bias: false,
    use_qalora: false,
    megatron_config: null,
    loftq_config: null,
    eva_config: null,
    corda_config: null,
    lora_ga_config: null,
    velora_config: null,
    monteclora_config: null,
    arrow_config: null,
    kasa_config: null,
    use_bdlora: null,
    alora_invocation_tokens: null,
    ensure_weight_tying: false,
  },
  IA3: { fan_in_fan_out: false },
};

/** QLoRA's keys (BitsAndBytesConfig): how the base is loaded, which adapter_config.json does not record. */
const QUANTIZATION_KEYS = ["bnb_4bit_quant_type", "bnb_4bit_use_double_quant", "bnb_4bit_compute_dtype"];

/**
 * A PEFT adapter_config.json → a Tunelab method. LORA (with use_dora, rank_pattern, alpha_pattern,
 * layers_to_transform, layers_pattern), PREFIX_TUNING, PROMPT_TUNING and IA3 are understood. QLoRA cannot
 * be recognised: adapter_config.json records the adapter, not how the base was loaded (4-bit quantisation
 * lives in the base model's BitsAndBytesConfig), so a QLoRA adapter comes back as "lora"; pass
 * `base = { method: "qlora", bnb_4bit_use_double_quant?, … }` to train it over an NF4 base (QDoRA with
 * use_dora). Errors name the adapter_config.json key, or `method.<key>` for one of `base`.
 */
export function fromPeftConfig(
  adapterConfigJson: unknown,
  model?: ModelConfig,
  base?: Record<string, unknown>,
): MethodConfig {
  const f = FieldReader.of(adapterConfigJson, "adapter_config.json", "adapter_config");
  const src = f.source;
  const peftType = src.peft_type;
  const mapping = typeof peftType === "string" ? CARRIED[peftType] : undefined;
  if (mapping === undefined) {
    throw new ValidationError({
      field: "peft_type",
      message: `peft_type ${describe(peftType)} is not supported; Tunelab reads ${Object.keys(CARRIED).join(", ")}`,
    });
  }
  if (src.task_type !== undefined && src.task_type !== null && src.task_type !== "CAUSAL_LM") {
    throw new ValidationError({
      field: "task_type",
      message: `task_type ${describe(src.task_type)} is not supported; Tunelab trains causal language models (CAUSAL_LM)`,
    });
  }
  const unsupported = { ...UNSUPPORTED.common, ...UNSUPPORTED[peftType as string] };
  for (const [key, allowed] of Object.entries(unsupported)) {
    const v = src[key];
    if (v === undefined || v === null || v === allowed || (allowed === null && isEmpty(v))) continue;
    const hint = allowed === null ? "remove it or leave it empty" : `set it to ${JSON.stringify(allowed)}`;
    f.fail(key, `${key} ${describe(v)} is not supported by Tunelab; ${hint}`);
  }
  f.done();

  const method: Record<string, unknown> = { method: mapping.method(src) };
  for (const key of mapping.keys) {
    if (src[key] !== undefined && src[key] !== null) method[key] = src[key];
  }
  // PEFT writes encoder_hidden_size (= token_dim) even when there is no projection for it to size.
  if (method.method === "prefix" && method.prefix_projection !== true) delete method.encoder_hidden_size;
  if (base !== undefined) overBase(method, base);
  return parseMethodConfig(method, model);
}

/** Puts a LORA adapter over a quantised base: `base` may hold `method: "qlora"` and the bnb_4bit keys. */
function overBase(method: Record<string, unknown>, base: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(base)) {
    if (value === undefined || value === null) continue;
    if (key === "method") {
      if (value === method.method) continue;
      if (value !== "qlora" || method.method !== "lora") {
        throw new ValidationError({
          field: "method.method",
          message: `a ${method.method} adapter_config.json trains as method "${method.method}"${method.method === "lora" ? ' or "qlora" (over an NF4 base)' : ""}, got ${describe(value)}`,
        });
      }
      method.method = "qlora";
    } else if (QUANTIZATION_KEYS.includes(key)) {
      method[key] = value;
    } else {
      throw new ValidationError({
        field: `method.${key}`,
        message: `${key} comes from the pasted adapter_config.json; beside it the method may only say "qlora" and ${QUANTIZATION_KEYS.join(", ")}`,
      });
    }
  }
}

/** PEFT writes "nothing" as [], {} or false as often as null. */
function isEmpty(v: unknown): boolean {
  if (v === false) return true;
  if (Array.isArray(v)) return v.length === 0;
  return typeof v === "object" && v !== null && Object.keys(v).length === 0;
}
