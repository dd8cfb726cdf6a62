import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { useCpu } from "./backend.js";
import { evalBatches, tokenize } from "./data.js";
import { generate } from "./generate.js";
import { loadModelFolder, saveModelFolder } from "./hf-folder.js";
import { createMethod } from "./methods/registry.js";
import { forward, type Model } from "./model.js";
import { disposeExported } from "./peft-folder.js";
import { decodeSafetensors } from "./safetensors.js";
import { TINY, TOY, tinyModel } from "./test-kit.js";
import { byteTokenizer } from "./tokenizer.js";
import { evaluate, TRAIN_DEFAULTS, type TrainOptions, trainLoop } from "./train.js";
import { loadTrainState, saveTrainState } from "./train-state.js";

before(useCpu);

const tok = byteTokenizer();
const SEQS = [...TOY, ...TOY].map((e) => tokenize(e, tok, 64));
const OPTIONS: TrainOptions = {
  ...TRAIN_DEFAULTS,
  steps: 6,
  batchSize: 2,
  accumulation: 2,
  lr: 5e-3,
  warmupSteps: 2,
  pad: tok.pad,
  seed: 9,
};
const LORA = { method: "lora", r: 4, lora_alpha: 8, lora_dropout: 0.1, target_modules: ["q_proj", "v_proj"] };
const free = (m: Model) => tf.dispose([...m.weights.values()]);

test("an HF model folder round-trips bit-exact (weights and logits)", async () => {
  const model = tinyModel();
  const dir = await mkdtemp(join(tmpdir(), "tunelab-hf-"));
  try {
    await saveModelFolder(dir, model, tok);
    const loaded = await loadModelFolder(dir);
    assert.deepEqual(loaded.model.config, {
      ...model.config,
      architectures: ["LlamaForCausalLM"],
      bos_token_id: 256,
      eos_token_id: 257,
      pad_token_id: 258,
      torch_dtype: "float32",
    });
    for (const [name, w] of model.weights) {
      assert.deepEqual(loaded.model.weights.get(name)!.dataSync(), w.dataSync(), name);
    }
    const ids = [[256, 1, 2, 3]];
    assert.deepEqual(forward(loaded.model, ids).logits.dataSync(), forward(model, ids).logits.dataSync());
    assert.equal(loaded.tokenizer.kind, "byte");
    free(loaded.model);
  } finally {
    await rm(dir, { recursive: true });
    free(model);
  }
});

test("a saved folder describes the byte tokenizer in Hugging Face files that encode and decode as it does", async () => {
  const model = tinyModel();
  const dir = await mkdtemp(join(tmpdir(), "tunelab-tok-"));
  try {
    await saveModelFolder(dir, model, tok);
    const files = await readdir(dir);
    for (const f of ["config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"]) {
      assert.ok(files.includes(f), f);
    }
    const config = JSON.parse(await readFile(join(dir, "config.json"), "utf8"));
    assert.deepEqual(
      [config.bos_token_id, config.eos_token_id, config.pad_token_id],
      [tok.bos, tok.eos, tok.pad],
    );
    const tokCfg = JSON.parse(await readFile(join(dir, "tokenizer_config.json"), "utf8"));
    assert.equal(tokCfg.tokenizer_class, "PreTrainedTokenizerFast");
    // tokenizer.json read by a Hugging Face implementation, not by our byte tokenizer
    const { Tokenizer } = await import("@huggingface/tokenizers");
    const hf = new Tokenizer(JSON.parse(await readFile(join(dir, "tokenizer.json"), "utf8")), tokCfg);
    for (const text of ["Translate 'dog' to French -> chien", "  é ñ 日本 😀\n\ttabs", "ĠĊ < s > x"]) {
      const ids = tok.encode(text);
      assert.deepEqual(hf.encode(text, { add_special_tokens: false }).ids, ids, text);
      assert.deepEqual(hf.encode(text).ids, [tok.bos, ...ids], "the post-processor puts <s> first");
      assert.equal(hf.decode([tok.bos!, ...ids, tok.eos], { skip_special_tokens: true }), text);
    }
    // the one difference: HF matches special tokens spelt in the text; the byte tokenizer encodes their bytes
    assert.deepEqual(hf.encode("<s>a</s><pad>").ids, [tok.bos, tok.bos, 97, tok.eos, tok.pad]);
    const loaded = await loadModelFolder(dir);
    assert.equal(loaded.tokenizer.kind, "byte");
    free(loaded.model);
  } finally {
    await rm(dir, { recursive: true });
    free(model);
  }
});

