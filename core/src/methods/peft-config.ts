import { ValidationError } from "../errors.js";
import { describe, FieldReader } from "../fields.js";
import type { ModelConfig } from "../model/config.js";
import { parseMethodConfig } from "./parse.js";
import type { MethodConfig } from "./types.js";

/** The PEFT keys each method takes over; everything else in adapter_config.json is bookkeeping. */
const LORA_KEYS = [
  "r",
  "lora_alpha",
  "lora_dropout",
  "target_modules",
  "bias",
  "use_rslora",
  "rank_pattern",
  "alpha_pattern",
  "layers_to_transform",
  "layers_pattern",
];
const CARRIED: Record<string, { method: (src: Record<string, unknown>) => string; keys: string[] }> = {
  LORA: { method: (src) => (src.use_dora === true ? "dora" : "lora"), keys: LORA_KEYS },
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

/** Settings that would change what trains; Tunelab does not implement them, so they must be unset. */
const UNSUPPORTED_IF_SET = ["modules_to_save"];

/**
 * A PEFT adapter_config.json → a Tunelab method. LORA (use_dora → "dora"), PREFIX_TUNING, PROMPT_TUNING
 * and IA3 are understood. QLoRA cannot be recognised: adapter_config.json records the adapter, not how the
 * base was loaded (4-bit quantisation lives in the base model's BitsAndBytesConfig), so a QLoRA adapter
 * comes back as "lora"; use `{ ...method, method: "qlora" }` to train it over an NF4 base.
 */
export function fromPeftConfig(adapterConfigJson: unknown, model?: ModelConfig): MethodConfig {
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
  for (const key of UNSUPPORTED_IF_SET) {
    const v = src[key];
    const set = Array.isArray(v)
      ? v.length > 0
      : v !== null && typeof v === "object"
        ? Object.keys(v).length > 0
        : v != null;
    if (set) f.fail(key, `${key} is not supported by Tunelab; remove it or leave it empty`);
  }
  f.done();

  const method: Record<string, unknown> = { method: mapping.method(src) };
  for (const key of mapping.keys) {
    if (src[key] !== undefined && src[key] !== null) method[key] = src[key];
  }
  // PEFT writes encoder_hidden_size (= token_dim) even when there is no projection for it to size.
  if (method.method === "prefix" && method.prefix_projection !== true) delete method.encoder_hidden_size;
  return parseMethodConfig(method, model);
}
