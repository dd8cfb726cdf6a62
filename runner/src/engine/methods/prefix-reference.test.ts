import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { parseModelConfig } from "@tunelab/core";
import { useCpu } from "../backend.js";
import { generate } from "../generate.js";
import { disposeModel, forward, type Model } from "../model.js";
import { disposeExported } from "../peft-folder.js";
import type { PeftMethod } from "../peft-hooks.js";
import {
  float32FromHex,
  fnv1a,
  lcgFloats,
  readReferenceFixture,
  relativeMaxDiff,
} from "../reference-fixtures.js";
import { seededModel } from "../seeded-model.js";
import { createMethod } from "./registry.js";

/** runner/reference/prefix_fixtures.py: PEFT prefix tuning over transformers' Llama. */
interface PrefixFixture {
  model: Record<string, unknown>;
  batch: number[][];
  mask: number[][];
  prompt: number[];
  cases: {
    name: string;
    peftConfig: Record<string, unknown> & { num_virtual_tokens: number; prefix_projection: boolean };
    promptEmbeddings: string;
    logits: string;
    logitsAtZeroBasedPositions: string;
    generated: number[];
  }[];
}

const fixture = readReferenceFixture<PrefixFixture>("prefix.json");

before(useCpu);

function prefixMethod(model: Model, c: PrefixFixture["cases"][number]): PeftMethod {
  const p = c.peftConfig;
  return createMethod(
    model,
    {
      method: "prefix",
      num_virtual_tokens: p.num_virtual_tokens,
      prefix_projection: p.prefix_projection,
      ...(p.prefix_projection ? { encoder_hidden_size: p.encoder_hidden_size } : {}),
    },
    { seed: 0 },
  );
}

/** The reference's seeded encoder parameters (`encoder_params`): the embedding u/2, the MLP u/4. */
function assignSeeded(method: PeftMethod): void {
  for (const [name, v] of method.trainable) {
    const scale = name === "prompt_encoder.embedding.weight" ? 0.5 : 0.25;
    v.assign(tf.tensor(lcgFloats(v.size, fnv1a(name), scale), v.shape));
  }
}

/** Logits at real (unpadded) positions only: what a padded query sees is not part of the contract. */
function realPositions(logits: Float32Array, mask: number[][], vocab: number): number[] {
  const t = mask[0]!.length;
  return mask.flatMap((row, b) =>
    row.flatMap((m, i) =>
      m === 1 ? Array.from(logits.subarray((b * t + i) * vocab, (b * t + i + 1) * vocab)) : [],
    ),
  );
}

function logitsWith(model: Model, method: PeftMethod): number[] {
  const out = tf.tidy(() =>
    forward(model, fixture.batch, { hooks: method.hooks, attentionMask: fixture.mask }).logits.dataSync(),
  );
  return realPositions(out as Float32Array, fixture.mask, model.config.vocab_size);
}

describe("prefix tuning against PEFT (PyTorch reference)", () => {
  for (const c of fixture.cases) {
    const expected = () =>
      realPositions(float32FromHex(c.logits), fixture.mask, fixture.model.vocab_size as number);

    it(`${c.name}: exports PEFT's adapter_config.json and prompt_embeddings`, () => {
      const model = seededModel(parseModelConfig(fixture.model));
      const method = prefixMethod(model, c);
      assignSeeded(method);
      const folder = method.exportAdapter();
      for (const [key, value] of Object.entries(c.peftConfig))
        assert.deepEqual(folder.config[key], value, key);
      assert.deepEqual([...folder.tensors.keys()], ["prompt_embeddings"]);
      const saved = folder.tensors.get("prompt_embeddings")!.dataSync();
      assert.ok(relativeMaxDiff(saved, float32FromHex(c.promptEmbeddings)) < 1e-6);
      disposeExported(folder, method);
      method.dispose();
      disposeModel(model);
    });

    it(`${c.name}: PEFT's logits, real tokens at positions n…n+T−1, padding masked`, () => {
      const model = seededModel(parseModelConfig(fixture.model));
      const method = prefixMethod(model, c);
      assignSeeded(method);
      const ours = logitsWith(model, method);
      const diff = relativeMaxDiff(ours, expected());
      assert.ok(diff < 1e-5, `logits differ by ${diff}`);
      const zeroBased = realPositions(float32FromHex(c.logitsAtZeroBasedPositions), fixture.mask, 48);
      assert.ok(relativeMaxDiff(ours, zeroBased) > 1e-2, "the fixture tells positions 0…T−1 apart");
      method.dispose();
      disposeModel(model);
    });

    it(`${c.name}: a PEFT folder's prompt_embeddings imported here give PEFT's logits and generation`, () => {
      const model = seededModel(parseModelConfig(fixture.model));
      const method = prefixMethod(model, c);
      const e = float32FromHex(c.promptEmbeddings);
      const tensor = tf.tensor2d(e, [
        c.peftConfig.num_virtual_tokens,
        e.length / c.peftConfig.num_virtual_tokens,
      ]);
      method.importAdapter(new Map([["prompt_embeddings", tensor]]));
      tensor.dispose();
      assert.ok(relativeMaxDiff(logitsWith(model, method), expected()) < 1e-5);
      const generated = generate(model, fixture.prompt, {
        maxNewTokens: c.generated.length,
        hooks: method.hooks,
      });
      assert.deepEqual(generated, c.generated);
      method.dispose();
      disposeModel(model);
    });
  }
});