test("a model saved from a folder with a Hugging Face tokenizer carries that tokenizer's files", async () => {
  const model = tinyModel();
  const [src, out] = [
    await mkdtemp(join(tmpdir(), "tunelab-src-")),
    await mkdtemp(join(tmpdir(), "tunelab-out-")),
  ];
  try {
    await saveModelFolder(src, model, tok);
    const bpe = {
      version: "1.0",
      added_tokens: [],
      normalizer: null,
      pre_tokenizer: null,
      post_processor: null,
      decoder: null,
      model: { type: "BPE", vocab: { a: 0, b: 1, ab: 2 }, merges: ["a b"], unk_token: null },
    };
    await writeFile(join(src, "tokenizer.json"), JSON.stringify(bpe));
    await writeFile(
      join(src, "tokenizer_config.json"),
      JSON.stringify({ tokenizer_class: "PreTrainedTokenizerFast" }),
    );
    const loaded = await loadModelFolder(src);
    assert.equal(loaded.tokenizer.kind, "huggingface");
    await saveModelFolder(out, loaded.model, loaded.tokenizer);
    const again = await loadModelFolder(out);
    assert.equal(again.tokenizer.kind, "huggingface");
    assert.deepEqual(again.tokenizer.encode("abab"), [2, 2]);
    assert.equal(await readFile(join(out, "tokenizer.json"), "utf8"), JSON.stringify(bpe));
    free(loaded.model);
    free(again.model);
  } finally {
    await rm(src, { recursive: true });
    await rm(out, { recursive: true });
    free(model);
  }
});

test("safetensors BF16 and F16 tensors widen to float32 exactly", () => {
  const header = JSON.stringify({
    a: { dtype: "BF16", shape: [2], data_offsets: [0, 4] },
    b: { dtype: "F16", shape: [2], data_offsets: [4, 8] },
  });
  const head = new TextEncoder().encode(header);
  const bytes = new Uint8Array(8 + head.length + 8);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(head.length), true);
  bytes.set(head, 8);
  // BF16 1.5 = 0x3fc0, −2 = 0xc000; F16 0.5 = 0x3800, 65504 = 0x7bff
  new Uint16Array(bytes.buffer, 8 + head.length, 4).set([0x3fc0, 0xc000, 0x3800, 0x7bff]);
  const t = decodeSafetensors(bytes);
  assert.deepEqual(Array.from(t.get("a")!.dataSync()), [1.5, -2]);
  assert.deepEqual(Array.from(t.get("b")!.dataSync()), [0.5, 65504]);
  tf.dispose([...t.values()]);
});

