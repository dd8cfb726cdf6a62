import assert from "node:assert/strict";
import { test } from "node:test";
import * as core from "./index.js";

test("core module loads", () => {
  assert.equal(typeof core, "object");
});
