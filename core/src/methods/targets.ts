import { ValidationError } from "../errors.js";
import type { ModelConfig, SupportedModelType } from "../model/config.js";
import { allLinears, LINEAR_NAMES, type NamedLinear } from "../model/modules.js";
import { modelShape } from "../model/shape.js";
import type { MethodConfig, TargetModules } from "./types.js";

/** PEFT's default LoRA targets for llama, mistral and qwen2 (TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING). */
export const DEFAULT_LORA_TARGETS = ["q_proj", "v_proj"];
/** PEFT's default IA3 targets per model type (TRANSFORMERS_MODELS_TO_IA3_TARGET_MODULES_MAPPING). */
export const DEFAULT_IA3_TARGETS: Record<SupportedModelType, string[]> = {
  llama: ["k_proj", "v_proj", "down_proj"],
  mistral: ["k_proj", "v_proj", "down_proj"],
  qwen2: ["q_proj", "v_proj", "down_proj"],
};
/** The feed-forward subset of those targets: down_proj for all three families. */
export const DEFAULT_IA3_FEEDFORWARD = ["down_proj"];
/** PEFT's shorthand for every linear except the output layer. */
export const ALL_LINEAR = "all-linear";

const CANDIDATE_NAMES = [...LINEAR_NAMES, "lm_head"].join(", ");

/**
 * The model's linears a `target_modules` value selects, by PEFT's rules: a list entry matches a module
 * whose full name equals it or ends with "." + entry; a string is a regex that must match the whole
 * name; "all-linear" is every linear but lm_head. Stricter than PEFT in one way: every list entry must
 * match something, because a typo that silently trains nothing is worse than an error.
 */
export function matchTargets(model: ModelConfig, targets: TargetModules, field: string): NamedLinear[] {
  const linears = allLinears(modelShape(model));
  if (typeof targets === "string") {
    if (targets === ALL_LINEAR) return linears.filter((m) => m.name !== "lm_head");
    let regex: RegExp;
    try {
      regex = new RegExp(`^(?:${targets})$`);
    } catch (e) {
      throw new ValidationError({
        field,
        message: `${field} "${targets}" is not a valid regular expression: ${(e as Error).message}`,
      });
    }
    const hits = linears.filter((m) => regex.test(m.fullName));
    if (hits.length === 0) {
      throw new ValidationError({
        field,
        message: `${field} regex "${targets}" matches no module (it must match a whole name such as model.layers.0.self_attn.q_proj); available: ${CANDIDATE_NAMES}`,
      });
    }
    return hits;
  }
  const missing = targets.filter((t) => !linears.some((m) => matchesEntry(m.fullName, t)));
  if (missing.length > 0) {
    throw new ValidationError({
      field,
      message: `target module${missing.length > 1 ? "s" : ""} ${missing.map((t) => `'${t}'`).join(", ")} not in model; available: ${CANDIDATE_NAMES}`,
    });
  }
  return linears.filter((m) => targets.some((t) => matchesEntry(m.fullName, t)));
}

function matchesEntry(fullName: string, entry: string): boolean {
  return fullName === entry || fullName.endsWith(`.${entry}`);
}

/** The kinds of linear a method touches, e.g. ["q_proj", "v_proj"]; empty for methods that wrap none. */
export function resolveTargetModules(model: ModelConfig, method: MethodConfig): string[] {
  if (!("target_modules" in method)) return [];
  const names = new Set(matchTargets(model, method.target_modules, "target_modules").map((m) => m.name));
  return [...LINEAR_NAMES, "lm_head"].filter((n) => names.has(n as never));
}