test("a checkpoint resumes exactly: the same losses as an uninterrupted run (LoRA, dropout, accumulation)", async () => {
  const full = tinyModel();
  const m1 = createMethod(full, LORA, { seed: 1 });
  const uninterrupted = await trainLoop({ model: full, method: m1, train: SEQS, eval: [], options: OPTIONS });
  const dir = await mkdtemp(join(tmpdir(), "tunelab-ckpt-"));
  const first = tinyModel();
  const m2 = createMethod(first, LORA, { seed: 1 });
  const partial = await trainLoop({
    model: first,
    method: m2,
    train: SEQS,
    eval: [],
    options: { ...OPTIONS, steps: 6, checkpointEvery: 3 },
    onCheckpoint: (state) => (state.step === 3 ? saveTrainState(dir, m2, state) : undefined),
  });
  const resumedModel = tinyModel();
  const m3 = createMethod(resumedModel, LORA, { seed: 77 }); // different init: the checkpoint must overwrite it
  const state = await loadTrainState(dir, m3);
  assert.equal(state.step, 3);
  const resumed = await trainLoop({
    model: resumedModel,
    method: m3,
    train: SEQS,
    eval: [],
    options: OPTIONS,
    resume: { step: state.step, optimizer: state.optimizer },
  });
  const tail = (r: typeof resumed) => r.history.filter((m) => m.step > 3).map((m) => m.trainLoss);
  assert.deepEqual(tail(resumed), tail(uninterrupted));
  assert.deepEqual(tail(partial), tail(uninterrupted));
  assert.ok(uninterrupted.history[5]!.trainLoss < uninterrupted.history[0]!.trainLoss);
  for (const r of [uninterrupted, partial, resumed]) {
    tf.dispose([...r.state.optimizer.m.values(), ...r.state.optimizer.v.values()]);
  }
  for (const m of [m1, m2, m3]) m.dispose();
  for (const m of [full, first, resumedModel]) free(m);
  await rm(dir, { recursive: true });
});

/** One configuration of every method on the tiny model (all of issue 4 and issue 5). */
const EVERY_METHOD = [
  { method: "full" },
  LORA,
  { method: "qlora", r: 4, lora_alpha: 8, lora_dropout: 0.1, target_modules: "all-linear" },
  { method: "dora", r: 4, lora_alpha: 8, lora_dropout: 0.1, target_modules: ["q_proj", "v_proj"] },
  { method: "ia3" },
  { method: "adapter", placement: "houlsby", bottleneck_size: 4 },
  { method: "prefix", num_virtual_tokens: 3, prefix_projection: true, encoder_hidden_size: 8 },
  { method: "prompt", num_virtual_tokens: 4, prompt_tuning_init: "TEXT", prompt_tuning_init_text: "French" },
];

for (const json of EVERY_METHOD) {
  test(`${json.method}: the toy-data loss falls; creating, training, evaluating, exporting, generating and disposing leak no tensors; abort stops the loop`, async () => {
    const before = tf.memory().numTensors;
    const model = tinyModel();
    const method = createMethod(model, json, { seed: 1, initTextIds: tok.encode("French") });
    for (const name of method.replacedWeights) {
      model.weights.get(name)!.dispose();
      model.weights.delete(name);
    }
    const toy = evalBatches(SEQS.slice(0, 3), 3, tok.pad); // the seed's three toy examples
    const lossBefore = evaluate(model, method, toy);
    const controller = new AbortController();
    const r = await trainLoop({
      model,
      method,
      train: SEQS,
      eval: SEQS.slice(0, 2),
      options: { ...OPTIONS, evalEvery: 2, steps: 4, lr: 2e-2, warmupSteps: 0 },
      signal: controller.signal,
      onMetrics: (m) => {
        if (m.step === 3) controller.abort();
      },
    });
    assert.equal(r.steps, 3);
    assert.ok(r.cancelled);
    assert.ok(r.history.some((m) => m.evalLoss !== undefined));
    assert.ok(r.measuredPeakBytes > 0);
    const lossAfter = evaluate(model, method, toy);
    assert.ok(lossAfter < lossBefore - 0.05, `toy-data loss ${lossBefore} → ${lossAfter} in 3 steps`);
    generate(model, [256, 1, 2], { maxNewTokens: 3, hooks: method.hooks });
    disposeExported(method.exportAdapter(), method);
    tf.dispose([...r.state.optimizer.m.values(), ...r.state.optimizer.v.values()]);
    method.dispose();
    free(model);
    assert.equal(tf.memory().numTensors, before);
  });
}

