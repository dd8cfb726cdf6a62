import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { countParameters, type MethodConfig, parseMethodConfig, parseModelConfig } from "@tunelab/core";
import { useCpu, useWasm } from "../backend.js";
import { readAdapterFolder, writeAdapterFolder } from "../peft-folder.js";
import type { Model } from "../model.js";
import type { BaseModel, PeftMethod } from "../peft-hooks.js";
import { dequantizeNf4, disposeNf4, quantizeNf4 } from "../quant/nf4.js";
import { createPeftMethod } from "./peft-methods.js";
import { createMethod } from "./registry.js";
import { dropReplaced, greedy, lmLoss, logitsOf, randomBase, TINY_CONFIG } from "./peft-test-model.js";

/** The seed's toy data, character-level over the tiny model's 48-token vocabulary. */
const TEXTS = ["Translate 'cat' to French -> chat", "Translate 'dog' to French -> chie"];
const CHARS = [...new Set(TEXTS.join(""))].sort();
const encode = (s: string) => [...s].map((ch) => CHARS.indexOf(ch) + 1);
const BATCH = TEXTS.map(encode);

interface Case {
  name: string;
  json: Record<string, unknown>;
  /** The method is the base model at init (B = 0, ones, zero up-projection). */
  identityAtInit: boolean;
  /**
   * Variables whose gradient is not the finite difference of the loss: DoRA's lora_A/lora_B, because
   * PEFT detaches the weight norm (dora-math.test.ts checks them with the norm held constant).
   */
  detachedFd?: RegExp;
  /** Expected exported tensor names (a few) with shapes. */
  exported: Record<string, number[]>;
  peftType: string;
}

