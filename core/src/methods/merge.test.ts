import assert from "node:assert/strict";
import { test } from "node:test";
import { assertMergeable, MERGEABLE_METHODS, METHOD_NAMES, mergeRefusal, ValidationError } from "../index.js";

test("LoRA, QLoRA, DoRA and IA3 merge; every other method is refused naming it and why", () => {
  for (const m of MERGEABLE_METHODS) assert.equal(mergeRefusal(m), null, m);
  const refused = METHOD_NAMES.filter((m) => !MERGEABLE_METHODS.includes(m));
  assert.deepEqual(refused, ["full", "prefix", "adapter", "prompt"]);
  for (const m of refused) {
    const why = mergeRefusal(m);
    assert.match(why ?? "", new RegExp(`^merging does not apply to ${m}: .+; only lora, qlora, dora, ia3`));
  }
  assert.match(mergeRefusal("prefix")!, /keys and values/);
  assert.match(mergeRefusal("adapter")!, /new layers/);
});

test("assertMergeable throws a ValidationError on the given field", () => {
  assert.doesNotThrow(() => assertMergeable("ia3"));
  assert.throws(
    () => assertMergeable("prompt", "adapterId"),
    (e: unknown) =>
      e instanceof ValidationError && e.field === "adapterId" && /virtual tokens/.test(e.message),
  );
});
