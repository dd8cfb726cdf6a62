import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { type Dtype, fromPeftConfig, parseModelConfig, ValidationError } from "@tunelab/core";
import { loadModelFolder } from "./hf-folder.js";
import { mergeAndUnload } from "./merge.js";
import { createMethod } from "./methods/registry.js";
import { dropReplaced, logitsOf, randomBase, TINY_CONFIG } from "./methods/peft-test-model.js";
import { disposeModel, type Model } from "./model.js";
import type { PeftMethod } from "./peft-hooks.js";
import { readAdapterFolder } from "./peft-folder.js";
import { type MergeJob, runMerge } from "./run-merge.js";
import { relativeMaxDiff } from "./reference-fixtures.js";

/**
 * Merging must not change what the model computes: the plain forward pass of the merged model gives the
 * logits of the base with the adapter (1e-5 relative), per method, with every adapter tensor moved off its
 * initial value. And it must merge as PEFT's merge_and_unload does: runner/reference/peft_merge.py's
 * merged folders (LoRA with patterns and biases, DoRA, QDoRA over NF4, IA3) are matched weight by weight.
 */

const IDS = [
  [1, 7, 30, 2, 45, 11, 9, 3],
  [4, 4, 17, 22, 0, 38, 6, 13],
];
const QWEN = parseModelConfig({ ...TINY_CONFIG, model_type: "qwen2" }); // q/k/v biases

/** Every trainable tensor moved: LoRA A/B and biases by noise, DoRA magnitudes and IA3 vectors by ±30%. */
function train(method: PeftMethod, seed: number): void {
  let s = seed;
  for (const [name, v] of method.trainable) {
    tf.tidy(() => {
      const noise = tf.randomNormal(v.shape, 0, 1, "float32", s++);
      const scaled = name.endsWith("lora_magnitude_vector") || name.endsWith("ia3_l");
      v.assign(scaled ? tf.mul(v, tf.add(1, tf.mul(noise, 0.3))) : tf.add(v, tf.mul(noise, 0.2)));
    });
  }
}

function mergedEqualsUnmerged(model: Model, json: Record<string, unknown>, dtype: Dtype = "float32") {
  const method = createMethod(model, json, { seed: 5, dtype });
  dropReplaced(model, method);
  train(method, 11);
  const before = logitsOf(model, method.hooks, IDS);
  const merged = mergeAndUnload(model, method);
  const after = logitsOf(merged, {}, IDS);
  const err = relativeMaxDiff(after, before);
  assert.ok(err < 1e-5, `merged logits differ from base + adapter by ${err} (relative)`);
  const plain = randomBase(model.config);
  assert.ok(relativeMaxDiff(before, logitsOf(plain, {}, IDS)) > 1e-2, "the adapter changes the logits");
  disposeModel(plain);
  return merged;
}

describe("merged model = base + adapter (logits, 1e-5 relative)", () => {
  const cases: [string, Record<string, unknown>, Dtype?, typeof QWEN?][] = [
    ["lora, all-linear", { method: "lora", r: 4, lora_alpha: 8, target_modules: "all-linear" }],
    [
      "lora, rsLoRA, rank/alpha patterns, one layer, bias all (Qwen2 biases)",
      {
        method: "lora",
        r: 4,
        lora_alpha: 8,
        use_rslora: true,
        target_modules: ["q_proj", "v_proj", "up_proj"],
        rank_pattern: { v_proj: 6 },
        alpha_pattern: { up_proj: 3 },
        layers_to_transform: [1],
        bias: "all",
      },
      "float32",
      QWEN,
    ],
    ["dora", { method: "dora", r: 4, lora_alpha: 16, target_modules: ["q_proj", "k_proj", "down_proj"] }],
    [
      "qlora (NF4, double quantisation): merged into the dequantised base",
      {
        method: "qlora",
        r: 4,
        lora_alpha: 8,
        target_modules: ["q_proj", "v_proj"],
        bnb_4bit_use_double_quant: true,
      },
    ],
    [
      "qlora with use_dora (QDoRA), bias lora_only",
      {
        method: "qlora",
        r: 2,
        lora_alpha: 4,
        use_dora: true,
        target_modules: ["k_proj", "o_proj"],
        bias: "lora_only",
      },
      "float32",
      QWEN,
    ],
    [
      "ia3: feed-forward columns, attention rows and biases",
      {
        method: "ia3",
        target_modules: ["k_proj", "v_proj", "down_proj"],
        feedforward_modules: ["down_proj"],
      },
      "float32",
      QWEN,
    ],
    [
      "lora over bfloat16 storage",
      { method: "lora", r: 4, lora_alpha: 8, target_modules: "all-linear" },
      "bfloat16",
    ],
  ];
  for (const [name, json, dtype, config] of cases) {
    it(name, () => {
      const merged = mergedEqualsUnmerged(randomBase(config ?? TINY_CONFIG), json, dtype);
      disposeModel(merged);
    });
  }

  it("frees the method: only the merged model's weights stay alive", () => {
    const model = randomBase();
    const live = tf.memory().numTensors;
    const method = createMethod(model, { method: "qlora", r: 2, use_dora: true }, { seed: 1 });
    dropReplaced(model, method);
    mergeAndUnload(model, method);
    assert.equal(tf.memory().numTensors, live);
    disposeModel(model);
  });
});

