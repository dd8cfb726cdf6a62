import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { fromPeftConfig, printableText } from "@tunelab/core";
import { evalBatches, tokenize } from "./data.js";
import { generate } from "./generate.js";
import { loadModelFolder } from "./hf-folder.js";
import { createMethod } from "./methods/registry.js";
import { readAdapterFolder } from "./peft-folder.js";
import { runEvaluation } from "./run-evaluation.js";
import { decodeSafetensors, encodeSafetensors } from "./safetensors.js";
import { TOY } from "./test-kit.js";
import { evaluate } from "./train.js";

/**
 * runEvaluation on PEFT's own adapter folders (runner/reference/fixtures/peft_lora, saved by PEFT) gives
 * exactly what the engine gives when it loads the folder directly (fromPeftConfig → createMethod →
 * importAdapter, the path peft-reference.test.ts checks against PEFT's logits): eval loss, general-set
 * losses and greedy completions. The fixtures' base has 32 token ids; the byte tokenizer needs 259, so the
 * base here is the fixture's with seeded extra embedding and output rows (the adapters touch neither).
 */

const FIXTURES = join(__dirname, "..", "..", "reference", "fixtures", "peft_lora");
const GENERAL = [{ text: "The sun rises in the east." }, { text: "Water boils at 100 degrees." }];
const PROMPTS = ["Translate 'cat' to French ->", "Summarize: AI ->"];
const MAX_LEN = 48;

let base: string;

before(async () => {
  base = await mkdtemp(join(tmpdir(), "tunelab-eval-base-"));
  const config = JSON.parse(await readFile(join(FIXTURES, "base", "config.json"), "utf8"));
  const tensors = decodeSafetensors(
    new Uint8Array(await readFile(join(FIXTURES, "base", "model.safetensors"))),
  );
  for (const name of ["model.embed_tokens.weight", "lm_head.weight"]) {
    const t = tensors.get(name)!;
    const extra = tf.randomNormal([259 - t.shape[0]!, t.shape[1]!], 0, 0.5, "float32", 7);
    tensors.set(name, tf.concat([t, extra]));
    tf.dispose([t, extra]);
  }
  await writeFile(join(base, "config.json"), JSON.stringify({ ...config, vocab_size: 259 }));
  await writeFile(join(base, "model.safetensors"), encodeSafetensors(tensors));
  tf.dispose([...tensors.values()]);
});
after(() => rm(base, { recursive: true, force: true }));

/** What the engine gives when it loads the folder itself: eval loss, general loss with and without, samples. */
async function direct(caseName: string | null, methodBase: Record<string, unknown> | null) {
  const { model, tokenizer } = await loadModelFolder(base);
  const folder = caseName === null ? null : await readAdapterFolder(join(FIXTURES, caseName));
  const json =
    folder === null
      ? { method: "full" }
      : fromPeftConfig(folder.config, model.config, methodBase ?? undefined);
  const method = createMethod(model, json, { seed: 1 });
  for (const n of method.replacedWeights) {
    model.weights.get(n)?.dispose();
    model.weights.delete(n);
  }
  try {
    const batches = (xs: typeof TOY | typeof GENERAL) =>
      evalBatches(
        xs.map((e) => tokenize(e, tokenizer, MAX_LEN)),
        2,
        tokenizer.pad,
      );
    const generalInit = evaluate(model, method, batches(GENERAL)); // LoRA's initial state is the base
    if (folder) method.importAdapter(folder.tensors);
    const samples = PROMPTS.map((prompt) => {
      const ids = [...(tokenizer.bos === null ? [] : [tokenizer.bos]), ...tokenizer.encode(prompt)];
      const out = generate(model, ids, { maxNewTokens: 24, eos: tokenizer.eos, hooks: method.hooks });
      return { prompt, completion: printableText(tokenizer.decode(out)) };
    });
    return {
      evalLoss: evaluate(model, method, batches(TOY)),
      generalInit,
      general: evaluate(model, method, batches(GENERAL)),
      samples,
      trainable: [...method.trainable.values()].reduce((n, v) => n + v.size, 0),
    };
  } finally {
    if (folder) tf.dispose([...folder.tensors.values()]);
    method.dispose();
    tf.dispose([...model.weights.values()]);
  }
}

