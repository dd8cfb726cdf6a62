import type { MethodConfig } from "@tunelab/core";
import type { Model } from "../model.js";
import type { MethodOptions, PeftMethod } from "../peft-hooks.js";
import { createAdapter } from "./adapter.js";
import { createDora } from "./dora.js";
import { createIa3 } from "./ia3.js";
import { createPrefix } from "./prefix.js";
import { createPrompt } from "./prompt.js";
import { createQlora } from "./qlora.js";

/** The methods of issue 5 by name; `full` and `lora` are the engine's own (issue 4). */
export const PEFT_METHODS = ["qlora", "dora", "ia3", "adapter", "prefix", "prompt"] as const;
export type PeftMethodName = (typeof PEFT_METHODS)[number];

export function isPeftMethod(
  config: MethodConfig,
): config is Extract<MethodConfig, { method: PeftMethodName }> {
  return (PEFT_METHODS as readonly string[]).includes(config.method);
}

/**
 * Builds a method over a frozen base; `config` must be parsed by core's parseMethodConfig. QLoRA, being
 * LoRA, may train the model's own biases (`bias`), so the base is the model with its variables.
 */
export function createPeftMethod(
  base: Model,
  config: Extract<MethodConfig, { method: PeftMethodName }>,
  opts: MethodOptions,
): PeftMethod {
  switch (config.method) {
    case "qlora":
      return createQlora(base, config, opts);
    case "dora":
      return createDora(base, config, opts);
    case "ia3":
      return createIa3(base, config, opts);
    case "adapter":
      return createAdapter(base, config, opts);
    case "prefix":
      return createPrefix(base, config, opts);
    case "prompt":
      return createPrompt(base, config, opts);
  }
}
