import assert from "node:assert/strict";
import { test } from "node:test";
import { adapterTitle, methodLabel } from "./adapter-label.js";
import { missingFiles, pickFolderFiles } from "./import-files.js";
import { type SelectionAction, selectionProblem } from "./selection.js";

test("pickFolderFiles: the two files by name in any order, a later one replaces, others ignored", () => {
  const f = (name: string) => ({ name });
  const first = pickFolderFiles([f("adapter_model.safetensors"), f("README.md")]);
  assert.deepEqual(first, {
    config: undefined,
    weights: f("adapter_model.safetensors"),
    ignored: ["README.md"],
  });
  assert.deepEqual(missingFiles(first), ["adapter_config.json"]);
  const second = pickFolderFiles([f("peft/out/adapter_config.json")], first);
  assert.equal(second.config?.name, "peft/out/adapter_config.json");
  assert.equal(second.weights, first.weights);
  assert.deepEqual(missingFiles(second), []);
  const replaced = { name: "adapter_model.safetensors", v: 2 };
  assert.equal(pickFolderFiles([replaced], second).weights, replaced);
  // A bottleneck adapter's weights (the adapters library's name), and pickled files for the server to refuse.
  for (const name of ["adapter.safetensors", "adapter_model.bin", "pytorch_adapter.bin"]) {
    assert.equal(pickFolderFiles([f(name)]).weights?.name, name);
  }
  assert.deepEqual(missingFiles(pickFolderFiles([f("adapter_config.json")])), ["the weights"]);
});

test("adapterTitle: the run's name, else the note's first line (cut), else method and id", () => {
  const base = { id: "0123456789abcdef", method: "lora", methodConfig: {} };
  assert.equal(adapterTitle({ ...base, run: { name: "lora r=8" }, note: "x" }), "lora r=8");
  assert.equal(adapterTitle({ ...base, note: "from Ana\nsecond line" }), "from Ana");
  assert.equal(adapterTitle({ ...base, note: "y".repeat(80) }), `${"y".repeat(59)}…`);
  assert.equal(adapterTitle({ ...base, note: "  " }), "lora 01234567");
  assert.equal(methodLabel({ method: "lora", methodConfig: { use_dora: true } }), "dora");
  assert.equal(methodLabel({ method: "prefix", methodConfig: {} }), "prefix");
});

test("selectionProblem: one base model, within the action's bound", () => {
  const on = (id: string) => ({ baseModel: { id } });
  const cases: [ReturnType<typeof on>[], SelectionAction, RegExp | null][] = [
    [[], "evaluate", /Tick adapters/],
    [[on("a"), on("a")], "evaluate", null],
    [[on("a"), on("b")], "evaluate", /different base models/],
    [Array.from({ length: 16 }, () => on("a")), "evaluate", null],
    [Array.from({ length: 17 }, () => on("a")), "evaluate", /At most 16 adapters at once \(17 ticked\)/],
    [Array.from({ length: 6 }, () => on("a")), "playground", null],
    [Array.from({ length: 7 }, () => on("a")), "playground", /At most 6/],
  ];
  for (const [selected, action, want] of cases) {
    const got = selectionProblem(selected, action);
    if (want === null) assert.equal(got, null);
    else assert.match(String(got), want);
  }
});