const close = (a: number, b: number, what: string) =>
  assert.ok(Math.abs(a - b) <= 1e-6 * Math.abs(b), `${what}: ${a} vs ${b}`);

describe("runEvaluation: an imported PEFT folder gives what the engine gives for it directly", () => {
  const cases: [string, Record<string, unknown> | null][] = [
    ["lora-patterns-all-bias", null],
    ["dora-layer-index", null],
    ["qdora-lora-only-bias", { method: "qlora", bnb_4bit_use_double_quant: false }],
  ];
  for (const [name, methodBase] of cases) {
    it(name, async () => {
      const adapterConfig = JSON.parse(await readFile(join(FIXTURES, name, "adapter_config.json"), "utf8"));
      const { model } = await loadModelFolder(base);
      const recorded = fromPeftConfig(adapterConfig, model.config, methodBase ?? undefined);
      tf.dispose([...model.weights.values()]);
      const before = tf.memory().numTensors;
      const r = await runEvaluation({
        base,
        adapter: join(FIXTURES, name),
        // a QLoRA adapter's folder says LORA: the server's recorded method says qlora
        method: methodBase
          ? (recorded as unknown as { method: string } & Record<string, unknown>)
          : undefined,
        evalData: TOY,
        generalData: GENERAL,
        samplePrompts: PROMPTS,
        batchSize: 2,
        maxSeqLen: MAX_LEN,
      });
      assert.equal(tf.memory().numTensors, before, "nothing left allocated");
      const d = await direct(name, methodBase);
      close(r.evalLoss, d.evalLoss, "eval loss");
      assert.equal(r.bestEvalLoss, r.evalLoss);
      close(r.forgetting!.generalLossAfter, d.general, "general loss with the adapter");
      close(r.forgetting!.generalLossBefore, d.generalInit, "general loss of the base");
      assert.ok(Math.abs(r.forgetting!.delta) > 1e-4, "the adapter moves the general loss");
      assert.deepEqual(r.samples, d.samples, "greedy completions");
      assert.equal(r.method, recorded.method);
      assert.equal(r.trainable, d.trainable);
      assert.equal(r.steps, 0);
      assert.equal(r.evaluated, true);
      assert.ok(r.measuredPeakBytes > 0);
    });
  }

  it("the base alone: its own eval loss, no forgetting, 0 trainable, method base", async () => {
    const r = await runEvaluation({
      base,
      adapter: null,
      evalData: TOY,
      generalData: GENERAL,
      samplePrompts: PROMPTS,
      batchSize: 2,
      maxSeqLen: MAX_LEN,
    });
    const d = await direct(null, null);
    close(r.evalLoss, d.evalLoss, "eval loss");
    assert.deepEqual(r.samples, d.samples);
    assert.equal(r.forgetting!.delta, 0);
    close(r.forgetting!.generalLossBefore, d.general, "general loss");
    assert.equal(r.method, "base");
    assert.equal(r.trainable, 0);
    const lora = await runEvaluation({
      base,
      adapter: join(FIXTURES, "lora-patterns-all-bias"),
      evalData: TOY,
      batchSize: 2,
      maxSeqLen: MAX_LEN,
    });
    assert.ok(Math.abs(lora.evalLoss - r.evalLoss) > 1e-4, "the adapter changes the eval loss");
    assert.equal(lora.forgetting, null, "no general set, no forgetting figure");
  });

  it("no eval examples is an error saying so", async () => {
    await assert.rejects(runEvaluation({ base, adapter: null, evalData: [] }), /no eval examples/);
  });
});
