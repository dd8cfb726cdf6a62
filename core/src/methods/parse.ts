import { ValidationError } from "../errors.js";
import { describe, FieldReader } from "../fields.js";
import type { ModelConfig } from "../model/config.js";
import { bottleneckSize, readAdapter } from "./adapter.js";
import { readIa3 } from "./ia3.js";
import { COMPUTE_DTYPES, readLoraFields } from "./lora.js";
import { readPrefix, readPrompt } from "./prompt-learning.js";
import { loraTargets } from "./lora-targets.js";
import { matchTargets } from "./targets.js";
import { METHOD_NAMES, type MethodConfig, type MethodName } from "./types.js";

/**
 * A method config from untrusted JSON: `{ method, ...PEFT fields }` → the typed config with PEFT's
 * defaults filled in. With `model`, also checks the config against it (targets exist, prefixes fit the
 * context, the bottleneck is at least one unit wide). Unknown keys are errors: a misspelt `lora_alpa`
 * silently falling back to the default would train something other than what was asked for.
 */
export function parseMethodConfig(json: unknown, model?: ModelConfig): MethodConfig {
  const f = FieldReader.of(json, "method config", "method");
  const name = f.source.method;
  if (typeof name !== "string" || !(METHOD_NAMES as readonly string[]).includes(name)) {
    throw new ValidationError({
      field: "method",
      message: `method must be one of ${METHOD_NAMES.map((m) => `"${m}"`).join(", ")}, got ${describe(name)}`,
    });
  }
  const method = readMethod(f, name as MethodName, model);
  rejectUnknownKeys(f, method);
  f.done();
  if (model !== undefined) checkAgainstModel(method, model);
  return method;
}

function readMethod(f: FieldReader, name: MethodName, model: ModelConfig | undefined): MethodConfig {
  switch (name) {
    case "full":
      return { method: "full" };
    case "lora":
      return { method: name, ...readLoraFields(f), use_dora: f.bool("use_dora", false) };
    case "dora":
      return { method: name, ...readLoraFields(f) };
    case "qlora":
      return {
        method: "qlora",
        ...readLoraFields(f),
        use_dora: f.bool("use_dora", false),
        bnb_4bit_quant_type: f.oneOf("bnb_4bit_quant_type", ["nf4"] as const, "nf4"),
        bnb_4bit_use_double_quant: f.bool("bnb_4bit_use_double_quant", true),
        bnb_4bit_compute_dtype: f.oneOf("bnb_4bit_compute_dtype", COMPUTE_DTYPES, "float32"),
      };
    case "prefix":
      return readPrefix(f);
    case "prompt":
      return readPrompt(f);
    case "ia3":
      return readIa3(f, model?.model_type);
    case "adapter":
      return readAdapter(f);
  }
}

/** The LoRA family's PEFT keys (the LoraConfig fields we implement), also what fromPeftConfig carries over. */
export const LORA_KEYS = [
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

/** Keys that mean something to this method (its own plus `method`). */
const KNOWN_KEYS: Record<MethodName, readonly string[]> = {
  full: [],
  lora: [...LORA_KEYS, "use_dora"],
  dora: LORA_KEYS,
  qlora: [
    ...LORA_KEYS,
    "use_dora",
    "bnb_4bit_quant_type",
    "bnb_4bit_use_double_quant",
    "bnb_4bit_compute_dtype",
  ],
  prefix: ["num_virtual_tokens", "prefix_projection", "encoder_hidden_size"],
  prompt: ["num_virtual_tokens", "prompt_tuning_init", "prompt_tuning_init_text"],
  ia3: ["target_modules", "feedforward_modules", "init_ia3_weights"],
  adapter: ["placement", "reduction_factor", "bottleneck_size", "non_linearity"],
};

function rejectUnknownKeys(f: FieldReader, method: MethodConfig): void {
  const known = KNOWN_KEYS[method.method];
  for (const key of Object.keys(f.source)) {
    // null/undefined means "not given" (GraphQL inputs carry every optional field that way).
    if (key !== "method" && !known.includes(key) && f.has(key)) {
      f.fail(
        key,
        `${key} is not a field of method "${method.method}"; allowed: ${known.length > 0 ? known.join(", ") : "none"}`,
      );
    }
  }
}

function checkAgainstModel(method: MethodConfig, model: ModelConfig): void {
  switch (method.method) {
    case "lora":
    case "dora":
    case "qlora":
      loraTargets(model, method);
      return;
    case "ia3": {
      const targets = matchTargets(model, method.target_modules, "target_modules");
      const feedforward = matchTargets(model, method.feedforward_modules, "feedforward_modules");
      const outside = feedforward.filter((m) => !targets.includes(m));
      if (typeof method.feedforward_modules === "string" && outside.length > 0) {
        throw new ValidationError({
          field: "feedforward_modules",
          message: `feedforward_modules must select only targeted modules; ${outside[0]!.fullName} is not in target_modules`,
        });
      }
      return;
    }
    case "prefix":
    case "prompt":
      if (method.num_virtual_tokens >= model.max_position_embeddings) {
        throw new ValidationError({
          field: "num_virtual_tokens",
          message: `num_virtual_tokens must be < max_position_embeddings (${model.max_position_embeddings}), got ${method.num_virtual_tokens}`,
        });
      }
      return;
    case "adapter":
      if (bottleneckSize(method, model.hidden_size) < 1) {
        throw new ValidationError({
          field: "reduction_factor",
          message: `reduction_factor must be <= hidden_size (${model.hidden_size}) so the bottleneck has at least one unit, got ${method.reduction_factor}`,
        });
      }
      return;
    case "full":
      return;
  }
}
