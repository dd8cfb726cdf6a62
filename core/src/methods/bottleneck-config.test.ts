import assert from "node:assert/strict";
import { test } from "node:test";
import { fromBottleneckConfig, resolveModel, ValidationError } from "../index.js";

// adapter_config.json as the adapters library saves a SeqBnConfig adapter (build_full_config; the
// BnConfig fields as asdict writes them), for tunelab-nano.
const model = resolveModel("tunelab-nano");
const seqBn = {
  architecture: "bottleneck",
  mh_adapter: false,
  output_adapter: true,
  reduction_factor: 16,
  non_linearity: "relu",
  original_ln_before: true,
  original_ln_after: true,
  ln_before: false,
  ln_after: false,
  init_weights: "bert",
  is_parallel: false,
  scaling: 1.0,
  use_gating: false,
  residual_before_ln: true,
  adapter_residual_before_ln: false,
  inv_adapter: null,
  cross_adapter: false,
  leave_out: [],
  dropout: 0.0,
  phm_layer: false,
  stochastic_depth: 0.0,
};
const folderConfig = (config: Record<string, unknown>, top: Record<string, unknown> = {}) => ({
  model_type: model.model_type,
  hidden_size: model.hidden_size,
  model_name: null,
  name: "summarize",
  model_class: "LlamaForCausalLM",
  config,
  version: "adapters.1.1.0",
  ...top,
});

test("seq_bn → pfeiffer, double_seq_bn → houlsby, the folder's adapter name kept", () => {
  assert.deepEqual(fromBottleneckConfig(folderConfig(seqBn), model), {
    method: { method: "adapter", placement: "pfeiffer", reduction_factor: 16, non_linearity: "relu" },
    name: "summarize",
  });
  const houlsby = fromBottleneckConfig(
    folderConfig({ ...seqBn, mh_adapter: true, original_ln_before: false, non_linearity: "swish" }),
  );
  assert.equal(houlsby.method.placement, "houlsby");
  assert.equal(houlsby.method.non_linearity, "swish");
});

const refused: [string, Record<string, unknown>, string, RegExp][] = [
  [
    "another config's flags",
    folderConfig({ ...seqBn, mh_adapter: true }),
    "config.mh_adapter",
    /neither seq_bn/,
  ],
  [
    "a parallel adapter",
    folderConfig({ ...seqBn, is_parallel: true }),
    "config.is_parallel",
    /is_parallel true/,
  ],
  [
    "a per-layer reduction factor",
    folderConfig({ ...seqBn, reduction_factor: { "0": 8 } }),
    "config.reduction_factor",
    /one number/,
  ],
  [
    "a factor above hidden_size",
    folderConfig({ ...seqBn, reduction_factor: 1e6 }),
    "config.reduction_factor",
    /<= hidden_size/,
  ],
  [
    "an activation the engine lacks",
    folderConfig({ ...seqBn, non_linearity: "leakyrelu" }),
    "config.non_linearity",
    /leakyrelu/,
  ],
  ["left-out layers", folderConfig({ ...seqBn, leave_out: [0] }), "config.leave_out", /leave_out/],
  ["gating", folderConfig({ ...seqBn, use_gating: true }), "config.use_gating", /use_gating/],
  ["another base model's hidden size", folderConfig(seqBn, { hidden_size: 4096 }), "hidden_size", /4096/],
  ["a name that cannot sit in a tensor name", folderConfig(seqBn, { name: "a.b" }), "name", /name must be/],
  ["no config", folderConfig(seqBn, { config: "seq_bn" }), "config", /must be a JSON object/],
];
for (const [what, json, field, message] of refused) {
  test(`refused naming the field: ${what}`, () => {
    assert.throws(
      () => fromBottleneckConfig(json, model),
      (e) => e instanceof ValidationError && e.field === field && message.test(e.message),
    );
  });
}
