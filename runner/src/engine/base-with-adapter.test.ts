import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { fromPeftConfig, parseModelConfig } from "@tunelab/core";
import { loadBaseWithAdapter, openBaseWithAdapter } from "./base-with-adapter.js";
import { logitsOf } from "./methods/peft-test-model.js";
import { decodeSafetensors, encodeSafetensors } from "./safetensors.js";

/**
 * loadBaseWithAdapter against PEFT itself: the committed folders runner/reference/peft_lora.py saved from
 * PEFT (a tiny Qwen2 base folder and one adapter folder per case) and the logits PEFT computed with each.
 */

const FIXTURES = join(__dirname, "..", "..", "reference", "fixtures", "peft_lora");
const BASE = join(FIXTURES, "base");

interface Expected {
  ids: number[][];
  cases: Record<string, { base: Record<string, unknown> | null; logits: number[] }>;
}

async function expected(): Promise<Expected> {
  return JSON.parse(await readFile(join(FIXTURES, "expected.json"), "utf8")) as Expected;
}

function relativeError(actual: ArrayLike<number>, reference: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < reference.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i]! - reference[i]!));
    scale = Math.max(scale, Math.abs(reference[i]!));
  }
  return diff / scale;
}

/** The method as the server records it for a case (a QLoRA base is not in adapter_config.json). */
async function recordedMethod(name: string, base: Record<string, unknown> | null) {
  if (base === null) return undefined;
  const config = JSON.parse(await readFile(join(FIXTURES, name, "adapter_config.json"), "utf8"));
  const model = parseModelConfig(JSON.parse(await readFile(join(BASE, "config.json"), "utf8")));
  return fromPeftConfig(config, model, base) as unknown as { method: string } & Record<string, unknown>;
}

describe("loadBaseWithAdapter: a base folder and a PEFT folder give PEFT's logits", async () => {
  const e = await expected();
  for (const [name, c] of Object.entries(e.cases)) {
    it(name, async () => {
      const before = tf.memory().numTensors;
      const b = await loadBaseWithAdapter(BASE, join(FIXTURES, name), {
        method: await recordedMethod(name, c.base),
      });
      try {
        const err = relativeError(logitsOf(b.model, b.method.hooks, e.ids), c.logits);
        assert.ok(err < 2e-5, `logits differ from PEFT's by ${err} (relative)`);
        assert.equal(b.method.config.method, c.base?.method ?? "lora");
      } finally {
        b.dispose();
      }
      assert.equal(tf.memory().numTensors, before, "dispose frees every tensor");
    });
  }

  it("before load() the method is at its initial state: LoRA's B is zero, so the base's own logits", async () => {
    const alone = await loadBaseWithAdapter(BASE, null);
    const open = await openBaseWithAdapter(BASE, join(FIXTURES, "lora-patterns-all-bias"));
    try {
      assert.equal(alone.method.config.method, "full");
      assert.equal(alone.adapterConfig, null);
      const base = logitsOf(alone.model, alone.method.hooks, e.ids);
      assert.ok(relativeError(logitsOf(open.model, open.method.hooks, e.ids), base) < 1e-6);
      open.load();
      const adapted = logitsOf(open.model, open.method.hooks, e.ids);
      const c = e.cases["lora-patterns-all-bias"]!;
      assert.ok(relativeError(adapted, c.logits) < 2e-5);
      assert.ok(relativeError(adapted, base) > 1e-3, "the adapter changes the logits");
      open.load(); // a second load does nothing (the folder's tensors are already freed)
    } finally {
      alone.dispose();
      open.dispose();
    }
  });

  it("a folder whose tensor has the wrong shape is refused naming it, and nothing stays allocated", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tunelab-adapter-"));
    try {
      const src = join(FIXTURES, "lora-patterns-all-bias");
      await writeFile(join(dir, "adapter_config.json"), await readFile(join(src, "adapter_config.json")));
      const tensors = decodeSafetensors(
        new Uint8Array(await readFile(join(src, "adapter_model.safetensors"))),
      );
      const name = [...tensors.keys()].find((k) => k.endsWith("lora_A.weight"))!;
      const t = tensors.get(name)!;
      tensors.set(name, tf.zeros([t.shape[0]! + 1, t.shape[1]!]));
      t.dispose();
      await writeFile(join(dir, "adapter_model.safetensors"), encodeSafetensors(tensors));
      tf.dispose([...tensors.values()]);
      const before = tf.memory().numTensors;
      await assert.rejects(loadBaseWithAdapter(BASE, dir), (err: Error) => {
        assert.match(err.message, new RegExp(`${name.replace(/\./g, "\\.")}.*shape`));
        return true;
      });
      assert.equal(tf.memory().numTensors, before);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
