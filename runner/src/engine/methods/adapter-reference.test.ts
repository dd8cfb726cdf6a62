import assert from "node:assert/strict";
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { type AdapterConfig, bottleneckSize, parseModelConfig } from "@tunelab/core";
import { useCpu } from "../backend.js";
import { disposeModel, forward, type Model } from "../model.js";
import { readAdapterFolder, writeAdapterFolder } from "../peft-folder.js";
import { encodeSafetensors } from "../safetensors.js";
import type { PeftMethod } from "../peft-hooks.js";
import {
  float32FromHex,
  fnv1a,
  lcgFloats,
  readReferenceFixture,
  referenceFixturePath,
  relativeMaxDiff,
} from "../reference-fixtures.js";
import { seededModel } from "../seeded-model.js";
import { createMethod } from "./registry.js";

/** runner/reference/adapters_fixtures.py: the adapters library's bottleneck adapters on Llama. */
interface AdaptersFixture {
  model: Record<string, unknown>;
  tokens: number[][];
  cases: {
    name: string;
    method: Record<string, unknown>;
    adapterConfig: Record<string, unknown>;
    files: string[];
    tensors: Record<string, number[]>;
    logits: string;
    logitsWithOriginalLnBeforeFlipped: string;
  }[];
  bottleneckSizes: [number, number, number][];
}

const fixture = readReferenceFixture<AdaptersFixture>("adapters.json");

before(useCpu);

function build(c: AdaptersFixture["cases"][number]): { model: Model; method: PeftMethod } {
  const model = seededModel(parseModelConfig(fixture.model));
  return { model, method: createMethod(model, c.method, { seed: 0 }) };
}

/** The reference's seeded weights (`adapter_params`): u/8 for biases, u/4 for matrices. */
function assignSeeded(method: PeftMethod): void {
  for (const [name, v] of method.trainable) {
    v.assign(tf.tensor(lcgFloats(v.size, fnv1a(name), name.endsWith("bias") ? 0.125 : 0.25), v.shape));
  }
}

function logitsOf(model: Model, method: PeftMethod): Float32Array {
  return tf.tidy(
    () => forward(model, fixture.tokens, { hooks: method.hooks }).logits.dataSync() as Float32Array,
  );
}

describe("bottleneck adapters against the adapters library (PyTorch reference)", () => {
  for (const c of fixture.cases) {
    it(`${c.name}: the library's logits, and not those of the other original_ln_before`, () => {
      const { model, method } = build(c);
      assignSeeded(method);
      const ours = logitsOf(model, method);
      const diff = relativeMaxDiff(ours, float32FromHex(c.logits));
      assert.ok(diff < 1e-5, `logits differ by ${diff}`);
      assert.ok(relativeMaxDiff(ours, float32FromHex(c.logitsWithOriginalLnBeforeFlipped)) > 1e-3);
      method.dispose();
      disposeModel(model);
    });

    it(`${c.name}: saves the library's folder (adapter_config.json, adapter.safetensors) and loads it back`, async () => {
      const { model, method } = build(c);
      assignSeeded(method);
      const folder = method.exportAdapter();
      const { version, ...config } = folder.config;
      assert.equal(version, "tunelab");
      assert.deepEqual(JSON.parse(JSON.stringify(config)), c.adapterConfig);
      assert.deepEqual(Object.fromEntries([...folder.tensors].map(([n, t]) => [n, t.shape])), c.tensors);
      const dir = await mkdtemp(join(tmpdir(), "adapter-"));
      try {
        await writeAdapterFolder(dir, folder);
        assert.deepEqual((await readdir(dir)).sort(), [...c.files].sort());
        const read = await readAdapterFolder(dir);
        const fresh = build(c);
        fresh.method.importAdapter(read.tensors);
        tf.dispose([...read.tensors.values()]);
        assert.ok(relativeMaxDiff(logitsOf(fresh.model, fresh.method), float32FromHex(c.logits)) < 1e-5);
        fresh.method.dispose();
        disposeModel(fresh.model);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
      method.dispose();
      disposeModel(model);
    });
  }

  for (const c of fixture.cases) {
    it(`${c.name}: the reference's own folder loads and gives its logits, also saved under another adapter name`, async () => {
      const dir = await mkdtemp(join(tmpdir(), "adapter-"));
      try {
        await cp(referenceFixturePath("adapters", c.name), dir, { recursive: true });
        for (const name of [null, "summarize"]) {
          if (name !== null) {
            // the library names every tensor and the config after the adapter: model.save_adapter(dir, name)
            const read = await readAdapterFolder(dir);
            const renamed = new Map(
              [...read.tensors].map(([n, t]) => [n.replace(".adapters.tunelab.", `.adapters.${name}.`), t]),
            );
            await writeFile(join(dir, "adapter.safetensors"), encodeSafetensors(renamed));
            tf.dispose([...read.tensors.values()]);
            const config = JSON.parse(await readFile(join(dir, "adapter_config.json"), "utf8"));
            await writeFile(join(dir, "adapter_config.json"), JSON.stringify({ ...config, name }));
          }
          const read = await readAdapterFolder(dir);
          const { model, method } = build(c);
          method.importAdapter(read.tensors);
          tf.dispose([...read.tensors.values()]);
          const diff = relativeMaxDiff(logitsOf(model, method), float32FromHex(c.logits));
          assert.ok(diff < 1e-5, `${name ?? "tunelab"}: logits differ by ${diff}`);
          method.dispose();
          disposeModel(model);
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  }

  it("sizes the bottleneck as the library's int(hidden_size // reduction_factor)", () => {
    for (const [hidden, factor, size] of fixture.bottleneckSizes) {
      const config: AdapterConfig = {
        method: "adapter",
        placement: "pfeiffer",
        reduction_factor: factor,
        non_linearity: "relu",
      };
      assert.equal(bottleneckSize(config, hidden), size, `${hidden} // ${factor}`);
    }
  });
});
