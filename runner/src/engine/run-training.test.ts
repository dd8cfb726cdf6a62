import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { ValidationError } from "@tunelab/core";
import { useCpu } from "./backend.js";
import { saveModelFolder } from "./hf-folder.js";
import { createMethod } from "./methods/registry.js";
import { readAdapterFolder } from "./peft-folder.js";
import { runTraining } from "./run-training.js";
import { isEvalStep } from "./train.js";
import { modelFromTensors } from "./model.js";
import { TINY, TOY, tinyModel } from "./test-kit.js";
import { byteTokenizer } from "./tokenizer.js";

let dir = "";
let embeddings: Float32Array;
const WIDTH = 16; // TINY.hidden_size

before(async () => {
  await useCpu();
  dir = await mkdtemp(join(tmpdir(), "tunelab-run-"));
  const model = tinyModel();
  embeddings = model.weights.get("model.embed_tokens.weight")!.dataSync() as Float32Array;
  await saveModelFolder(join(dir, "base"), model, byteTokenizer());
  tf.dispose([...model.weights.values()]);
});

after(async () => {
  await rm(dir, { recursive: true });
});

const rows = (ids: number[]) =>
  ids.flatMap((i) => Array.from(embeddings.subarray(i * WIDTH, (i + 1) * WIDTH)));

// PEFT: init_token_ids = tokenizer(text)["input_ids"] (BOS first), repeated to n, then cut to n.
for (const [n, ids] of [
  [5, [256, 70, 114, 256, 70]], // "Fr" is [BOS, 'F', 'r']: repeated
  [2, [256, 70]], // cut
] as const) {
  test(`runTraining initialises ${n} prompt-tuning virtual tokens from the embeddings of the TEXT init's tokens`, async () => {
    const out = join(dir, `prompt-${n}`);
    const before = tf.memory().numTensors;
    const result = await runTraining({
      base: join(dir, "base"),
      data: TOY,
      method: {
        method: "prompt",
        num_virtual_tokens: n,
        prompt_tuning_init: "TEXT",
        prompt_tuning_init_text: "Fr",
      },
      steps: 0, // no update: the saved adapter is the initialisation
      outputDir: out,
      samplePrompts: [],
    });
    assert.equal(tf.memory().numTensors, before, "runTraining leaks no tensor");
    assert.equal(result.trainable, n * WIDTH);
    const folder = await readAdapterFolder(out);
    assert.equal(folder.config.prompt_tuning_init, "TEXT");
    assert.equal(folder.config.prompt_tuning_init_text, "Fr");
    const got = folder.tensors.get("prompt_embeddings")!;
    assert.deepEqual(got.shape, [n, WIDTH]);
    assert.deepEqual(Array.from(got.dataSync()), rows([...ids]));
    tf.dispose([...folder.tensors.values()]);
  });
}

test("method and checkpoint errors are ValidationErrors naming the field (config, TEXT init, adapter import, base weights)", async () => {
  await assert.rejects(
    runTraining({ base: join(dir, "base"), data: TOY, method: { method: "lora", r: 0 }, steps: 1 }),
    (e: unknown) => e instanceof ValidationError && e.field === "r",
  );
  const model = tinyModel();
  const prompt = {
    method: "prompt",
    num_virtual_tokens: 2,
    prompt_tuning_init: "TEXT",
    prompt_tuning_init_text: "Fr",
  };
  assert.throws(
    () => createMethod(model, prompt, { seed: 1 }),
    (e: unknown) => e instanceof ValidationError && e.field === "prompt_tuning_init_text",
  );
  const lora = createMethod(model, { method: "lora", r: 2 }, { seed: 1 });
  const [first, v] = [...lora.trainable][0]!;
  const wrong = tf.zeros([v.shape[0]! + 1, v.shape[1]!]);
  assert.throws(
    () => lora.importAdapter(new Map([...lora.trainable, [first, wrong]])),
    (e: unknown) => e instanceof ValidationError && e.field === first && /has shape/.test(e.message),
  );
  assert.throws(
    () => lora.importAdapter(new Map()),
    (e: unknown) => e instanceof ValidationError && e.field === first && /missing/.test(e.message),
  );
  wrong.dispose();
  lora.dispose();
  // a base checkpoint with a misshapen weight: the weight's name, and nothing left allocated
  const tensors = new Map([...model.weights].map(([n, w]) => [n, w.clone() as tf.Tensor]));
  tensors.get("model.norm.weight")!.dispose();
  tensors.set("model.norm.weight", tf.zeros([3]));
  const live = tf.memory().numTensors;
  assert.throws(
    () => modelFromTensors(TINY, tensors),
    (e: unknown) => e instanceof ValidationError && e.field === "model.norm.weight",
  );
  assert.equal(tf.memory().numTensors, live - tensors.size);
  tf.dispose([...model.weights.values()]);
});