const CASES: Case[] = [
  {
    name: "full",
    json: { method: "full" },
    identityAtInit: false,
    exported: { "model.layers.1.self_attn.k_proj.weight": [16, 32], "model.embed_tokens.weight": [48, 32] },
    peftType: "",
  },
  {
    name: "lora",
    json: { method: "lora", r: 4, lora_alpha: 8, target_modules: "all-linear" },
    identityAtInit: true,
    exported: {
      "base_model.model.model.layers.0.mlp.gate_proj.lora_A.weight": [4, 32],
      "base_model.model.model.layers.1.self_attn.k_proj.lora_B.weight": [16, 4],
    },
    peftType: "LORA",
  },
  {
    name: "qlora",
    json: { method: "qlora", r: 4, lora_alpha: 8, target_modules: ["q_proj", "v_proj", "down_proj"] },
    identityAtInit: true,
    exported: {
      "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight": [4, 32],
      "base_model.model.model.layers.1.mlp.down_proj.lora_B.weight": [32, 4],
    },
    peftType: "LORA",
  },
  {
    name: "dora",
    json: { method: "dora", r: 4, lora_alpha: 8, target_modules: ["q_proj", "v_proj"] },
    identityAtInit: true,
    detachedFd: /lora_[AB]\.weight$/,
    exported: {
      "base_model.model.model.layers.0.self_attn.q_proj.lora_magnitude_vector": [32],
      "base_model.model.model.layers.1.self_attn.v_proj.lora_magnitude_vector": [16],
      "base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight": [16, 4],
    },
    peftType: "LORA",
  },
  {
    name: "qlora with use_dora (QDoRA)",
    json: { method: "qlora", use_dora: true, r: 4, lora_alpha: 8, target_modules: ["q_proj", "down_proj"] },
    identityAtInit: true,
    detachedFd: /lora_[AB]\.weight$/,
    exported: {
      "base_model.model.model.layers.0.self_attn.q_proj.lora_magnitude_vector": [32],
      "base_model.model.model.layers.1.mlp.down_proj.lora_A.weight": [4, 64],
    },
    peftType: "LORA",
  },
  {
    name: "lora with rank_pattern, alpha_pattern, layers_to_transform",
    json: {
      method: "lora",
      r: 4,
      lora_alpha: 8,
      target_modules: ["q_proj", "v_proj"],
      rank_pattern: { v_proj: 2 },
      alpha_pattern: { q_proj: 16 },
      layers_to_transform: [1],
    },
    identityAtInit: true,
    exported: {
      "base_model.model.model.layers.1.self_attn.q_proj.lora_A.weight": [4, 32],
      "base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight": [16, 2],
    },
    peftType: "LORA",
  },
  {
    name: "ia3",
    json: { method: "ia3" },
    identityAtInit: true,
    exported: {
      "base_model.model.model.layers.0.self_attn.k_proj.ia3_l": [16, 1],
      "base_model.model.model.layers.1.mlp.down_proj.ia3_l": [1, 64],
    },
    peftType: "IA3",
  },
  {
    name: "adapter (pfeiffer)",
    // gelu, not the default relu: the adapter sees o + r, and a relu kink within ±ε of a coordinate breaks the
    // finite differences below (adapter-math.test.ts checks relu's gradients at smooth points)
    json: { method: "adapter", placement: "pfeiffer", reduction_factor: 4, non_linearity: "gelu" },
    identityAtInit: true,
    exported: { "model.layers.1.output_adapters.adapters.tunelab.adapter_down.0.weight": [8, 32] },
    peftType: "",
  },
  {
    name: "adapter (houlsby)",
    json: { method: "adapter", placement: "houlsby", bottleneck_size: 6 },
    identityAtInit: true,
    exported: { "model.layers.0.attention_adapters.adapters.tunelab.adapter_up.weight": [32, 6] },
    peftType: "",
  },
  {
    name: "prefix",
    json: { method: "prefix", num_virtual_tokens: 3 },
    identityAtInit: false,
    exported: { prompt_embeddings: [3, 2 * 2 * 16] },
    peftType: "PREFIX_TUNING",
  },
  {
    name: "prefix (projection)",
    json: { method: "prefix", num_virtual_tokens: 3, prefix_projection: true, encoder_hidden_size: 10 },
    identityAtInit: false,
    exported: { prompt_embeddings: [3, 2 * 2 * 16] },
    peftType: "PREFIX_TUNING",
  },
  {
    name: "prompt (random init)",
    json: { method: "prompt", num_virtual_tokens: 3 },
    identityAtInit: false,
    exported: { prompt_embeddings: [3, 32] },
    peftType: "PROMPT_TUNING",
  },
  {
    name: "prompt (text init)",
    json: {
      method: "prompt",
      num_virtual_tokens: 4,
      prompt_tuning_init: "TEXT",
      prompt_tuning_init_text: "French",
    },
    identityAtInit: false,
    exported: { prompt_embeddings: [4, 32] },
    peftType: "PROMPT_TUNING",
  },
];

function build(
  c: Case,
  base: Model = randomBase(),
): { base: Model; method: PeftMethod; config: MethodConfig } {
  const method = createMethod(base, c.json, { seed: 42, initTextIds: encode("French") });
  const config = method.config;
  dropReplaced(base, method);
  return { base, method, config };
}

function lossOf(base: BaseModel, method: PeftMethod, checkpointLayers = false) {
  return () => lmLoss(base, method.hooks, BATCH, { checkpointLayers, layerVariables: method.layerVariables });
}

