import assert from "node:assert/strict";
import { test } from "node:test";
import { estimate, estimateMemory, ValidationError } from "./index.js";

const RUN = { batchSize: 8, seqLen: 128, optimizer: "adamw", dtype: "float32" };

test("estimate answers the resolved configs, targets, counts and memory in one call", () => {
  const e = estimate({
    model: "tunelab-tiny",
    method: { method: "lora", r: 4, target_modules: "all-linear" },
    ...RUN,
  });
  assert.equal(e.model.hidden_size, 128);
  assert.deepEqual(e.targetModules, [
    "q_proj",
    "k_proj",
    "v_proj",
    "o_proj",
    "gate_proj",
    "up_proj",
    "down_proj",
  ]);
  // 4 layers · 4 · (2·(128 + 128) + 2·(128 + 64) + 3·(128 + 344)).
  assert.equal(e.parameters.trainable, 4 * 4 * (2 * 256 + 2 * 192 + 3 * 472));
  assert.deepEqual(e.memory, estimateMemory("tunelab-tiny", e.method, RUN));
});

function rejects(input: Parameters<typeof estimate>[0], field: string, message: RegExp): void {
  assert.throws(
    () => estimate(input),
    (e: unknown) => e instanceof ValidationError && e.field === field && message.test(e.message),
  );
}

test("estimate: a model field error carries the model. path", () => {
  rejects(
    {
      model: {
        model_type: "llama",
        vocab_size: 10,
        hidden_size: 0,
        intermediate_size: 4,
        num_hidden_layers: 1,
        num_attention_heads: 1,
      },
      method: { method: "full" },
      ...RUN,
    },
    "model.hidden_size",
    /^hidden_size must be > 0, got 0$/,
  );
});

test("estimate: a method field error carries the method. path", () => {
  rejects(
    { model: "tunelab-tiny", method: { method: "lora", r: 0 }, ...RUN },
    "method.r",
    /^r must be > 0, got 0$/,
  );
});

test("estimate: an unknown preset is a model error", () => {
  rejects(
    { model: "llama-9000", method: { method: "full" }, ...RUN },
    "model",
    /^unknown model preset "llama-9000"/,
  );
});

test("estimate: a run option error names the option", () => {
  rejects(
    { model: "tunelab-tiny", method: { method: "full" }, ...RUN, seqLen: 0 },
    "seqLen",
    /^seqLen must be > 0, got 0$/,
  );
});

test("GraphQL-style inputs with other methods' fields set to null are accepted", () => {
  const e = estimate({
    model: "tunelab-tiny",
    method: { method: "lora", r: 4, num_virtual_tokens: null, reduction_factor: null },
    ...RUN,
  });
  assert.equal(e.method.method, "lora");
});
