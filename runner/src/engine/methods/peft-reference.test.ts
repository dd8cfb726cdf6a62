import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { fromPeftConfig, parseModelConfig } from "@tunelab/core";
import { modelFromTensors } from "../model.js";
import { readAdapterFolder } from "../peft-folder.js";
import { decodeSafetensors } from "../safetensors.js";
import { createMethod } from "./registry.js";
import { dropReplaced, logitsOf } from "./peft-test-model.js";

/**
 * The LoRA family against PEFT itself, through committed fixtures that runner/reference/peft_lora.py writes from PEFT's and bitsandbytes' code (see its docstring): a tiny Qwen2 base folder and, per case, the
 * adapter folder PEFT saves, the tensor names and shapes it saves, the DoRA magnitudes it initialises and
 * the logits it computes. Each case goes in as PEFT's adapter_config.json (fromPeftConfig), is built over
 * the base (createMethod), is checked to save exactly PEFT's names and shapes (export), then loads PEFT's
 * tensors (import) and must give PEFT's logits.
 */

const FIXTURES = join(__dirname, "..", "..", "..", "reference", "fixtures", "peft_lora");

interface Expected {
  ids: number[][];
  cases: Record<
    string,
    {
      base: Record<string, unknown> | null;
      tensors: Record<string, number[]>;
      magnitude_init: Record<string, number[]>;
      logits: number[];
    }
  >;
}

const expected = JSON.parse(readFileSync(join(FIXTURES, "expected.json"), "utf8")) as Expected;
const baseConfig = parseModelConfig(JSON.parse(readFileSync(join(FIXTURES, "base", "config.json"), "utf8")));

function loadBase() {
  const tensors = decodeSafetensors(
    new Uint8Array(readFileSync(join(FIXTURES, "base", "model.safetensors"))),
  );
  return modelFromTensors(baseConfig, tensors);
}

/** max |a − b| / max |b|: float32 op order differs between PyTorch and tfjs, nothing else may. */
function relativeError(actual: ArrayLike<number>, reference: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < reference.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i]! - reference[i]!));
    scale = Math.max(scale, Math.abs(reference[i]!));
  }
  return diff / scale;
}

/** PEFT accepts one layer index or a list, one pattern or a list; both spellings mean the same. */
function asList(v: unknown): unknown {
  return v === null || v === undefined || Array.isArray(v) ? (v ?? null) : [v];
}

const PEFT_READS = [
  "peft_type",
  "r",
  "lora_alpha",
  "target_modules",
  "bias",
  "use_rslora",
  "use_dora",
  "rank_pattern",
  "alpha_pattern",
  "layers_to_transform",
  "layers_pattern",
  "fan_in_fan_out",
  "init_lora_weights",
];

describe("LoRA, DoRA and QDoRA against PEFT's own saving and forward pass (fixtures from PyTorch)", () => {
  for (const [name, c] of Object.entries(expected.cases)) {
    it(name, async () => {
      const folder = await readAdapterFolder(join(FIXTURES, name));
      const model = loadBase();
      const json = fromPeftConfig(folder.config, model.config, c.base ?? undefined);
      const method = createMethod(model, json, { seed: 1 });
      dropReplaced(model, method);
      try {
        for (const [tensor, values] of Object.entries(c.magnitude_init)) {
          const init = method.trainable.get(tensor);
          assert.ok(init, `no ${tensor}`);
          assert.ok(relativeError(init.dataSync(), values) < 1e-6, `${tensor}: PEFT's initial magnitude`);
        }

        const exported = method.exportAdapter();
        const shapes = Object.fromEntries([...exported.tensors].map(([k, t]) => [k, t.shape]).sort());
        assert.deepEqual(shapes, c.tensors, "the tensors PEFT saves, by name and shape");
        for (const key of PEFT_READS) {
          const ours = key.startsWith("layers_") ? asList(exported.config[key]) : exported.config[key];
          const peft = key.startsWith("layers_") ? asList(folder.config[key]) : folder.config[key];
          assert.deepEqual(ours, peft, `adapter_config.json ${key}`);
        }

        method.importAdapter(folder.tensors);
        const logits = logitsOf(model, method.hooks, expected.ids);
        const err = relativeError(logits, c.logits);
        assert.ok(err < 2e-5, `logits differ from PEFT's by ${err} (relative)`);
      } finally {
        tf.dispose([...folder.tensors.values()]);
        method.dispose();
        tf.dispose([...model.weights.values()]);
      }
    });
  }

  it("a folder from PEFT < 0.7 (or Tunelab before it) names a targeted bias q_proj.bias: it still loads", async () => {
    const name = "qdora-lora-only-bias";
    const folder = await readAdapterFolder(join(FIXTURES, name));
    const legacy = new Map([...folder.tensors].map(([k, t]) => [k.replace(".base_layer.bias", ".bias"), t]));
    const model = loadBase();
    const method = createMethod(
      model,
      fromPeftConfig(folder.config, model.config, expected.cases[name]!.base!),
      {
        seed: 1,
      },
    );
    dropReplaced(model, method);
    method.importAdapter(legacy);
    const err = relativeError(logitsOf(model, method.hooks, expected.ids), expected.cases[name]!.logits);
    assert.ok(err < 2e-5, `logits differ by ${err}`);
    tf.dispose([...folder.tensors.values()]);
    method.dispose();
    tf.dispose([...model.weights.values()]);
  });
});
