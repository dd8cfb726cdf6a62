import assert from "node:assert/strict";
import { test } from "node:test";
import { MODEL_PRESETS, parseModelConfig, ValidationError } from "../index.js";

const LLAMA_2_7B = MODEL_PRESETS["Llama-2-7B"]!;

test("HF defaults are filled in for a minimal llama config", () => {
  const m = parseModelConfig({
    model_type: "llama",
    vocab_size: 1000,
    hidden_size: 64,
    intermediate_size: 176,
    num_hidden_layers: 2,
    num_attention_heads: 4,
  });
  assert.equal(m.num_key_value_heads, 4);
  assert.equal(m.head_dim, 16);
  assert.equal(m.tie_word_embeddings, false);
  assert.equal(m.rms_norm_eps, 1e-6);
  assert.equal(m.rope_theta, 10000);
  assert.equal(m.max_position_embeddings, 2048);
  assert.equal(m.attention_bias, false);
  assert.equal(m.mlp_bias, false);
});

test("config.json keys Tunelab does not read are kept verbatim", () => {
  const m = parseModelConfig(MODEL_PRESETS["Llama-3.2-1B"]);
  assert.deepEqual(m.rope_scaling, MODEL_PRESETS["Llama-3.2-1B"]!.rope_scaling);
  assert.equal(m.torch_dtype, "bfloat16");
});

test("parsing is idempotent", () => {
  const once = parseModelConfig(LLAMA_2_7B);
  assert.deepEqual(parseModelConfig(once), once);
});

interface Rejected {
  why: string;
  json: unknown;
  field: string;
  message: RegExp;
}

// One row per rejected input: the field named and the message a person can act on.
const REJECTED: Rejected[] = [
  {
    why: "not an object",
    json: [1, 2],
    field: "model",
    message: /^model config must be a JSON object, got a list$/,
  },
  {
    why: "model_type missing",
    json: { ...LLAMA_2_7B, model_type: undefined },
    field: "model_type",
    message: /^model_type is required \(one of llama, mistral, qwen2\)$/,
  },
  {
    why: "gpt2",
    json: { model_type: "gpt2", n_embd: 768, n_layer: 12 },
    field: "model_type",
    message:
      /^architecture "gpt2" is not supported; Tunelab trains Llama-architecture decoders \(llama, mistral, qwen2\)$/,
  },
  {
    why: "bert",
    json: { model_type: "bert", hidden_size: 768 },
    field: "model_type",
    message: /^architecture "bert" is not supported; Tunelab trains Llama-architecture decoders/,
  },
  {
    why: "Mixtral (mixture of experts)",
    json: { ...LLAMA_2_7B, model_type: "mixtral", num_local_experts: 8 },
    field: "model_type",
    message: /^architecture "mixtral" is not supported/,
  },
  {
    why: "experts in a llama-typed config",
    json: { ...LLAMA_2_7B, num_local_experts: 8 },
    field: "num_local_experts",
    message:
      /^mixture-of-experts configs \(8 experts\) are not supported; Tunelab trains Llama-architecture decoders/,
  },
  {
    why: "hidden_size 0",
    json: { ...LLAMA_2_7B, hidden_size: 0 },
    field: "hidden_size",
    message: /^hidden_size must be > 0, got 0$/,
  },
  {
    why: "vocab_size not an integer",
    json: { ...LLAMA_2_7B, vocab_size: 3.5 },
    field: "vocab_size",
    message: /^vocab_size must be an integer, got 3\.5$/,
  },
  {
    why: "num_hidden_layers missing",
    json: { ...LLAMA_2_7B, num_hidden_layers: undefined },
    field: "num_hidden_layers",
    message: /^num_hidden_layers is required$/,
  },
  {
    why: "hidden_size not divisible by heads",
    json: { ...LLAMA_2_7B, hidden_size: 4100 },
    field: "hidden_size",
    message:
      /^hidden_size \(4100\) must be divisible by num_attention_heads \(32\) when head_dim is not given$/,
  },
  {
    why: "kv heads not dividing heads",
    json: { ...LLAMA_2_7B, num_key_value_heads: 5 },
    field: "num_key_value_heads",
    message: /^num_key_value_heads \(5\) must divide num_attention_heads \(32\)$/,
  },
  {
    why: "odd head_dim",
    json: { ...LLAMA_2_7B, head_dim: 127 },
    field: "head_dim",
    message: /^head_dim must be even for rotary embeddings, got 127$/,
  },
  {
    why: "rms_norm_eps not positive",
    json: { ...LLAMA_2_7B, rms_norm_eps: 0 },
    field: "rms_norm_eps",
    message: /^rms_norm_eps must be > 0, got 0$/,
  },
  {
    why: "tie_word_embeddings not a boolean",
    json: { ...LLAMA_2_7B, tie_word_embeddings: "yes" },
    field: "tie_word_embeddings",
    message: /^tie_word_embeddings must be true or false, got "yes"$/,
  },
];

for (const r of REJECTED) {
  test(`model config rejected: ${r.why}`, () => {
    assert.throws(
      () => parseModelConfig(r.json),
      (e: unknown) => {
        assert.ok(e instanceof ValidationError, `not a ValidationError: ${e}`);
        assert.equal(e.field, r.field);
        assert.match(e.message, r.message);
        return true;
      },
    );
  });
}

test("every problem of a config is reported at once", () => {
  assert.throws(
    () => parseModelConfig({ ...LLAMA_2_7B, hidden_size: -1, num_attention_heads: 0 }),
    (e: unknown) =>
      e instanceof ValidationError &&
      e.issues.map((i) => i.field).join(",") === "hidden_size,num_attention_heads" &&
      e.message === "hidden_size must be > 0, got -1; num_attention_heads must be > 0, got 0",
  );
});
