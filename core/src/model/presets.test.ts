import assert from "node:assert/strict";
import { test } from "node:test";
import { countParameters, MODEL_PRESETS, resolveModel, ValidationError } from "../index.js";

// Published parameter counts of the public checkpoints (model cards / safetensors metadata on the Hub),
// and the tunelab presets by hand: V·d·(tied ? 1 : 2) + L·(q + k + v + o + 3·d·I + 2·d) + d.
const BASE_TOTALS: Record<string, number> = {
  "Llama-2-7B": 6_738_415_616,
  "Llama-3-8B": 8_030_261_248,
  "Llama-3.2-1B": 1_235_814_400,
  "Mistral-7B-v0.1": 7_241_732_096,
  "TinyLlama-1.1B": 1_100_048_384,
  "SmolLM-135M": 134_515_008,
  // Qwen2 counts its q/k/v biases: 24·(896 + 128 + 128) of the total.
  "Qwen2-0.5B": 494_032_768,
  // 259·32 + 2·(32·32 + 2·32·16 + 32·32 + 3·32·88 + 2·32) + 32
  "tunelab-nano": 31_488,
  // 259·128 + 4·(128·128 + 2·128·64 + 128·128 + 3·128·344 + 2·128) + 128
  "tunelab-tiny": 759_296,
  // 2·259·256 + 6·(256·256 + 2·256·128 + 256·256 + 3·256·688 + 2·256) + 256
  "tunelab-small": 4_485_888,
};

for (const [name, total] of Object.entries(BASE_TOTALS)) {
  test(`preset ${name} has ${total.toLocaleString("en-US")} parameters`, () => {
    assert.equal(countParameters(name, { method: "full" }).total, total);
  });
}

test("every preset is listed and parses", () => {
  assert.deepEqual(Object.keys(MODEL_PRESETS).sort(), Object.keys(BASE_TOTALS).sort());
});

test("tunelab presets use the byte-level tokenizer ids", () => {
  const m = resolveModel("tunelab-tiny");
  assert.equal(m.vocab_size, 259);
  assert.equal(m.bos_token_id, 256);
  assert.equal(m.eos_token_id, 257);
  assert.equal(m.pad_token_id, 258);
  assert.equal(m.head_dim, 32);
});

test("presets resolve by Hub repo id, case-insensitively", () => {
  assert.equal(resolveModel("meta-llama/llama-2-7b-hf").hidden_size, 4096);
});

test("an unknown preset name lists the available ones", () => {
  assert.throws(
    () => resolveModel("gpt-5"),
    (e: unknown) =>
      e instanceof ValidationError &&
      e.field === "model" &&
      /unknown model preset "gpt-5"; available: tunelab-nano/.test(e.message),
  );
});

test("resolveModel does not let callers mutate the preset table", () => {
  const m = resolveModel("tunelab-nano");
  m.hidden_size = 1;
  assert.equal(resolveModel("tunelab-nano").hidden_size, 32);
});
