import assert from "node:assert/strict";
import { test } from "node:test";
import { facetsBy, formatSwept, groupByMethod, methodDashes, sweptFields } from "./sweep-groups.js";

const rows = [
  { name: "full", method: "full", sweepValues: { learningRate: 1e-4 } },
  { name: "lora r=16", method: "lora", sweepValues: { r: 16, learningRate: 1e-4 } },
  { name: "qlora r=4", method: "qlora", sweepValues: { r: 4, learningRate: 3e-4 } },
  { name: "lora r=4", method: "lora", sweepValues: { r: 4, learningRate: 3e-4 } },
  { name: "plain", method: "lora", sweepValues: null },
];
const names = (rs: { name: string }[]) => rs.map((r) => r.name);

test("swept fields in first-seen order", () => {
  assert.deepEqual(sweptFields(rows), ["learningRate", "r"]);
});

test("groups by method in first-seen order, keeping each group's order", () => {
  assert.deepEqual(
    groupByMethod(rows).map((g) => [g.method, names(g.rows)]),
    [
      ["full", ["full"]],
      ["lora", ["lora r=16", "lora r=4", "plain"]],
      ["qlora", ["qlora r=4"]],
    ],
  );
});

test("facets: numeric values ascending, then the runs without the field", () => {
  assert.deepEqual(
    facetsBy(rows, "r").map((f) => [f.label, f.key, names(f.rows)]),
    [
      ["r = 4", "4", ["qlora r=4", "lora r=4"]],
      ["r = 16", "16", ["lora r=16"]],
      ["r not swept", "", ["full", "plain"]],
    ],
  );
  assert.deepEqual(
    facetsBy(rows, "learningRate").map((f) => f.label),
    ["learningRate = 1e-4", "learningRate = 3e-4", "learningRate not swept"],
  );
});

test("values print as run names write them", () => {
  assert.deepEqual([1e-4, 0.001, 16, true, ["q_proj", "v_proj"], null].map(formatSwept), [
    "1e-4",
    "0.001",
    "16",
    "true",
    "q_proj,v_proj",
    "—",
  ]);
});

test("runs sharing a method get distinct dashes, the first solid", () => {
  const dashes = methodDashes(rows.map((r) => ({ ...r, runId: r.name })));
  assert.equal(dashes.get("full"), undefined);
  assert.equal(dashes.get("lora r=16"), undefined);
  assert.equal(dashes.get("qlora r=4"), undefined);
  const lora = ["lora r=16", "lora r=4", "plain"].map((n) => JSON.stringify(dashes.get(n)));
  assert.equal(new Set(lora).size, 3);
});
