import assert from "node:assert/strict";
import { type TestContext, test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { useCpu } from "./backend.js";
import { useNativeOrSkip } from "./native/test-kit.js";
import { type CostProfile, type ProfileJob, runProfile } from "./run-profile.js";

// Cost profiles measure the split of a step's peak from the engine's buffers. Checked against what the
// split must be whatever the model: the parts sum to the peak, trainable variables are 4 B per trainable
// parameter (float32), AdamW's two moments 8 B, gradients at most 4 B; frozen weights are what the method
// leaves of the base (all of it for LoRA, none for full).

const job = (method: ProfileJob["method"]): ProfileJob => ({
  base: "tunelab-nano",
  method,
  steps: 3,
  batchSize: 2,
  seqLen: 16,
});

function checkParts(p: CostProfile, trainable: number): void {
  const parts = p.frozenBytes + p.trainableBytes + p.gradientBytes + p.optimizerBytes + p.activationBytes;
  assert.equal(parts, p.peakBytes, "the parts sum to the peak");
  assert.ok(p.activationBytes > 0, "a step keeps activations");
  assert.equal(p.trainableBytes, 4 * trainable, "trainable: 4 B per parameter");
  assert.equal(p.optimizerBytes, 8 * trainable, "AdamW: 8 B per parameter");
  assert.ok(p.gradientBytes > 0 && p.gradientBytes <= 4 * trainable, "gradients: at most 4 B per parameter");
  assert.equal(p.steps, 3);
  assert.equal(p.randomWeights, true);
  assert.ok(p.msPerStep > 0 && p.tokensPerSecond > 0);
}

for (const backend of ["native", "cpu"] as const) {
  const use = async (t: TestContext): Promise<boolean> => {
    if (backend === "native") return useNativeOrSkip(t);
    await useCpu();
    return true;
  };

  test(`${backend}: a full profile splits its peak into weights, gradients, AdamW state and activations`, async (t) => {
    if (!(await use(t))) return;
    const before = tf.memory().numTensors;
    const r = await runProfile(job({ method: "full" }));
    checkParts(r.costProfile, r.trainable);
    assert.equal(r.trainable, r.total, "full trains every parameter");
    assert.equal(r.costProfile.frozenBytes, 0, "full freezes nothing");
    assert.equal(r.costProfile.peakBytes, r.measuredPeakBytes);
    assert.equal(tf.memory().numTensors, before, "a profile leaves no tensors behind");
  });

  test(`${backend}: LoRA's frozen bytes are the base's float32 weights; QLoRA's are smaller`, async (t) => {
    if (!(await use(t))) return;
    const lora = await runProfile(job({ method: "lora", r: 4, target_modules: "all-linear" }));
    checkParts(lora.costProfile, lora.trainable);
    assert.equal(lora.costProfile.frozenBytes, 4 * (lora.total - lora.trainable), "float32 base");
    const qlora = await runProfile(job({ method: "qlora", r: 4, target_modules: "all-linear" }));
    checkParts(qlora.costProfile, qlora.trainable);
    assert.ok(qlora.costProfile.frozenBytes < lora.costProfile.frozenBytes, "NF4 storage");
    assert.equal(qlora.trainable, lora.trainable);
  });
}
