import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { fromPeftConfig, parseModelConfig } from "@tunelab/core";
import { loadBaseWithAdapter } from "./base-with-adapter.js";
import { logitsOf } from "./methods/peft-test-model.js";
import { referenceFixturePath, relativeMaxDiff } from "./reference-fixtures.js";

/**
 * The IA3 and prompt-tuning folders that importAdapter accepts (runner/reference/peft_folders.py, saved as
 * PEFT saves them), loaded the way an evaluation loads an imported adapter (the method the server
 * records for the folder, then its tensors), give the logits PEFT computes with them: IA3 scales a
 * feed-forward module's input and any other module's output bias included (Qwen2's k/v/q biases), prompt
 * tuning's logits cover the virtual tokens too.
 */
const BASE = referenceFixturePath("peft_lora", "base");

interface Expected {
  ids: number[][];
  cases: Record<string, { logits: number[] }>;
}

describe("imported IA3 and prompt-tuning folders give PEFT's logits", async () => {
  const expected = JSON.parse(
    await readFile(referenceFixturePath("peft_folders", "expected.json"), "utf8"),
  ) as Expected;
  const model = parseModelConfig(JSON.parse(await readFile(`${BASE}/config.json`, "utf8")));
  for (const [name, c] of Object.entries(expected.cases)) {
    it(name, async () => {
      const dir = referenceFixturePath("peft_folders", name);
      const config = JSON.parse(await readFile(`${dir}/adapter_config.json`, "utf8"));
      const method = fromPeftConfig(config, model) as unknown as { method: string } & Record<string, unknown>;
      const before = tf.memory().numTensors;
      const b = await loadBaseWithAdapter(BASE, dir, { method });
      try {
        const ours = logitsOf(b.model, b.method.hooks, expected.ids);
        assert.equal(ours.length, c.logits.length);
        const diff = relativeMaxDiff(ours, Float32Array.from(c.logits));
        assert.ok(diff < 2e-5, `logits differ from PEFT's by ${diff} (relative)`);
      } finally {
        b.dispose();
      }
      assert.equal(tf.memory().numTensors, before, "dispose frees every tensor");
    });
  }
});
