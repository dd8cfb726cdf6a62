import type { FieldReader } from "../fields.js";
import { readTargets } from "./read-targets.js";
import { DEFAULT_LORA_TARGETS } from "./targets.js";
import type { ComputeDtype, LoraBias, LoraFields } from "./types.js";

export const LORA_BIAS_VALUES: readonly LoraBias[] = ["none", "all", "lora_only"];
export const COMPUTE_DTYPES: readonly ComputeDtype[] = ["float32", "bfloat16", "float16"];

/** LoraConfig's fields with PEFT's defaults (r 8, alpha 8, dropout 0, bias "none", no rsLoRA, q/v). */
export function readLoraFields(f: FieldReader): LoraFields {
  return {
    r: f.int("r", { min: 1, fallback: 8 }),
    lora_alpha: f.num("lora_alpha", { min: 0, exclusiveMin: true, fallback: 8 }),
    lora_dropout: f.num("lora_dropout", { min: 0, max: 0.99, fallback: 0 }),
    target_modules: readTargets(f, "target_modules", [...DEFAULT_LORA_TARGETS]),
    bias: f.oneOf("bias", LORA_BIAS_VALUES, "none"),
    use_rslora: f.bool("use_rslora", false),
  };
}

/** The factor the LoRA branch is multiplied by: alpha/r, or alpha/√r with rsLoRA. */
export function loraScaling(m: Pick<LoraFields, "r" | "lora_alpha" | "use_rslora">): number {
  return m.use_rslora ? m.lora_alpha / Math.sqrt(m.r) : m.lora_alpha / m.r;
}
