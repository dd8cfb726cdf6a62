import assert from "node:assert/strict";
import { test } from "node:test";
import type { GenerationUpdate } from "../engine/run-generate.js";
import { GenerationReporter } from "./generation-reporter.js";

const u = (adapterId: string | null, text: string, done = false): GenerationUpdate => ({
  adapterId,
  text,
  tokenCount: text.length,
  done,
  error: null,
});

test("updates within one interval go out as one call with each column's latest state, calls in order", async () => {
  const calls: GenerationUpdate[][] = [];
  let release: () => void = () => {};
  const slow = new Promise<void>((r) => {
    release = r;
  });
  const reporter = new GenerationReporter(async (outputs) => {
    calls.push(outputs);
    if (calls.length === 1) await slow; // the first call is still in flight when the second is due
  }, 20);
  reporter.add(u(null, "a"));
  reporter.add(u("x", "b"));
  reporter.add(u(null, "ab"));
  await new Promise((r) => setTimeout(r, 60));
  assert.deepEqual(calls, [[u(null, "ab"), u("x", "b")]]);
  reporter.add(u("x", "bc", true));
  const flushed = reporter.flush();
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(calls.length, 1, "the next call waits for the one in flight");
  release();
  await flushed;
  assert.deepEqual(calls[1], [u("x", "bc", true)]);
  await reporter.flush(); // nothing pending: no empty call
  assert.equal(calls.length, 2);
});