test("runTraining with evalData trains on all of data and evaluates exactly evalData (a server's stored split)", async () => {
  const job = (evalData: { text: string }[]) => ({
    base: join(dir, "base"),
    data: TOY,
    evalData,
    method: { method: "lora", r: 2 },
    steps: 2,
    samplePrompts: [],
    options: { evalEvery: 2, batchSize: 2, seed: 3 },
  });
  const a = await runTraining(job([{ text: "Le chat dort." }]));
  const b = await runTraining(job([{ text: "zzzz qqqq xxxx" }]));
  assert.equal(a.finalTrainLoss, b.finalTrainLoss, "the training set does not depend on the eval set");
  assert.ok(a.bestEvalLoss !== null && b.bestEvalLoss !== null, "evaluated");
  assert.notEqual(a.bestEvalLoss, b.bestEvalLoss, "each run evaluated its own evalData");
  const none = await runTraining({ ...job([]), evalFraction: 0.5 });
  assert.equal(none.bestEvalLoss, null, "an empty evalData means no evaluation, whatever evalFraction says");
  assert.equal(none.finalTrainLoss, a.finalTrainLoss);
});

test("isEvalStep: every evalEvery steps and always at the last one (evalEvery 0 = at the end only)", () => {
  const evalSteps = (every: number, steps: number) =>
    Array.from({ length: steps }, (_, i) => i + 1).filter((s) => isEvalStep(s, every, steps));
  assert.deepEqual(evalSteps(0, 5), [5]);
  assert.deepEqual(evalSteps(2, 5), [2, 4, 5]);
  assert.deepEqual(evalSteps(5, 5), [5]);
  assert.deepEqual(evalSteps(10, 3), [3]);
});

for (const [evalEvery, expected] of [
  [0, [4]],
  [2, [2, 4]],
] as const) {
  test(`evalEvery ${evalEvery}: an eval loss and the sample prompts' completions at steps ${expected.join(", ")}`, async () => {
    const sampled: { step: number; prompts: string[] }[] = [];
    const result = await runTraining(
      {
        base: join(dir, "base"),
        data: TOY,
        evalData: TOY.slice(0, 2),
        method: { method: "lora", r: 2, target_modules: ["q_proj"] },
        steps: 4,
        samplePrompts: ["Translate: cat", "Summarise: a b c"],
        options: { evalEvery, batchSize: 2 },
      },
      { onSamples: (step, samples) => sampled.push({ step, prompts: samples.map((s) => s.prompt) }) },
    );
    const evaluated = result.history.filter((m) => m.evalLoss !== undefined).map((m) => m.step);
    assert.deepEqual(evaluated, [...expected]);
    assert.ok(Number.isFinite(result.bestEvalLoss));
    assert.deepEqual(
      sampled,
      expected.map((step) => ({ step, prompts: ["Translate: cat", "Summarise: a b c"] })),
    );
    assert.deepEqual(
      result.samples.map((s) => s.prompt),
      ["Translate: cat", "Summarise: a b c"],
    );
  });
}
