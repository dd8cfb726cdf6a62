import assert from "node:assert/strict";
import { test } from "node:test";
import { rowKindNote } from "./row-kind.js";

test("an evaluation's rows say they were evaluated; training rows say nothing", () => {
  assert.equal(rowKindNote({ kind: "TRAIN", method: "lora" }), null);
  assert.equal(rowKindNote({ kind: "PROFILE", method: "lora" }), null);
  assert.equal(rowKindNote({ kind: "EVALUATE", method: "lora" }), "evaluated, not trained here");
  assert.equal(rowKindNote({ kind: "EVALUATE", method: "base" }), "base model alone, evaluated");
});
