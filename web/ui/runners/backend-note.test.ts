import assert from "node:assert/strict";
import { test } from "node:test";
import { skippedNotes } from "./backend-note.js";

test("skippedNotes: one note per skipped backend; a missing package reads 'not installed'", () => {
  assert.deepEqual(
    skippedNotes([
      "tensorflow-gpu: Cannot find module '@tensorflow/tfjs-node-gpu'",
      "native: @tunelab/native did not build: libopenblas not found",
      "odd reason without a name",
    ]),
    [
      "tensorflow-gpu skipped: not installed",
      "native skipped: @tunelab/native did not build: libopenblas not found",
      "skipped: odd reason without a name",
    ],
  );
  assert.deepEqual(skippedNotes([]), []);
});
