import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_SAMPLING, parseAdapterIds, samplingSummary, toggleAdapter } from "./sampling.js";

test("samplingSummary: greedy says so; sampling names temperature, top-k and seed", () => {
  assert.equal(samplingSummary(DEFAULT_SAMPLING), "greedy · max 64 tokens");
  assert.equal(samplingSummary({ ...DEFAULT_SAMPLING, maxTokens: 1 }), "greedy · max 1 token");
  assert.equal(
    samplingSummary({ temperature: 0.7, topK: 5, maxTokens: 32, seed: 3 }),
    "temperature 0.7 · top-k 5 · max 32 tokens · seed 3",
  );
  assert.equal(
    samplingSummary({ temperature: 1, topK: 0, maxTokens: 8, seed: 0 }),
    "temperature 1 · all tokens · max 8 tokens · seed 0",
  );
});

test("parseAdapterIds: order kept, blanks and repeats dropped, at most 6", () => {
  assert.deepEqual(parseAdapterIds(null), []);
  assert.deepEqual(parseAdapterIds("b, a,,b"), ["b", "a"]);
  assert.deepEqual(parseAdapterIds("1,2,3,4,5,6,7,8"), ["1", "2", "3", "4", "5", "6"]);
});

test("toggleAdapter: adds at the end, removes, refuses a seventh", () => {
  assert.deepEqual(toggleAdapter(["a"], "b"), ["a", "b"]);
  assert.deepEqual(toggleAdapter(["a", "b"], "a"), ["b"]);
  const six = ["1", "2", "3", "4", "5", "6"];
  assert.deepEqual(toggleAdapter(six, "7"), six);
  assert.deepEqual(toggleAdapter(six, "3"), ["1", "2", "4", "5", "6"]);
});
