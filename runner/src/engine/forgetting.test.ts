import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { parseMethodConfig } from "@tunelab/core";
import { useCpu } from "./backend.js";
import { forgettingReport, withForgetting } from "./forgetting.js";
import { createPeftMethod } from "./methods/peft-methods.js";
import { lmLoss, randomBase, TINY_CONFIG } from "./methods/peft-test-model.js";
import { runTraining } from "./run-training.js";

const toy = [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]];
const general = [[20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31]];

describe("forgetting", () => {
  it("reports the loss change on the general set across training", async () => {
    await useCpu();
    const base = randomBase();
    const method = createPeftMethod(base, parseMethodConfig({ method: "ia3" }, TINY_CONFIG) as never, {
      seed: 1,
    });
    const evaluate = () => tf.tidy(() => lmLoss(base, method.hooks, general).dataSync()[0]!);
    const baseOnly = tf.tidy(() => lmLoss(base, {}, general).dataSync()[0]!);
    const optimizer = tf.train.adam(0.05);
    const { result, forgetting } = await withForgetting(evaluate, async () => {
      for (let i = 0; i < 20; i++) {
        tf.tidy(() => {
          optimizer.minimize(() => lmLoss(base, method.hooks, toy), false, [...method.trainable.values()]);
        });
      }
      return "trained";
    });
    assert.equal(result, "trained");
    // IA3 starts at ones: "before" is the base model's own general loss.
    assert.ok(Math.abs(forgetting.generalLossBefore - baseOnly) < 1e-6);
    assert.ok(Math.abs(forgetting.generalLossAfter - evaluate()) < 1e-6);
    assert.notEqual(forgetting.delta, 0);
    assert.equal(forgetting.delta, forgetting.generalLossAfter - forgetting.generalLossBefore);
    optimizer.dispose();
    method.dispose();
  });

  it("is exactly zero without training and rejects non-finite losses", () => {
    assert.deepEqual(forgettingReport(2, 2), {
      generalLossBefore: 2,
      generalLossAfter: 2,
      delta: 0,
      relativeDelta: 0,
    });
    assert.throws(() => forgettingReport(2, Number.NaN), RangeError);
  });
});

describe("runTraining reports forgetting", () => {
  it("for QLoRA on tunelab-nano: general-set loss before and after, with the NF4 base only", async () => {
    const general = [
      { text: "The quick brown fox jumps over the lazy dog." },
      { text: "Paris is the capital of France." },
    ];
    const result = await runTraining({
      base: "tunelab-nano",
      data: [{ prompt: "Translate 'dog' to French ->", completion: " chien" }],
      method: { method: "qlora", r: 4, lora_alpha: 8, target_modules: "all-linear" },
      steps: 4,
      generalData: general,
      samplePrompts: ["Translate 'dog' to French ->"],
      options: { batchSize: 1, lr: 1e-2, seed: 3 },
    });
    const f = result.forgetting!;
    assert.ok(Number.isFinite(f.generalLossBefore) && Number.isFinite(f.generalLossAfter));
    assert.equal(f.delta, f.generalLossAfter - f.generalLossBefore);
    assert.notEqual(f.delta, 0);
    assert.equal(result.samples.length, 1, "generation ran on the quantised base");
    const none = await runTraining({
      base: "tunelab-nano",
      data: [{ text: "abc" }],
      method: { method: "ia3" },
      steps: 1,
      options: { batchSize: 1, seed: 3 },
    });
    assert.equal(none.forgetting, null);
  });
});
