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
    use_dora: false,
  });
  // and it counts like the adapter it came from (Llama-2-7B r 8 q,v).
  assert.equal(countParameters("Llama-2-7B", fromPeftConfig(LORA_ADAPTER)).trainable, 4_194_304);
});

test("LORA with use_dora → lora with use_dora, counted with DoRA's magnitudes", () => {
  const dora = fromPeftConfig({ ...LORA_ADAPTER, use_dora: true });
  assert.deepEqual([dora.method, "use_dora" in dora && dora.use_dora], ["lora", true]);
  // q [4096] + v [4096] per layer, 32 layers
  assert.equal(countParameters("Llama-2-7B", dora).trainable, 4_194_304 + 32 * (4096 + 4096));
});

test("a LORA config over an NF4 base: base { method: qlora } makes QLoRA (QDoRA with use_dora)", () => {
  const q = fromPeftConfig({ ...LORA_ADAPTER, use_dora: true }, undefined, {
    method: "qlora",
    bnb_4bit_use_double_quant: false,
  });
  assert.equal(q.method, "qlora");
  assert.ok(q.method === "qlora" && q.use_dora && !q.bnb_4bit_use_double_quant);
  assert.throws(
    () => fromPeftConfig(LORA_ADAPTER, undefined, { method: "qlora", r: 4 }),
    (e: unknown) => e instanceof ValidationError && e.field === "method.r",
  );
  assert.throws(
    () => fromPeftConfig(LORA_ADAPTER, undefined, { method: "ia3" }),
    (e: unknown) => e instanceof ValidationError && e.field === "method.method",
  );
});

test("rank_pattern, alpha_pattern and layers_to_transform are carried and counted per module", () => {
  const m = fromPeftConfig(
    {
      ...LORA_ADAPTER,
      rank_pattern: { "model.layers.0.self_attn.q_proj": 16 },
      alpha_pattern: { v_proj: 32 },
      layers_to_transform: [0, 1],
      layers_pattern: "layers",
    },
    resolveModel("Llama-2-7B"),
  );
  assert.ok(m.method === "lora");
  assert.deepEqual(m.layers_to_transform, [0, 1]);
  assert.deepEqual(m.layers_pattern, ["layers"]);
  // layers 0 and 1 only: q and v, r 8, plus q of layer 0 at r 16 instead of 8
  const perModule = 8 * (4096 + 4096);
  assert.equal(countParameters("Llama-2-7B", m).trainable, 4 * perModule + perModule);
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
    /^modules_to_save a list is not supported by Tunelab; remove it or leave it empty$/,
  );
});

// Every LoraConfig field that changes what trains and that Tunelab does not implement, with a value.
const UNSUPPORTED_LORA: [string, unknown][] = [
  ["fan_in_fan_out", true],
  ["init_lora_weights", "gaussian"],
  ["init_lora_weights", false],
  ["exclude_modules", ["k_proj"]],
  ["target_parameters", ["mlp.experts.down_proj"]],
  ["trainable_token_indices", [0, 1]],
  ["layer_replication", [[0, 4]]],
  ["lora_bias", true],
  ["use_qalora", true],
  ["megatron_config", { tensor_model_parallel_size: 2 }],
  ["loftq_config", { loftq_bits: 4 }],
  ["eva_config", { rho: 2 }],
  ["corda_config", { cache_file: "x" }],
  ["lora_ga_config", { direction: "ArB2r" }],
  ["arrow_config", { top_k: 3 }],
  ["alora_invocation_tokens", [1, 2]],
  ["ensure_weight_tying", true],
];
for (const [key, value] of UNSUPPORTED_LORA) {
  test(`LORA ${key} = ${JSON.stringify(value)} is refused naming the field`, () => {
    rejects({ ...LORA_ADAPTER, [key]: value }, key, new RegExp(`^${key} .* is not supported by Tunelab`));
  });
}

test("PEFT's own defaults of those fields are accepted", () => {
  const defaults = { ...LORA_ADAPTER, loftq_config: {}, megatron_core: "megatron.core", lora_bias: false };
  assert.equal(fromPeftConfig(defaults).method, "lora");
});

test("layers_pattern without layers_to_transform is refused, as PEFT's LoraConfig does", () => {
  rejects({ ...LORA_ADAPTER, layers_pattern: "layers" }, "layers_pattern", /needs layers_to_transform/);
});

test("PEFT's SAMPLE_VOCAB prompt init is refused", () => {
  rejects(
    { peft_type: "PROMPT_TUNING", num_virtual_tokens: 8, prompt_tuning_init: "SAMPLE_VOCAB" },
    "prompt_tuning_init",
    /prompt_tuning_init must be one of "RANDOM", "TEXT", got "SAMPLE_VOCAB"/,
  );
});