test("KV-cache generation equals greedy decoding by full recomputation; padding does not change real tokens", () => {
  const model = tinyModel();
  const prompt = [256, 10, 20, 30];
  const cached = generate(model, prompt, { maxNewTokens: 6 });
  const seq = [...prompt];
  for (let i = 0; i < 6; i++) {
    const logits = forward(model, [seq]).logits;
    seq.push(tf.argMax(logits.slice([0, seq.length - 1, 0], [1, 1, -1]), -1).dataSync()[0]!);
  }
  assert.deepEqual(cached, seq.slice(prompt.length));
  const padded = forward(model, [prompt, [...prompt.slice(0, 2), 258, 258]], {
    attentionMask: [
      [1, 1, 1, 1],
      [1, 1, 0, 0],
    ],
  }).logits;
  const short = forward(model, [prompt.slice(0, 2)]).logits;
  const a = padded.slice([1, 0, 0], [1, 2, -1]).dataSync();
  const b = short.dataSync();
  for (let i = 0; i < b.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) < 1e-5);
  assert.equal(TINY.num_key_value_heads, 2);
  free(model);
});

test("KV-cache generation with a method's hooks (prefix, prompt, LoRA, adapters) equals recomputation", () => {
  const model = tinyModel();
  const prompt = [256, 10, 20, 30];
  for (const json of EVERY_METHOD.slice(1).filter((j) =>
    ["lora", "adapter", "prefix", "prompt"].includes(j.method),
  )) {
    const method = createMethod(model, json, { seed: 1, initTextIds: tok.encode("French") });
    for (const v of method.trainable.values())
      tf.tidy(() => v.assign(tf.add(v, tf.randomNormal(v.shape, 0, 0.3, "float32", 5))));
    const cached = generate(model, prompt, { maxNewTokens: 5, hooks: method.hooks });
    const seq = [...prompt];
    for (let i = 0; i < 5; i++) {
      seq.push(
        tf.tidy(() => {
          const logits = forward(model, [seq], { hooks: method.hooks }).logits;
          return tf.argMax(logits.slice([0, logits.shape[1] - 1, 0], [1, 1, -1]), -1).dataSync()[0]!;
        }),
      );
    }
    assert.deepEqual(cached, seq.slice(prompt.length), json.method);
    method.dispose();
  }
  free(model);
});

test("sampling: top-k draws only among the k most likely tokens, seeded; top-1 is greedy; EOS stops", () => {
  const model = tinyModel();
  const prompt = [256, 10, 20, 30];
  const logits = tf.tidy(() => forward(model, [prompt]).logits.slice([0, 3, 0], [1, 1, -1]).dataSync());
  const ranked = Array.from(logits.keys()).sort((a, b) => logits[b]! - logits[a]!);
  const draws = Array.from(
    { length: 40 },
    (_, seed) => generate(model, prompt, { maxNewTokens: 1, temperature: 5, topK: 3, seed })[0]!,
  );
  assert.ok(
    draws.every((t) => ranked.slice(0, 3).includes(t)),
    `${draws}`,
  );
  assert.ok(new Set(draws).size > 1, "a high temperature spreads the draws");
  assert.deepEqual(
    generate(model, prompt, { maxNewTokens: 4, temperature: 5, topK: 3, seed: 7 }),
    generate(model, prompt, { maxNewTokens: 4, temperature: 5, topK: 3, seed: 7 }),
  );
  const greedy = generate(model, prompt, { maxNewTokens: 4 });
  assert.deepEqual(generate(model, prompt, { maxNewTokens: 4, temperature: 1, topK: 1, seed: 3 }), greedy);
  assert.equal(greedy[0], ranked[0]);
  assert.deepEqual(generate(model, prompt, { maxNewTokens: 4, eos: greedy[1] }), greedy.slice(0, 1));
  free(model);
});
