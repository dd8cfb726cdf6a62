import assert from "node:assert/strict";
import { test } from "node:test";
import { pastedMethod, pastedVariantInput, readPasted } from "./peft-variant";

const LORA = JSON.stringify({
  peft_type: "LORA",
  task_type: "CAUSAL_LM",
  r: 4,
  lora_alpha: 8,
  target_modules: ["q_proj", "v_proj"],
  use_dora: true,
  rank_pattern: { q_proj: 8 },
  fan_in_fan_out: false,
});

test("a pasted LORA config trains as lora with its PEFT keys, or over NF4 as qlora", () => {
  const read = readPasted(LORA);
  assert.ok("pasted" in read);
  assert.equal(read.method, "lora");
  const lora = pastedMethod(read.pasted);
  assert.ok("method" in lora);
  assert.deepEqual([lora.method.use_dora, lora.method.rank_pattern], [true, { q_proj: 8 }]);
  const nf4 = { ...read.pasted, overNf4: true };
  const qlora = pastedMethod(nf4);
  assert.ok("method" in qlora && qlora.method.method === "qlora" && qlora.method.use_dora === true);
  assert.deepEqual(pastedVariantInput("x", nf4), {
    name: "x",
    peftConfig: read.pasted.config,
    method: { method: "qlora" },
  });
});

test("what the paste box refuses, each with the reason a person can act on", () => {
  const error = (text: string) => {
    const r = readPasted(text);
    return "error" in r ? r.error : null;
  };
  assert.match(error("{r: 8")!, /^not JSON: /);
  assert.equal(error("[1]"), "adapter_config.json must be a JSON object");
  assert.match(error(LORA.replace('"fan_in_fan_out":false', '"fan_in_fan_out":true'))!, /^fan_in_fan_out: /);
  assert.match(error('{"peft_type":"ADALORA"}')!, /^peft_type: peft_type "ADALORA" is not supported/);
});
