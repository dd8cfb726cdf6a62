import assert from "node:assert/strict";
import { test } from "node:test";
import { formatSweepValue, sweepRunName } from "../index.js";

test("values print as people write them", () => {
  const cases: [Parameters<typeof formatSweepValue>[0], string][] = [
    [1e-4, "1e-4"],
    [3e-4, "3e-4"],
    [2.5e-5, "2.5e-5"],
    [0.001, "0.001"],
    [0.1, "0.1"],
    [16, "16"],
    [0, "0"],
    [2e6 + 0.5, "2.0000005e6"],
    [true, "true"],
    ["bfloat16", "bfloat16"],
    [["q_proj", "v_proj"], "q_proj,v_proj"],
  ];
  for (const [value, text] of cases) assert.equal(formatSweepValue(value), text);
});

test("names lead with the method unless a custom name does", () => {
  assert.equal(
    sweepRunName(null, "lora", [
      ["r", 4],
      ["learningRate", 1e-4],
    ]),
    "lora r=4 lr=1e-4",
  );
  assert.equal(sweepRunName("mine", "lora", [["r", 4]]), "mine r=4");
  assert.equal(
    sweepRunName("mine", "qlora", [
      ["method", "qlora"],
      ["r", 4],
    ]),
    "mine qlora r=4",
  );
  assert.equal(sweepRunName(null, "full", []), "full");
});
