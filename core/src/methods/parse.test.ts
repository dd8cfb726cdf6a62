import assert from "node:assert/strict";
import { test } from "node:test";
import { parseMethodConfig, resolveModel, resolveTargetModules, ValidationError } from "../index.js";

const LLAMA_2_7B = resolveModel("Llama-2-7B");
const NANO = resolveModel("tunelab-nano");

test("LoRA gets PEFT's defaults", () => {
  assert.deepEqual(parseMethodConfig({ method: "lora" }), {
    method: "lora",
    r: 8,
    lora_alpha: 8,
    lora_dropout: 0,
    target_modules: ["q_proj", "v_proj"],
    bias: "none",
    use_rslora: false,
    use_dora: false,
  });
});

test("QLoRA adds bitsandbytes' 4-bit settings", () => {
  const q = parseMethodConfig({ method: "qlora", bnb_4bit_compute_dtype: "bfloat16" });
  assert.equal(q.method, "qlora");
  if (q.method !== "qlora") return;
  assert.equal(q.bnb_4bit_quant_type, "nf4");
  assert.equal(q.bnb_4bit_use_double_quant, true);
  assert.equal(q.bnb_4bit_compute_dtype, "bfloat16");
});

test("adapter defaults: Pfeiffer, reduction 16, relu; Houlsby uses swish", () => {
  assert.deepEqual(parseMethodConfig({ method: "adapter" }), {
    method: "adapter",
    placement: "pfeiffer",
    reduction_factor: 16,
    non_linearity: "relu",
  });
  assert.equal(
    (parseMethodConfig({ method: "adapter", placement: "houlsby" }) as { non_linearity: string })
      .non_linearity,
    "swish",
  );
});

test("IA3 defaults follow the model family (qwen2 targets q_proj)", () => {
  const qwen = resolveModel("Qwen2-0.5B");
  assert.deepEqual(resolveTargetModules(qwen, parseMethodConfig({ method: "ia3" }, qwen)), [
    "q_proj",
    "v_proj",
    "down_proj",
  ]);
  assert.deepEqual(resolveTargetModules(LLAMA_2_7B, parseMethodConfig({ method: "ia3" }, LLAMA_2_7B)), [
    "k_proj",
    "v_proj",
    "down_proj",
  ]);
});

test("resolveTargetModules: list suffixes, regex, all-linear", () => {
  const lora = (target_modules: unknown) => parseMethodConfig({ method: "lora", target_modules }, NANO);
  assert.deepEqual(resolveTargetModules(NANO, lora(["self_attn.v_proj", "q_proj"])), ["q_proj", "v_proj"]);
  assert.deepEqual(resolveTargetModules(NANO, lora(".*\\.(up|down)_proj")), ["up_proj", "down_proj"]);
  assert.deepEqual(resolveTargetModules(NANO, lora("all-linear")), [
    "q_proj",
    "k_proj",
    "v_proj",
    "o_proj",
    "gate_proj",
    "up_proj",
    "down_proj",
  ]);
  assert.deepEqual(resolveTargetModules(NANO, lora(["lm_head"])), ["lm_head"]);
  assert.deepEqual(resolveTargetModules(NANO, parseMethodConfig({ method: "prefix" })), []);
});

interface Rejected {
  why: string;
  json: unknown;
  field: string;
  message: RegExp;
}

