import assert from "node:assert/strict";
import { test } from "node:test";
import { countParameters, fromPeftConfig, resolveModel, ValidationError } from "../index.js";

// adapter_config.json files as PEFT writes them (keys as in PEFT's LoraConfig/PrefixTuningConfig/…).
const LORA_ADAPTER = {
  alpha_pattern: {},
  auto_mapping: null,
  base_model_name_or_path: "meta-llama/Llama-2-7b-hf",
  bias: "none",
  fan_in_fan_out: false,
  inference_mode: true,
  init_lora_weights: true,
  layers_pattern: null,
  layers_to_transform: null,
  lora_alpha: 16,
  lora_dropout: 0.05,
  modules_to_save: null,
  peft_type: "LORA",
  r: 8,
  rank_pattern: {},
  revision: null,
  target_modules: ["v_proj", "q_proj"],
  task_type: "CAUSAL_LM",
  use_dora: false,
  use_rslora: false,
};

test("LORA adapter_config.json → lora with PEFT's values", () => {
  assert.deepEqual(fromPeftConfig(LORA_ADAPTER), {
    method: "lora",
    r: 8,
    lora_alpha: 16,
    lora_dropout: 0.05,
    target_modules: ["v_proj", "q_proj"],
    bias: "none",
    use_rslora: false,
  });
  // and it counts like the adapter it came from (Llama-2-7B r 8 q,v).
  assert.equal(countParameters("Llama-2-7B", fromPeftConfig(LORA_ADAPTER)).trainable, 4_194_304);
});

test("LORA with use_dora → dora", () => {
  assert.equal(fromPeftConfig({ ...LORA_ADAPTER, use_dora: true }).method, "dora");
});

test("PREFIX_TUNING: PEFT's encoder_hidden_size without projection is dropped", () => {
  const prefix = fromPeftConfig({
    peft_type: "PREFIX_TUNING",
    task_type: "CAUSAL_LM",
    num_virtual_tokens: 30,
    token_dim: 4096,
    num_layers: 32,
    num_attention_heads: 32,
    num_transformer_submodules: 1,
    encoder_hidden_size: 4096,
    prefix_projection: false,
    inference_mode: true,
  });
  assert.deepEqual(prefix, { method: "prefix", num_virtual_tokens: 30, prefix_projection: false });
});

test("PREFIX_TUNING with projection keeps encoder_hidden_size", () => {
  const prefix = fromPeftConfig({
    peft_type: "PREFIX_TUNING",
    num_virtual_tokens: 10,
    encoder_hidden_size: 512,
    prefix_projection: true,
  });
  assert.deepEqual(prefix, {
    method: "prefix",
    num_virtual_tokens: 10,
    prefix_projection: true,
    encoder_hidden_size: 512,
  });
});

test("PROMPT_TUNING with TEXT init", () => {
  assert.deepEqual(
    fromPeftConfig({
      peft_type: "PROMPT_TUNING",
      task_type: "CAUSAL_LM",
      num_virtual_tokens: 8,
      prompt_tuning_init: "TEXT",
      prompt_tuning_init_text: "Classify if the tweet is a complaint or not:",
      tokenizer_name_or_path: "bigscience/bloomz-560m",
    }),
    {
      method: "prompt",
      num_virtual_tokens: 8,
      prompt_tuning_init: "TEXT",
      prompt_tuning_init_text: "Classify if the tweet is a complaint or not:",
    },
  );
});

test("IA3 keeps targets and feed-forward modules", () => {
  const ia3 = fromPeftConfig({
    peft_type: "IA3",
    task_type: "CAUSAL_LM",
    target_modules: ["k_proj", "v_proj", "down_proj"],
    feedforward_modules: ["down_proj"],
    init_ia3_weights: true,
    modules_to_save: null,
  });
  assert.equal(countParameters("Llama-2-7B", ia3).trainable, 614_400);
});

test("with a model, the adapter is checked against it", () => {
  assert.throws(
    () =>
      fromPeftConfig({ ...LORA_ADAPTER, target_modules: ["query_key_value"] }, resolveModel("Llama-2-7B")),
    (e: unknown) => e instanceof ValidationError && e.field === "target_modules",
  );
});

function rejects(json: unknown, field: string, message: RegExp): void {
  assert.throws(
    () => fromPeftConfig(json),
    (e: unknown) => e instanceof ValidationError && e.field === field && message.test(e.message),
  );
}

test("unsupported peft_type is refused by name", () => {
  rejects(
    { peft_type: "ADALORA" },
    "peft_type",
    /^peft_type "ADALORA" is not supported; Tunelab reads LORA, PREFIX_TUNING, PROMPT_TUNING, IA3$/,
  );
});

test("a non-causal task_type is refused", () => {
  rejects({ ...LORA_ADAPTER, task_type: "SEQ_CLS" }, "task_type", /task_type "SEQ_CLS" is not supported/);
});

test("modules_to_save is refused rather than silently not trained", () => {
  rejects(
    { ...LORA_ADAPTER, modules_to_save: ["lm_head"] },
    "modules_to_save",
    /modules_to_save is not supported/,
  );
});

test("layers_to_transform is refused", () => {
  rejects({ ...LORA_ADAPTER, layers_to_transform: [0, 1] }, "layers_to_transform", /not supported/);
});

test("PEFT's SAMPLE_VOCAB prompt init is refused", () => {
  rejects(
    { peft_type: "PROMPT_TUNING", num_virtual_tokens: 8, prompt_tuning_init: "SAMPLE_VOCAB" },
    "prompt_tuning_init",
    /prompt_tuning_init must be one of "RANDOM", "TEXT", got "SAMPLE_VOCAB"/,
  );
});