describe("merging does not apply to methods that add something other than weight changes", () => {
  const refused: [Record<string, unknown>, RegExp][] = [
    [{ method: "prefix", num_virtual_tokens: 4 }, /keys and values/],
    [{ method: "prompt", num_virtual_tokens: 4 }, /virtual tokens/],
    [{ method: "adapter", placement: "pfeiffer", reduction_factor: 4 }, /new layers/],
    [{ method: "full" }, /already a whole model/],
  ];
  for (const [json, why] of refused) {
    it(`${json.method}: a ValidationError on method saying why, the model untouched`, () => {
      const model = randomBase();
      const before = logitsOf(model, {}, IDS);
      const method = createMethod(model, json, { seed: 1 });
      assert.throws(
        () => mergeAndUnload(model, method),
        (e: unknown) =>
          e instanceof ValidationError &&
          e.field === "method" &&
          e.message.startsWith(`merging does not apply to ${json.method}: `) &&
          why.test(e.message),
      );
      assert.equal(relativeMaxDiff(logitsOf(model, {}, IDS), before), 0);
      method.dispose();
      disposeModel(model);
    });
  }
});

// ---------------------------------------------------------------- PEFT's merge_and_unload (runner/reference)

const REFERENCE = join(__dirname, "..", "..", "reference", "fixtures");
interface MergeExpected {
  ids: number[][];
  cases: Record<
    string,
    { adapter: string; base: Record<string, unknown> | null; logits_unmerged: number[]; logits: number[] }
  >;
}
const expected = JSON.parse(
  readFileSync(join(REFERENCE, "peft_merge", "expected.json"), "utf8"),
) as MergeExpected;

describe("merge as PEFT's merge_and_unload (runner/reference/peft_merge.py)", () => {
  for (const [name, c] of Object.entries(expected.cases)) {
    it(name, async () => {
      const { model } = await loadModelFolder(join(REFERENCE, "peft_lora", "base"));
      const folder = await readAdapterFolder(join(REFERENCE, c.adapter));
      const method = createMethod(model, fromPeftConfig(folder.config, model.config, c.base ?? undefined), {
        seed: 1,
      });
      dropReplaced(model, method);
      method.importAdapter(folder.tensors);
      tf.dispose([...folder.tensors.values()]);
      const unmerged = relativeMaxDiff(logitsOf(model, method.hooks, expected.ids), c.logits_unmerged);
      assert.ok(unmerged < 2e-5, `base + adapter logits differ from PEFT's by ${unmerged}`);

      mergeAndUnload(model, method);
      const peft = await loadModelFolder(join(REFERENCE, "peft_merge", name));
      for (const [weight, ours] of model.weights) {
        const theirs = peft.model.weights.get(weight);
        assert.ok(theirs, `PEFT's merged model has no ${weight}`);
        const err = relativeMaxDiff(ours.dataSync(), theirs.dataSync());
        assert.ok(err < 1e-6, `${weight}: merged weight differs from PEFT's by ${err} (relative)`);
      }
      assert.equal(model.weights.size, peft.model.weights.size);
      const logits = relativeMaxDiff(logitsOf(model, {}, expected.ids), c.logits);
      assert.ok(logits < 2e-5, `merged logits differ from PEFT's by ${logits}`);
      disposeModel(model);
      disposeModel(peft.model);
    });
  }
});

describe("runMerge (a MERGE job): base folder + adapter folder → an HF model folder", () => {
  it("saves config.json, model.safetensors and the tokenizer; loaded back as a base, it gives PEFT's merged logits", async () => {
    const outputDir = await mkdtemp(join(tmpdir(), "merge-"));
    try {
      const name = "qdora-lora-only-bias";
      const c = expected.cases[name]!;
      const adapterDir = join(REFERENCE, c.adapter);
      const adapterConfig = JSON.parse(readFileSync(join(adapterDir, "adapter_config.json"), "utf8"));
      const base = join(REFERENCE, "peft_lora", "base");
      const result = await runMerge({
        base,
        adapterDir,
        method: fromPeftConfig(
          adapterConfig,
          parseModelConfig(JSON.parse(readFileSync(join(base, "config.json"), "utf8"))),
          c.base ?? undefined,
        ) as unknown as MergeJob["method"],
        outputDir,
      });
      assert.equal(result.method, "qlora");
      assert.deepEqual((await readdir(outputDir)).sort(), [
        "config.json",
        "model.safetensors",
        "special_tokens_map.json",
        "tokenizer.json",
        "tokenizer_config.json",
      ]);
      const merged = await loadModelFolder(outputDir);
      assert.equal(
        result.total,
        [...merged.model.weights.values()].reduce((n, v) => n + v.size, 0),
      );
      const err = relativeMaxDiff(logitsOf(merged.model, {}, expected.ids), c.logits);
      assert.ok(err < 2e-5, `the saved merged model's logits differ from PEFT's by ${err}`);
      disposeModel(merged.model);
    } finally {
      await rm(outputDir, { recursive: true, force: true });
    }
  });
});
