import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import {
  fromBottleneckConfig,
  parseModelConfig,
  parseMethodConfig,
  peftTensorShapes,
  resolveModel,
  ValidationError,
} from "../index.js";

// LoRA, DoRA and prefix layouts are checked against runner/reference's PEFT folders in
// server/src/adapters/import.test.ts; these are the layouts without a fixture, from PEFT's parameter shapes.
const model = resolveModel("tunelab-nano");
const shapes = (method: Record<string, unknown>) =>
  Object.fromEntries(peftTensorShapes(model, parseMethodConfig(method, model)));

test("IA3: ia3_l [out, 1] per target, [1, in] for a feed-forward one (PEFT's IA3Layer)", () => {
  const got = shapes({
    method: "ia3",
    target_modules: ["k_proj", "down_proj"],
    feedforward_modules: ["down_proj"],
  });
  const kv = model.num_key_value_heads * model.head_dim;
  for (let layer = 0; layer < model.num_hidden_layers; layer++) {
    const at = `base_model.model.model.layers.${layer}`;
    assert.deepEqual(got[`${at}.self_attn.k_proj.ia3_l`], [kv, 1]);
    assert.deepEqual(got[`${at}.mlp.down_proj.ia3_l`], [1, model.intermediate_size]);
  }
  assert.equal(Object.keys(got).length, 2 * model.num_hidden_layers);
});

test("prompt tuning: prompt_embeddings [n, hidden]", () => {
  assert.deepEqual(shapes({ method: "prompt", num_virtual_tokens: 5 }), {
    prompt_embeddings: [5, model.hidden_size],
  });
});

test("full fine-tuning has no adapter layout", () => {
  assert.throws(
    () => shapes({ method: "full" }),
    (e) => e instanceof ValidationError && e.field === "peft_type",
  );
});

// runner/reference/adapters_fixtures.py: the adapters library's tensor names and shapes for its configs.
interface AdaptersFixture {
  model: Record<string, unknown>;
  cases: { name: string; adapterConfig: Record<string, unknown>; tensors: Record<string, number[]> }[];
}
const adapters = JSON.parse(
  readFileSync(join(__dirname, "../../../runner/reference/fixtures/adapters.json"), "utf8"),
) as AdaptersFixture;

test("bottleneck adapters: the adapters library's names and shapes, from its adapter_config.json", () => {
  const m = parseModelConfig(adapters.model);
  for (const c of adapters.cases) {
    const { method, name } = fromBottleneckConfig(c.adapterConfig, m);
    assert.equal(name, "tunelab");
    assert.deepEqual(Object.fromEntries(peftTensorShapes(m, method, name)), c.tensors, c.name);
  }
});
