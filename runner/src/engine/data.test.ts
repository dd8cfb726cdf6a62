import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { useCpu } from "./backend.js";
import { collate, DataError, pack, parseJsonl, splitEval, tokenize } from "./data.js";
import { adamWStep, clipScale, createAdamWState, globalNorm, learningRate } from "./optim.js";
import { byteTokenizer, loadTokenizer } from "./tokenizer.js";

before(useCpu);
const tok = byteTokenizer();

test("prompt/completion: loss only on completion tokens and EOS; text: on every token after BOS", () => {
  const s = tokenize({ prompt: "ab", completion: "c" }, tok, 64);
  assert.deepEqual(s.ids, [256, 97, 98, 99, 257]);
  assert.deepEqual(s.labels, [-100, -100, -100, 99, 257]);
  assert.deepEqual(tokenize({ text: "hi" }, tok, 64).labels, [-100, 104, 105, 257]);
});

test("padding gives mask 0 and label −100; packing cuts full rows; the eval split is seeded and disjoint", () => {
  const b = collate([tokenize({ text: "a" }, tok, 9), tokenize({ text: "abc" }, tok, 9)], tok.pad);
  assert.deepEqual(b.ids[0], [256, 97, 257, 258, 258]);
  assert.deepEqual(b.attentionMask[0], [1, 1, 1, 0, 0]);
  assert.deepEqual(b.labels[0], [-100, 97, 257, -100, -100]);
  assert.equal(b.lossTokens, 2 + 4);
  const packed = pack([tokenize({ text: "abcdef" }, tok, 64), tokenize({ text: "xy" }, tok, 64)], 4);
  assert.deepEqual(
    packed.map((r) => r.ids.length),
    [4, 4, 4],
  ); // 8 + 4 tokens
  const items = Array.from({ length: 20 }, (_, i) => i);
  const a = splitEval(items, 0.2, 1);
  assert.deepEqual(a, splitEval(items, 0.2, 1));
  assert.equal(a.eval.length, 4);
  assert.deepEqual(
    [...a.train, ...a.eval].sort((x, y) => x - y),
    items,
  );
  assert.throws(
    () => parseJsonl('{"text": "ok"}\n{"bad": 1}'),
    (e: unknown) => e instanceof DataError && e.field === "line 2",
  );
});

test("warm-up then cosine: linear to the peak, half at mid-decay, zero at the end", () => {
  const s = { lr: 1, warmupSteps: 4, totalSteps: 14 };
  assert.deepEqual(
    [0, 1, 2, 3].map((i) => learningRate(i, s)),
    [0.25, 0.5, 0.75, 1],
  );
  assert.ok(Math.abs(learningRate(9, s) - 0.5) < 1e-12);
  assert.ok(Math.abs(learningRate(14, s)) < 1e-12);
});

test("AdamW step equals the hand-computed update; no decay on 1-D; global-norm clipping", () => {
  const w = tf.variable(tf.tensor2d([[1, -2]]));
  const n = tf.variable(tf.tensor1d([3]));
  const params = new Map<string, tf.Variable>([
    ["layer.weight", w],
    ["input_layernorm.weight", n],
  ]);
  const state = createAdamWState(params);
  const o = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1 };
  adamWStep(
    params,
    new Map<string, tf.Tensor>([
      ["layer.weight", tf.tensor2d([[0.5, -1]])],
      ["input_layernorm.weight", tf.tensor1d([2])],
    ]),
    state,
    0.01,
    o,
  );
  // step 1: m̂ = g, v̂ = g², update = g/|g| = sign(g); p ← p(1 − lr·wd) − lr·sign(g)
  const got = Array.from(w.dataSync());
  const want = [1 * (1 - 0.001) - 0.01, -2 * (1 - 0.001) + 0.01];
  for (const [i, x] of got.entries()) assert.ok(Math.abs(x - want[i]!) < 1e-6);
  assert.ok(Math.abs(n.dataSync()[0]! - (3 - 0.01)) < 1e-6, "no weight decay on a norm");
  const norm = globalNorm([tf.tensor1d([3]), tf.tensor1d([4])]);
  assert.equal(norm, 5);
  assert.ok(Math.abs(3 * clipScale(norm, 1) - 0.6) < 1e-6);
  assert.equal(clipScale(0.5, 1), 1, "a norm under the limit is not scaled");
});

test("a folder with tokenizer.json loads it through @huggingface/tokenizers (BPE)", async () => {
  const dir = await mkdtemp(join(tmpdir(), "tunelab-tok-"));
  try {
    const tokenizerJson = {
      version: "1.0",
      added_tokens: [
        {
          id: 3,
          content: "</s>",
          special: true,
          single_word: false,
          lstrip: false,
          rstrip: false,
          normalized: false,
        },
      ],
      normalizer: null,
      pre_tokenizer: null,
      post_processor: null,
      decoder: null,
      model: { type: "BPE", vocab: { a: 0, b: 1, ab: 2, "</s>": 3 }, merges: ["a b"], unk_token: null },
    };
    await writeFile(join(dir, "tokenizer.json"), JSON.stringify(tokenizerJson));
    const t = await loadTokenizer(dir, { vocab_size: 4, eos_token_id: 3 });
    assert.equal(t.kind, "huggingface");
    assert.deepEqual(t.encode("abab"), [2, 2]);
    assert.deepEqual(t.encode("ba"), [1, 0]);
    assert.equal(t.decode([2, 0]), "ab a"); // no decoder in this tokenizer.json: tokens joined by spaces
    assert.equal(t.eos, 3);
  } finally {
    await rm(dir, { recursive: true });
  }
});
