import assert from "node:assert/strict";
import { test } from "node:test";
import { initialValues, type MethodField, methodObject, variantSweep } from "./method-fields.js";

// As the server's `methods` describes LoRA and adapters (PEFT / adapters library key names).
const LORA: MethodField[] = [
  { name: "r", type: "integer", default: 8, description: "" },
  { name: "lora_alpha", type: "number", default: 8, description: "" },
  { name: "target_modules", type: "target_modules", default: ["q_proj", "v_proj"], description: "" },
  { name: "bias", type: "enum", default: "none", allowed: ["none", "all", "lora_only"], description: "" },
  { name: "use_rslora", type: "boolean", default: false, description: "" },
];
const ADAPTER: MethodField[] = [
  { name: "reduction_factor", type: "number", default: 16, description: "" },
  { name: "bottleneck_size", type: "integer", default: null, description: "" },
];

test("the form starts from the server's defaults and gives them back unchanged", () => {
  const values = initialValues(LORA);
  assert.deepEqual(values, {
    r: "8",
    lora_alpha: "8",
    target_modules: "q_proj, v_proj",
    bias: "none",
    use_rslora: false,
  });
  assert.deepEqual(methodObject("lora", LORA, values), {
    method: "lora",
    r: 8,
    lora_alpha: 8,
    target_modules: ["q_proj", "v_proj"],
    bias: "none",
    use_rslora: false,
  });
});

test("edits become typed values; an empty (derived) field is left to the server", () => {
  const values = {
    ...initialValues(LORA),
    r: "16",
    target_modules: "q_proj k_proj,v_proj",
    use_rslora: true,
  };
  const object = methodObject("lora", LORA, values);
  assert.equal(object.r, 16);
  assert.deepEqual(object.target_modules, ["q_proj", "k_proj", "v_proj"]);
  assert.equal(object.use_rslora, true);
  assert.equal(
    methodObject("lora", LORA, { ...values, target_modules: "all-linear" }).target_modules,
    "all-linear",
  );
  assert.deepEqual(methodObject("adapter", ADAPTER, initialValues(ADAPTER)), {
    method: "adapter",
    reduction_factor: 16,
  });
});

test("a numeric field holding a list is the variant's sweep, not part of its method object", () => {
  const values = { ...initialValues(LORA), r: "4, 8, 16", lora_alpha: "16" };
  assert.deepEqual(methodObject("lora", LORA, values), {
    method: "lora",
    lora_alpha: 16,
    target_modules: ["q_proj", "v_proj"],
    bias: "none",
    use_rslora: false,
  });
  assert.deepEqual(variantSweep(LORA, values), { r: { values: [4, 8, 16] } });
  assert.equal(variantSweep(LORA, initialValues(LORA)), null, "a target_modules list is not a sweep");
});
