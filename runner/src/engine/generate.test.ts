import assert from "node:assert/strict";
import { before, test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { useCpu } from "./backend.js";
import { generate, generateTokens } from "./generate.js";
import { forward, type Model } from "./model.js";
import { tinyModel } from "./test-kit.js";

before(useCpu);

const PROMPT = [256, 10, 20, 30];

/** The logits of the next token after `seq`, by a full forward pass without a cache. */
function nextLogits(model: Model, seq: number[]): Float32Array {
  return tf.tidy(() => {
    const logits = forward(model, [seq]).logits;
    return logits.slice([0, seq.length - 1, 0], [1, 1, -1]).dataSync() as Float32Array;
  });
}

test("streamed greedy tokens arrive one by one and equal generate's and a full recomputation's", () => {
  const model = tinyModel();
  const whole = generate(model, PROMPT, { maxNewTokens: 8 });
  const seq = [...PROMPT];
  const streamed: number[] = [];
  for (const token of generateTokens(model, PROMPT, { maxNewTokens: 8 })) {
    // each token is yielded before the next one is computed: check it against the reference at once
    const logits = nextLogits(model, seq);
    const argmax = logits.indexOf(Math.max(...logits));
    assert.equal(token, argmax, `token ${streamed.length}`);
    streamed.push(token);
    seq.push(token);
  }
  assert.equal(streamed.length, 8);
  assert.deepEqual(streamed, whole);
});

test("seeded sampling: the same seed streams the same tokens, each among the top-k of its logits", () => {
  const model = tinyModel();
  const o = { maxNewTokens: 10, temperature: 1.5, topK: 4, seed: 7 };
  const a = [...generateTokens(model, PROMPT, o)];
  assert.deepEqual(a, generate(model, PROMPT, o));
  const seq = [...PROMPT];
  for (const token of a) {
    const logits = nextLogits(model, seq);
    const rank = [...logits].filter((v) => v > logits[token]!).length;
    assert.ok(rank < 4, `token ${token} ranks ${rank}, outside the top 4`);
    seq.push(token);
  }
  // with k = 1 sampling has one candidate: greedy's tokens whatever the temperature and seed
  assert.deepEqual(
    generate(model, PROMPT, { maxNewTokens: 10, temperature: 2, topK: 1, seed: 3 }),
    generate(model, PROMPT, { maxNewTokens: 10 }),
  );
  // a hot temperature over the whole vocabulary: another seed gives another sequence
  const hot = { maxNewTokens: 10, temperature: 5 };
  assert.notDeepEqual(
    generate(model, PROMPT, { ...hot, seed: 1 }),
    generate(model, PROMPT, { ...hot, seed: 2 }),
  );
});

test("stopping a stream early frees its KV cache", () => {
  const model = tinyModel();
  const before = tf.memory().numTensors;
  let n = 0;
  for (const _ of generateTokens(model, PROMPT, { maxNewTokens: 10 })) if (++n === 3) break;
  assert.equal(n, 3);
  assert.equal(tf.memory().numTensors, before);
  assert.deepEqual([...generateTokens(model, PROMPT, { maxNewTokens: 0 })], []);
});
