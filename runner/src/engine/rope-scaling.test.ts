import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { parseModelConfig, ValidationError } from "@tunelab/core";
import { useCpu } from "./backend.js";
import { loadModelFolder, saveModelFolder } from "./hf-folder.js";
import { disposeModel, forward } from "./model.js";
import { float32FromHex, readReferenceFixture, relativeMaxDiff } from "./reference-fixtures.js";
import { ropeFrequencies } from "./rope-scaling.js";
import { seededModel } from "./seeded-model.js";
import { byteTokenizer } from "./tokenizer.js";

/** runner/reference/rope_fixtures.py: transformers' logits under each RoPE type, both config layouts. */
interface RopeFixture {
  cases: {
    name: string;
    config: Record<string, unknown>;
    tokens: number[][];
    invFreq: string;
    attentionScaling: number;
    logits: string;
  }[];
}

const fixture = readReferenceFixture<RopeFixture>("rope.json");

before(useCpu);

function logitsOf(config: Record<string, unknown>, tokens: number[][]): Float32Array {
  const model = seededModel(parseModelConfig(config));
  const out = tf.tidy(() => forward(model, tokens).logits.dataSync() as Float32Array);
  disposeModel(model);
  return out;
}

describe("RoPE scaling against transformers (PyTorch reference)", () => {
  for (const c of fixture.cases) {
    it(`${c.name}: transformers' frequencies and logits`, () => {
      const config = parseModelConfig(c.config);
      const freqs = ropeFrequencies(config, c.tokens[0]!.length);
      const expected = float32FromHex(c.invFreq);
      assert.ok(relativeMaxDiff(freqs.invFreq, expected) < 1e-6, `inv_freq ${freqs.invFreq} vs ${expected}`);
      assert.ok(Math.abs(freqs.attentionScaling - c.attentionScaling) < 1e-12);
      const diff = relativeMaxDiff(logitsOf(c.config, c.tokens), float32FromHex(c.logits));
      assert.ok(diff < 1e-5, `logits differ by ${diff} relative`);
    });
  }

  it("is discriminating: plain RoPE gives other logits for every scaled type", () => {
    for (const c of fixture.cases.filter((x) => !x.name.startsWith("default"))) {
      const { rope_scaling: _s, rope_parameters: _p, ...plain } = c.config;
      const diff = relativeMaxDiff(logitsOf(plain, c.tokens), float32FromHex(c.logits));
      assert.ok(diff > 1e-3, `${c.name}: plain RoPE within ${diff}`);
    }
  });

  it("reads rope_theta from rope_parameters when the top level has none", () => {
    const c = fixture.cases.find((x) => x.name === "default-rope_parameters")!;
    assert.equal(parseModelConfig(c.config).rope_theta, 500000);
  });

  it("saves a folder whose config.json says what was trained, and reloads to the same logits", async () => {
    const c = fixture.cases.find((x) => x.name === "llama3-rope_parameters")!;
    const dir = await mkdtemp(join(tmpdir(), "rope-"));
    try {
      const model = seededModel(parseModelConfig(c.config));
      await saveModelFolder(dir, model, byteTokenizer());
      disposeModel(model);
      const saved = JSON.parse(await readFile(join(dir, "config.json"), "utf8"));
      assert.deepEqual(saved.rope_parameters, c.config.rope_parameters);
      const loaded = await loadModelFolder(dir);
      const logits = tf.tidy(() => forward(loaded.model, c.tokens).logits.dataSync() as Float32Array);
      disposeModel(loaded.model);
      assert.ok(relativeMaxDiff(logits, float32FromHex(c.logits)) < 1e-5);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("RoPE configs the engine cannot compute are refused, naming the key", () => {
  const base = fixture.cases[0]!.config;
  const check = (extra: Record<string, unknown>, field: string, words: RegExp) => {
    assert.throws(
      () => parseModelConfig({ ...base, ...extra }),
      (err: unknown) => err instanceof ValidationError && err.field === field && words.test(err.message),
    );
  };
  it("an unknown rope_type, in either layout", () => {
    check(
      { rope_scaling: { rope_type: "ntk-by-parts", factor: 2 } },
      "rope_scaling.rope_type",
      /not supported/,
    );
    check({ rope_parameters: { rope_type: "su", rope_theta: 1e4 } }, "rope_parameters.rope_type", /"su"/);
    check({ rope_scaling: { type: "mrope" } }, "rope_scaling.type", /default, linear, dynamic, yarn/);
  });
  it("a missing or misshapen parameter", () => {
    check({ rope_scaling: { rope_type: "linear" } }, "rope_scaling.factor", /required/);
    check(
      { rope_scaling: { rope_type: "llama3", factor: 8 } },
      "rope_scaling.original_max_position_embeddings",
      /required/,
    );
    check({ rope_scaling: { rope_type: "yarn", factor: -1 } }, "rope_scaling.factor", /> 0/);
    check(
      { rope_scaling: { rope_type: "longrope", factor: 2, short_factor: [1], long_factor: [1, 1, 1, 1] } },
      "rope_scaling.short_factor",
      /4 positive numbers/,
    );
    check({ rope_scaling: "linear" }, "rope_scaling", /object/);
  });
  it("partial rotary embeddings and per-layer-type RoPE", () => {
    check({ partial_rotary_factor: 0.5 }, "partial_rotary_factor", /not supported/);
    check(
      { rope_parameters: { full_attention: { rope_type: "default" } } },
      "rope_parameters",
      /per layer type/,
    );
  });
});