// One row per rejected input, checked against tunelab-nano (max_position_embeddings 128, hidden 32).
const REJECTED: Rejected[] = [
  {
    why: "rank_pattern value not an integer",
    json: { method: "lora", rank_pattern: { q_proj: 2.5 } },
    field: "rank_pattern",
    message: /^rank_pattern\["q_proj"\] must be an integer >= 1, got 2.5$/,
  },
  {
    why: "rank_pattern key matches no target",
    json: { method: "lora", rank_pattern: { o_proj: 4 } },
    field: "rank_pattern",
    message: /^rank_pattern key "o_proj" matches no targeted module/,
  },
  {
    why: "alpha_pattern not an object",
    json: { method: "qlora", alpha_pattern: [16] },
    field: "alpha_pattern",
    message: /^alpha_pattern must be an object/,
  },
  {
    why: "layers_to_transform outside the model",
    json: { method: "dora", layers_to_transform: [2] },
    field: "layers_to_transform",
    message: /^layers_to_transform: the model has layers 0…1, got 2$/,
  },
  {
    why: "layers_to_transform with a regex target",
    json: { method: "lora", target_modules: ".*q_proj", layers_to_transform: 0 },
    field: "layers_to_transform",
    message: /cannot be used when target_modules is a regex string/,
  },
  {
    why: "layers_pattern that names no module list",
    json: { method: "lora", layers_to_transform: [0], layers_pattern: "h" },
    field: "layers_to_transform",
    message: /leaves no targeted module/,
  },
  {
    why: "use_dora on the dora method",
    json: { method: "dora", use_dora: true },
    field: "use_dora",
    message: /^use_dora is not a field of method "dora"/,
  },
  {
    why: "not an object",
    json: "lora",
    field: "method",
    message: /^method config must be a JSON object, got "lora"$/,
  },
  {
    why: "unknown method",
    json: { method: "adalora" },
    field: "method",
    message:
      /^method must be one of "full", "lora", "qlora", "prefix", "adapter", "prompt", "ia3", "dora", got "adalora"$/,
  },
  { why: "r = 0", json: { method: "lora", r: 0 }, field: "r", message: /^r must be > 0, got 0$/ },
  {
    why: "r negative (QLoRA)",
    json: { method: "qlora", r: -4 },
    field: "r",
    message: /^r must be > 0, got -4$/,
  },
  {
    why: "r not an integer",
    json: { method: "dora", r: 2.5 },
    field: "r",
    message: /^r must be an integer, got 2\.5$/,
  },
  {
    why: "lora_alpha 0",
    json: { method: "lora", lora_alpha: 0 },
    field: "lora_alpha",
    message: /^lora_alpha must be > 0, got 0$/,
  },
  {
    why: "lora_dropout 1",
    json: { method: "lora", lora_dropout: 1 },
    field: "lora_dropout",
    message: /^lora_dropout must be <= 0\.99, got 1$/,
  },
  {
    why: "unknown bias",
    json: { method: "lora", bias: "some" },
    field: "bias",
    message: /^bias must be one of "none", "all", "lora_only", got "some"$/,
  },
  {
    why: "target module not in the model",
    json: { method: "lora", target_modules: ["q_proj", "foo"] },
    field: "target_modules",
    message:
      /^target module 'foo' not in model; available: q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj, lm_head$/,
  },
  {
    why: "GPT-2 module names on a Llama model",
    json: { method: "lora", target_modules: ["c_attn", "c_proj"] },
    field: "target_modules",
    message: /^target modules 'c_attn', 'c_proj' not in model; available: q_proj/,
  },
  {
    why: "empty target list",
    json: { method: "lora", target_modules: [] },
    field: "target_modules",
    message: /^target_modules must name at least one module/,
  },
  {
    why: "regex matching nothing",
    json: { method: "lora", target_modules: "q_proj" },
    field: "target_modules",
    message:
      /^target_modules regex "q_proj" matches no module \(it must match a whole name such as model\.layers\.0\.self_attn\.q_proj\)/,
  },
  {
    why: "invalid regex",
    json: { method: "lora", target_modules: "(q_proj" },
    field: "target_modules",
    message: /^target_modules "\(q_proj" is not a valid regular expression/,
  },
  {
    why: "misspelt key",
    json: { method: "lora", lora_alpa: 16 },
    field: "lora_alpa",
    message:
      /^lora_alpa is not a field of method "lora"; allowed: r, lora_alpha, lora_dropout, target_modules, bias, use_rslora, rank_pattern, alpha_pattern, layers_to_transform, layers_pattern, use_dora$/,
  },
  {
    why: "LoRA key on full fine-tuning",
    json: { method: "full", r: 8 },
    field: "r",
    message: /^r is not a field of method "full"; allowed: none$/,
  },
  {
    why: "QLoRA with fp4",
    json: { method: "qlora", bnb_4bit_quant_type: "fp4" },
    field: "bnb_4bit_quant_type",
    message: /^bnb_4bit_quant_type must be one of "nf4", got "fp4"$/,
  },
  {
    why: "QLoRA compute dtype",
    json: { method: "qlora", bnb_4bit_compute_dtype: "float64" },
    field: "bnb_4bit_compute_dtype",
    message: /^bnb_4bit_compute_dtype must be one of "float32", "bfloat16", "float16", got "float64"$/,
  },
  {
    why: "prefix longer than the context",
    json: { method: "prefix", num_virtual_tokens: 128 },
    field: "num_virtual_tokens",
    message: /^num_virtual_tokens must be < max_position_embeddings \(128\), got 128$/,
  },
  {
    why: "prompt longer than the context",
    json: { method: "prompt", num_virtual_tokens: 500 },
    field: "num_virtual_tokens",
    message: /^num_virtual_tokens must be < max_position_embeddings \(128\), got 500$/,
  },
  {
    why: "zero virtual tokens",
    json: { method: "prefix", num_virtual_tokens: 0 },
    field: "num_virtual_tokens",
    message: /^num_virtual_tokens must be > 0, got 0$/,
  },
  {
    why: "encoder_hidden_size without projection",
    json: { method: "prefix", encoder_hidden_size: 64 },
    field: "encoder_hidden_size",
    message: /^encoder_hidden_size only applies with prefix_projection: true$/,
  },
  {
    why: "TEXT init without text",
    json: { method: "prompt", prompt_tuning_init: "TEXT" },
    field: "prompt_tuning_init_text",
    message: /^prompt_tuning_init_text is required when prompt_tuning_init is "TEXT"$/,
  },
  {
    why: "IA3 feed-forward module not targeted",
    json: { method: "ia3", target_modules: ["k_proj", "v_proj"], feedforward_modules: ["down_proj"] },
    field: "feedforward_modules",
    message: /^feedforward_modules must be a subset of target_modules; not targeted: down_proj$/,
  },
  {
    why: "adapter with both sizes",
    json: { method: "adapter", bottleneck_size: 8, reduction_factor: 4 },
    field: "bottleneck_size",
    message: /^give bottleneck_size or reduction_factor, not both$/,
  },
  {
    why: "adapter bottleneck narrower than one unit",
    json: { method: "adapter", reduction_factor: 64 },
    field: "reduction_factor",
    message:
      /^reduction_factor must be <= hidden_size \(32\) so the bottleneck has at least one unit, got 64$/,
  },
  {
    why: "LoRA rank above min(in, out) of a targeted linear",
    json: { method: "lora", r: 1e9 },
    field: "r",
    message: /^r must be <= min\(in, out\) = \d+ of model\.layers\.0\.\S+ \(\d+×\d+\), got 1000000000$/,
  },
  {
    why: "a rank_pattern rank above min(in, out)",
    json: { method: "lora", r: 4, rank_pattern: { q_proj: 33 } },
    field: "rank_pattern",
    message: /^r must be <= min\(in, out\) = 32 of model\.layers\.0\.self_attn\.q_proj \(32×32\), got 33$/,
  },
  {
    why: "adapter placement",
    json: { method: "adapter", placement: "parallel" },
    field: "placement",
    message: /^placement must be one of "pfeiffer", "houlsby", got "parallel"$/,
  },
  {
    why: "adapter non-linearity",
    json: { method: "adapter", non_linearity: "softplus" },
    field: "non_linearity",
    message: /^non_linearity must be one of "relu", "swish", "gelu", "tanh", got "softplus"$/,
  },
];

for (const r of REJECTED) {
  test(`method config rejected: ${r.why}`, () => {
    assert.throws(
      () => parseMethodConfig(r.json, NANO),
      (e: unknown) => {
        assert.ok(e instanceof ValidationError, `not a ValidationError: ${e}`);
        assert.equal(e.field, r.field);
        assert.match(e.message, r.message);
        return true;
      },
    );
  });
}
