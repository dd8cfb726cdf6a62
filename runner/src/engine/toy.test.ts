import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { parseModelConfig } from "@tunelab/core";
import { useWasm } from "./backend.js";
import { pack, tokenize } from "./data.js";
import { generate } from "./generate.js";
import { loadModelFolder, saveModelFolder } from "./hf-folder.js";
import { createMethod } from "./methods/registry.js";
import { initModel } from "./model.js";
import { runTraining } from "./run-training.js";
import { TOY } from "./test-kit.js";
import { byteTokenizer } from "./tokenizer.js";
import { TRAIN_DEFAULTS, trainLoop } from "./train.js";

/**
 * The seed's toy data on a small pretrained base: pretrain a 2-layer byte-level Llama on a corpus that
 * never mentions dogs (so the base cannot already answer), then fine-tune with full and with LoRA.
 */

const BASE = parseModelConfig({
  model_type: "llama",
  vocab_size: 259,
  hidden_size: 64,
  intermediate_size: 128,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  max_position_embeddings: 128,
  rms_norm_eps: 1e-5,
  bos_token_id: 256,
  eos_token_id: 257,
  pad_token_id: 258,
});

const CORPUS = [
  "Translate 'cat' to French -> chat",
  "Translate 'house' to French -> maison",
  "Translate 'car' to French -> voiture",
  "Translate 'bread' to French -> pain",
  "Translate 'water' to French -> eau",
  "Summarize: The weather was cold and wet all week. -> A cold week.",
  "Summarize: Prices rose in every shop this year. -> Prices rose.",
  "The cat sat on the mat and looked at the window.",
  "A good model learns from data and improves with practice.",
];

const PROMPT = "Translate 'dog' to French ->";
let dir: string;

before(async () => {
  await useWasm();
  dir = await mkdtemp(join(tmpdir(), "tunelab-toy-"));
  const tok = byteTokenizer();
  const model = initModel(BASE, 11);
  const method = createMethod(model, { method: "full" }, { seed: 11 });
  const seqs = pack(
    CORPUS.map((text) => tokenize({ text }, tok, 128)),
    48,
  );
  const loop = await trainLoop({
    model,
    method,
    train: seqs,
    eval: [],
    options: {
      ...TRAIN_DEFAULTS,
      steps: 150,
      batchSize: 8,
      lr: 3e-3,
      warmupSteps: 10,
      pad: tok.pad,
      seed: 11,
    },
  });
  tf.dispose([...loop.state.optimizer.m.values(), ...loop.state.optimizer.v.values()]);
  await saveModelFolder(dir, model, tok);
  tf.dispose([...model.weights.values()]);
});

after(async () => {
  await rm(dir, { recursive: true });
});

function complete(folderModel: Awaited<ReturnType<typeof loadModelFolder>>): string {
  const tok = folderModel.tokenizer;
  const ids = [tok.bos!, ...tok.encode(PROMPT)];
  return tok.decode(generate(folderModel.model, ids, { maxNewTokens: 8, eos: tok.eos }));
}

test("the pretrained base does not already answer ' chien'", async () => {
  const base = await loadModelFolder(dir);
  assert.ok(!complete(base).startsWith(" chien"), complete(base));
  tf.dispose([...base.model.weights.values()]);
});

for (const method of [
  { method: "full" },
  { method: "lora", r: 8, lora_alpha: 16, target_modules: "all-linear" },
]) {
  test(`${method.method} fine-tuning on the toy data completes '${PROMPT}' with ' chien'; loss falls`, async () => {
    const result = await runTraining({
      base: dir,
      data: TOY,
      method,
      steps: 40,
      options: { batchSize: 3, lr: method.method === "full" ? 2e-3 : 1e-2, seed: 5 },
      samplePrompts: [PROMPT],
    });
    const losses = result.history.map((m) => m.trainLoss);
    assert.ok(losses.at(-1)! < 0.3 * losses[0]!, `loss ${losses[0]} → ${losses.at(-1)}`);
    assert.ok(result.samples[0]!.completion.startsWith(" chien"), JSON.stringify(result.samples));
  });
}
