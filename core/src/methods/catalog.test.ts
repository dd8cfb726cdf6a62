import assert from "node:assert/strict";
import { test } from "node:test";
import { METHOD_CATALOG, METHOD_NAMES, parseMethodConfig } from "../index.js";

test("the catalogue lists every method once", () => {
  assert.deepEqual(METHOD_CATALOG.map((m) => m.method).sort(), [...METHOD_NAMES].sort());
});

// The dashboard shows these defaults; the parser applies its own. They must be the same numbers.
for (const info of METHOD_CATALOG) {
  test(`catalogue defaults of ${info.method} are what parseMethodConfig fills in`, () => {
    const parsed = parseMethodConfig({ method: info.method }) as unknown as Record<string, unknown>;
    for (const field of info.fields) {
      if (field.default === null) continue;
      assert.deepEqual(parsed[field.name], field.default, `${info.method}.${field.name}`);
    }
    // and the parser fills nothing the catalogue does not describe.
    const described = new Set(["method", ...info.fields.map((f) => f.name)]);
    for (const key of Object.keys(parsed))
      assert.ok(described.has(key), `${info.method}.${key} is not in the catalogue`);
  });
}

test("QLoRA reports its fixed block sizes", () => {
  const qlora = METHOD_CATALOG.find((m) => m.method === "qlora");
  assert.deepEqual(qlora?.constants, { quant_block_size: 64, double_quant_block_size: 256 });
});
