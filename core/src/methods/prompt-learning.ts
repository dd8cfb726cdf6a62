import type { FieldReader } from "../fields.js";
import type { PrefixConfig, PromptConfig } from "./types.js";

/** PEFT requires num_virtual_tokens; 20 is the value its prefix/prompt-tuning examples use. */
export const DEFAULT_NUM_VIRTUAL_TOKENS = 20;

export function readPrefix(f: FieldReader): PrefixConfig {
  const projection = f.bool("prefix_projection", false);
  const encoderHidden = f.has("encoder_hidden_size") ? f.int("encoder_hidden_size", { min: 1 }) : undefined;
  if (encoderHidden !== undefined && !projection) {
    f.fail("encoder_hidden_size", "encoder_hidden_size only applies with prefix_projection: true");
  }
  return {
    method: "prefix",
    num_virtual_tokens: f.int("num_virtual_tokens", { min: 1, fallback: DEFAULT_NUM_VIRTUAL_TOKENS }),
    prefix_projection: projection,
    ...(encoderHidden === undefined ? {} : { encoder_hidden_size: encoderHidden }),
  };
}

export function readPrompt(f: FieldReader): PromptConfig {
  const init = f.oneOf("prompt_tuning_init", ["RANDOM", "TEXT"] as const, "RANDOM");
  const text = f.optionalString("prompt_tuning_init_text");
  if (init === "TEXT" && (text === undefined || text.length === 0)) {
    f.fail(
      "prompt_tuning_init_text",
      'prompt_tuning_init_text is required when prompt_tuning_init is "TEXT"',
    );
  }
  return {
    method: "prompt",
    num_virtual_tokens: f.int("num_virtual_tokens", { min: 1, fallback: DEFAULT_NUM_VIRTUAL_TOKENS }),
    prompt_tuning_init: init,
    ...(text === undefined ? {} : { prompt_tuning_init_text: text }),
  };
}