function snapshot(tensors: Iterable<[string, tf.Tensor]>): Map<string, Float32Array | Int32Array> {
  return new Map([...tensors].map(([n, t]) => [n, t.dataSync().slice() as Float32Array]));
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe("every method on a tiny Llama (one table, as PEFT's tests)", () => {
  for (const c of CASES) {
    describe(c.name, () => {
      it("trains exactly core's countParameters trainable parameters", async () => {
        await useCpu();
        const { method, config } = build(c);
        const count = [...method.trainable.values()].reduce((n, v) => n + v.size, 0);
        assert.equal(count, countParameters(TINY_CONFIG, config).trainable);
        method.dispose();
      });

      if (c.identityAtInit) {
        it("is the base model at init (QLoRA: the dequantised base)", async () => {
          await useCpu();
          const original = randomBase();
          const reference: BaseModel = { config: original.config, weights: new Map(original.weights) };
          if (c.json.method === "qlora") {
            for (const [name, w] of original.weights) {
              if (!/layers\.\d+\.(self_attn|mlp)\./.test(name)) continue;
              const q = quantizeNf4(w.dataSync() as Float32Array, w.shape, { doubleQuant: true });
              reference.weights.set(name, dequantizeNf4(q));
              disposeNf4(q);
            }
          }
          const expected = logitsOf(reference, {}, BATCH);
          const { base, method } = build(c, original);
          const got = logitsOf(base, method.hooks, BATCH);
          assert.ok(maxDiff(got, expected) < 1e-5, `max |Δlogit| ${maxDiff(got, expected)}`);
          method.dispose();
        });
      }

      it("changes only its own variables in a step, lowers the loss, and has finite-difference gradients", async () => {
        await useCpu();
        const { base, method } = build(c);
        const own = new Set<tf.Tensor>(method.trainable.values());
        const frozen = snapshot([...base.weights].filter(([, w]) => !own.has(w)));
        const before = snapshot(method.trainable);
        const optimizer = tf.train.adam(0.02);
        const loss = lossOf(base, method);
        const first = tf.tidy(() => loss().dataSync()[0]!);
        for (let step = 0; step < 12; step++) {
          tf.tidy(() => {
            optimizer.minimize(loss, false, [...method.trainable.values()]);
          });
        }
        const last = tf.tidy(() => loss().dataSync()[0]!);
        const live = tf.memory().numTensors;
        tf.tidy(() => {
          optimizer.minimize(loss, false, [...method.trainable.values()]);
        });
        assert.equal(tf.memory().numTensors, live, "a training step leaks no tensor");
        assert.ok(last < first - 0.05, `loss ${first} → ${last}`);
        for (const [name, data] of frozen)
          assert.deepEqual(base.weights.get(name)!.dataSync(), data, `${name} is frozen`);
        const moved = [...method.trainable].filter(([n, v]) => maxDiff(v.dataSync(), before.get(n)!) > 0);
        assert.ok(moved.length > 0);

        // Finite differences at the trained point, a few coordinates of each variable.
        const vars = [...method.trainable.values()];
        const grads = tf.variableGrads(loss, vars);
        // up to 6 variables spread over the method's list (first and last included), to bound the time
        const checked = [...method.trainable].filter(([name]) => !c.detachedFd?.test(name));
        const m = Math.min(6, checked.length);
        const picks = new Set(
          Array.from({ length: m }, (_, j) => Math.round((j * (checked.length - 1)) / Math.max(1, m - 1))),
        );
        for (const [name, v] of checked.filter((_, k) => picks.has(k))) {
          const g = grads.grads[v.name]!.dataSync();
          const scale = Math.max(1e-4, ...Array.from(g, Math.abs));
          const original = v.dataSync().slice();
          for (const i of [0, Math.floor(v.size / 2), v.size - 1]) {
            const at = (delta: number) => {
              const moved = original.slice();
              moved[i]! += delta;
              v.assign(tf.tensor(moved, v.shape));
              return tf.tidy(() => loss().dataSync()[0]!);
            };
            const eps = 1e-2;
            const fd = (at(eps) - at(-eps)) / (2 * eps);
            v.assign(tf.tensor(original, v.shape));
            // float32 loss ≈ 3: each evaluation is off by ~1 ulp (2.4e-7), i.e. ~2.4e-5 after ÷ 2ε.
            assert.ok(Math.abs(fd - g[i]!) <= 2e-3 * scale + 5e-5, `${name}[${i}]: fd ${fd} vs ${g[i]}`);
          }
        }
        tf.dispose([grads.value, ...Object.values(grads.grads)]);
        optimizer.dispose();
        method.dispose();
      });

      it("saves a PEFT folder and loads it back to the same logits", async () => {
        await useCpu();
        const { base, method } = build(c);
        for (const v of method.trainable.values())
          v.assign(tf.add(v, tf.randomNormal(v.shape, 0, 0.05, "float32", 7)));
        const folder = method.exportAdapter();
        for (const [name, shape] of Object.entries(c.exported)) {
          assert.deepEqual(folder.tensors.get(name)?.shape, shape, name);
        }
        if (c.peftType !== "") assert.equal(folder.config.peft_type, c.peftType);
        const dir = await mkdtemp(join(tmpdir(), "tunelab-peft-"));
        try {
          await writeAdapterFolder(dir, folder);
          const read = await readAdapterFolder(dir);
          assert.deepEqual(read.config, JSON.parse(JSON.stringify(folder.config)));
          const expected = logitsOf(base, method.hooks, BATCH);
          // A new process: the same base (seeded), the method built afresh, then the folder loaded.
          const fresh = build(c);
          fresh.method.importAdapter(read.tensors);
          const got = logitsOf(fresh.base, fresh.method.hooks, BATCH);
          assert.ok(maxDiff(got, expected) < 1e-5, `max |Δlogit| ${maxDiff(got, expected)}`);
          fresh.method.dispose();
          tf.dispose([...read.tensors.values()]);
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
        method.dispose();
      });

      it("gives the same gradients with gradient checkpointing per layer", async () => {
        await useCpu();
        const { base, method } = build(c);
        for (const v of method.trainable.values())
          v.assign(tf.add(v, tf.randomNormal(v.shape, 0, 0.05, "float32", 8)));
        const vars = [...method.trainable.values()];
        const plain = tf.variableGrads(lossOf(base, method, false), vars);
        const ckpt = tf.variableGrads(lossOf(base, method, true), vars);
        assert.ok(Math.abs(plain.value.dataSync()[0]! - ckpt.value.dataSync()[0]!) < 1e-6);
        for (const v of vars) {
          const p = plain.grads[v.name]!.dataSync();
          const q = ckpt.grads[v.name]!.dataSync();
          const scale = Math.max(1e-6, ...Array.from(p, Math.abs));
          assert.ok(maxDiff(p, q) <= 1e-4 * scale, `${v.name}`);
        }
        tf.dispose([plain.value, ckpt.value, ...Object.values(plain.grads), ...Object.values(ckpt.grads)]);
        method.dispose();
      });
    });
  }

  it("generates with a trained prefix (greedy continues the training text)", async () => {
    await useCpu();
    const { base, method } = build(CASES.find((c) => c.name === "prefix")!);
    const prompt = BATCH[0]!.slice(0, 20);
    const untrained = greedy(base, method.hooks, prompt, 5);
    assert.notDeepEqual(untrained, BATCH[0]!.slice(20, 25));
    // the prefix learns one training text (100 steps; both texts took 130+ steps at lr 0.1)
    const optimizer = tf.train.adam(0.3);
    const loss = () => lmLoss(base, method.hooks, [BATCH[0]!]);
    for (let step = 0; step < 100; step++) {
      tf.tidy(() => {
        optimizer.minimize(loss, false, [...method.trainable.values()]);
      });
    }
    const out = greedy(base, method.hooks, prompt, 5);
    assert.deepEqual(out, BATCH[0]!.slice(20, 25));
    optimizer.dispose();
    method.dispose();
  });
});

describe("lora_dropout on the QLoRA and DoRA branches", () => {
  for (const name of ["qlora", "dora"] as const) {
    it(`${name}: drops only in training, with reproducible masks, and checkpointing sees the same masks`, async () => {
      await useCpu();
      const c: Case = {
        ...CASES.find((k) => k.name === name)!,
        json: { ...CASES.find((k) => k.name === name)!.json, lora_dropout: 0.5 },
      };
      const { base, method } = build(c);
      for (const v of method.trainable.values())
        v.assign(tf.add(v, tf.randomNormal(v.shape, 0, 0.1, "float32", 9)));
      const logits = () => logitsOf(base, method.hooks, BATCH);
      const evalOut = logits();
      method.setTraining(true, 5);
      const [train1, train2] = [logits(), logits()];
      method.setTraining(true, 6);
      const train3 = logits();
      assert.deepEqual(train1, train2, "same seed, same masks");
      assert.ok(maxDiff(train1, evalOut) > 1e-4, "dropout changes the training output");
      assert.ok(maxDiff(train1, train3) > 1e-4, "another step, other masks");
      const vars = [...method.trainable.values()];
      const plain = tf.variableGrads(lossOf(base, method, false), vars);
      const ckpt = tf.variableGrads(lossOf(base, method, true), vars);
      for (const v of vars) {
        const p = plain.grads[v.name]!.dataSync();
        assert.ok(
          maxDiff(p, ckpt.grads[v.name]!.dataSync()) <= 1e-4 * Math.max(1e-6, ...Array.from(p, Math.abs)),
        );
      }
      method.setTraining(false);
      assert.deepEqual(logits(), evalOut, "eval mode: no dropout");
      tf.dispose([plain.value, ckpt.value, ...Object.values(plain.grads), ...Object.values(ckpt.grads)]);
      method.dispose();
    });
  }
});

describe("'cpu' and 'wasm' agree", () => {
  it("on the loss and its gradients of every method (1e-4)", async () => {
    for (const c of CASES) {
      const results = [];
      for (const backend of ["cpu", "wasm"] as const) {
        await (backend === "cpu" ? useCpu() : useWasm());
        const { base, method } = build(c);
        for (const v of method.trainable.values())
          v.assign(tf.add(v, tf.randomNormal(v.shape, 0, 0.05, "float32", 3)));
        const vars = [...method.trainable.values()];
        const { value, grads } = tf.variableGrads(lossOf(base, method), vars);
        results.push({ loss: value.dataSync()[0]!, grads: vars.map((v) => grads[v.name]!.dataSync()) });
        tf.dispose([value, ...Object.values(grads)]);
        method.dispose();
      }
      const [cpu, wasm] = results as [(typeof results)[0], (typeof results)[0]];
      assert.ok(Math.abs(cpu.loss - wasm.loss) < 1e-4, `${c.name}: loss ${cpu.loss} vs ${wasm.loss}`);
      cpu.grads.forEach((g, i) => {
        const scale = Math.max(1e-6, ...Array.from(g, Math.abs));
        assert.ok(maxDiff(g, wasm.grads[i]!) <= 1e-4 * scale + 1e-7, `${c.name}: gradient ${i}`);
      });
    }
  });
});

describe("DoRA equals its merged weight, biases included", () => {
  it("on a Qwen2-style model (q/k/v biases): m·(W + s·B·A)/‖W + s·B·A‖ with the bias added after", async () => {
    await useCpu();
    const config = parseModelConfig({ ...TINY_CONFIG, model_type: "qwen2" });
    const base = randomBase(config, 3);
    assert.ok(base.weights.has("model.layers.0.self_attn.q_proj.bias"));
    const method = createPeftMethod(
      base,
      parseMethodConfig(
        { method: "dora", r: 4, lora_alpha: 8, target_modules: ["q_proj", "v_proj"] },
        config,
      ) as never,
      { seed: 5 },
    );
    for (const v of method.trainable.values())
      v.assign(tf.add(v, tf.randomNormal(v.shape, 0, 0.1, "float32", 4)));
    const merged: BaseModel = { config, weights: new Map(base.weights) };
    const get = (n: string) => method.trainable.get(`base_model.model.${n}`)!;
    for (let l = 0; l < config.num_hidden_layers; l++) {
      for (const proj of ["q_proj", "v_proj"]) {
        const name = `model.layers.${l}.self_attn.${proj}`;
        const w = tf.add(
          base.weights.get(`${name}.weight`)!,
          tf.mul(tf.matMul(get(`${name}.lora_B.weight`), get(`${name}.lora_A.weight`)), 2),
        );
        const m = tf.reshape(get(`${name}.lora_magnitude_vector`), [-1, 1]);
        merged.weights.set(`${name}.weight`, tf.mul(tf.div(w, tf.norm(w, "euclidean", 1, true)), m));
      }
    }
    const got = logitsOf(base, method.hooks, BATCH);
    const expected = logitsOf(merged, {}, BATCH);
    assert.ok(maxDiff(got, expected) < 1e-4, `max |Δlogit| ${maxDiff(got, expected)}`);
    method.dispose();
  });
});
