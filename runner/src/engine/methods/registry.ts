import { type MethodConfig, parseMethodConfig, ValidationError } from "@tunelab/core";
import type { Model } from "../model.js";
import type { MethodOptions, PeftMethod } from "../peft-hooks.js";
import { storageDtype, withStorageDtype } from "./frozen-storage.js";
import { createFull } from "./full.js";
import { createLoraOrDora } from "./lora.js";
import { createPeftMethod, isPeftMethod } from "./peft-methods.js";

/**
 * Every training method by name, one shape (PeftMethod): validate (core's parseMethodConfig against the
 * model, which throws ValidationError naming the field) → inject (hooks the forward pass calls) →
 * trainable variables → export/import, with the frozen weights stored in the run's dtype
 * (frozen-storage.ts; 16 bits round the model's matrices in place). The training loop sees only this.
 */
export function createMethod(model: Model, json: unknown, opts: MethodOptions): PeftMethod {
  const config: MethodConfig = parseMethodConfig(json, model.config);
  const dtype = storageDtype(opts.dtype ?? "float32", config);
  return withStorageDtype(model, dtype, () => createByName(model, config, opts));
}

function createByName(model: Model, config: MethodConfig, opts: MethodOptions): PeftMethod {
  if (config.method === "full") return createFull(model, config);
  if (config.method === "lora") return createLoraOrDora(model, config, opts);
  if (isPeftMethod(config)) return createPeftMethod(model, config, opts);
  const name = (config as MethodConfig).method;
  throw new ValidationError({ field: "method", message: `method ${name} has no engine implementation` });
}
