import assert from "node:assert/strict";
import { test } from "node:test";
import { parseQuantity, type QuantityUnit } from "./quantity.js";

test("parseQuantity: a table of budgets as typed", () => {
  const cases: [string, QuantityUnit, number | "error"][] = [
    ["1.5 GiB", "bytes", 1.5 * 2 ** 30],
    ["1.5GB", "bytes", 1.5 * 2 ** 30],
    ["800 mb", "bytes", 800 * 2 ** 20],
    ["2 GiB", "bytes", 2 * 2 ** 30],
    ["1e9 B", "bytes", 1e9],
    ["1.5", "bytes", "error"],
    ["1.5 GX", "bytes", "error"],
    ["", "bytes", "error"],
    ["2M", "count", 2e6],
    ["500k", "count", 500e3],
    ["31488", "count", 31488],
    ["10 min", "ms", 600e3],
    ["30 s", "ms", 30e3],
    ["250ms", "ms", 250],
    ["10", "ms", "error"],
    ["800", "tokens/s", 800],
    ["800 tokens/s", "tokens/s", 800],
    ["-1", "tokens/s", "error"],
  ];
  for (const [text, unit, want] of cases) {
    const got = parseQuantity(text, unit);
    if (want === "error") assert.ok(got.error, `${text} (${unit}) is refused`);
    else assert.equal(got.value, want, `${text} (${unit})`);
  }
});
