import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { countParameters, parseMethodConfig, resolveModel } from "@tunelab/core";
import { useCpu } from "./backend.js";
import { createLora } from "./methods/lora.js";
import { createMethod } from "./methods/registry.js";
import { forward, initModel } from "./model.js";
import { readAdapterFolder, writeAdapterFolder } from "./peft-folder.js";
import { TINY, tinyModel } from "./test-kit.js";

before(useCpu);

const IDS = [[256, 72, 105, 33, 32, 100, 111, 103]];
const lora = (extra: Record<string, unknown> = {}) =>
  parseMethodConfig({ method: "lora", r: 4, lora_alpha: 8, target_modules: "all-linear", ...extra }, TINY);

test("LoRA with B = 0 gives logits identical to the base model", () => {
  const model = tinyModel();
  const method = createLora(model, lora() as never, { seed: 1 });
  const base = forward(model, IDS).logits;
  const adapted = forward(model, IDS, { hooks: method.hooks }).logits;
  assert.deepEqual(adapted.dataSync(), base.dataSync());
  tf.dispose([base, adapted]);
  method.dispose();
  tf.dispose([...model.weights.values()]);
});

test("merged LoRA equals unmerged (1e-5), and unmerge restores the base weights", () => {
  const model = tinyModel();
  const before = model.weights.get("model.layers.0.self_attn.q_proj.weight")!.dataSync().slice();
  const method = createLora(model, lora({ use_rslora: true }) as never, { seed: 1 });
  for (const [name, v] of method.trainable) {
    if (name.includes("lora_B")) tf.tidy(() => v.assign(tf.randomNormal(v.shape, 0, 0.2, "float32", v.size)));
  }
  const unmerged = forward(model, IDS, { hooks: method.hooks }).logits;
  const base = forward(model, IDS).logits;
  method.merge();
  const merged = forward(model, IDS, { hooks: method.hooks }).logits;
  const diff = tf.max(tf.abs(tf.sub(merged, unmerged))).dataSync()[0]!;
  const moved = tf.max(tf.abs(tf.sub(base, unmerged))).dataSync()[0]!;
  assert.ok(diff < 1e-5, `merged vs unmerged: ${diff}`);
  assert.ok(moved > 1e-2, "the adapter changes the output");
  const q = "model.layers.0.self_attn.q_proj";
  const delta = tf.tidy(() => {
    const ba = tf.matMul(
      method.trainable.get(`base_model.model.${q}.lora_B.weight`)!,
      method.trainable.get(`base_model.model.${q}.lora_A.weight`)!,
    );
    const w = model.weights.get(`${q}.weight`)!;
    // rsLoRA: alpha/√r = 8/2 = 4
    return tf.max(tf.abs(tf.sub(tf.sub(w, tf.tensor(before, w.shape)), tf.mul(ba, 4)))).dataSync()[0]!;
  });
  assert.ok(delta < 1e-6, `merged weight − base = (alpha/√r)·B·A: ${delta}`);
  method.unmerge();
  const after = model.weights.get("model.layers.0.self_attn.q_proj.weight")!.dataSync();
  for (let i = 0; i < after.length; i++) assert.ok(Math.abs(after[i]! - before[i]!) < 1e-6);
  tf.dispose([unmerged, base, merged]);
  method.dispose();
  tf.dispose([...model.weights.values()]);
});

test("A is Kaiming-uniform (bound 1/√in), B zeros; scaling alpha/r", () => {
  const model = tinyModel();
  const method = createLora(model, lora() as never, { seed: 1 });
  const a = method.trainable.get("base_model.model.model.layers.0.mlp.down_proj.lora_A.weight")!;
  const bound = 1 / Math.sqrt(32);
  const values = Array.from(a.dataSync());
  assert.ok(values.every((x) => Math.abs(x) <= bound) && Math.max(...values.map(Math.abs)) > 0.8 * bound);
  const b = method.trainable.get("base_model.model.model.layers.0.mlp.down_proj.lora_B.weight")!;
  assert.ok(b.dataSync().every((x) => x === 0));
  b.assign(tf.onesLike(b));
  const q = tf.tidy(() => {
    const x = tf.randomNormal([3, 32], 0, 1, "float32", 9) as tf.Tensor2D;
    const frozen = {
      weight: () => tf.zeros([16, 32]) as tf.Tensor2D,
      forward: () => tf.zeros([3, 16]) as tf.Tensor2D,
      matmul: () => tf.zeros([3, 16]) as tf.Tensor2D,
    };
    const y = method.hooks.linear!("model.layers.0.mlp.down_proj", x, frozen);
    const expected = tf.mul(tf.matMul(tf.matMul(x, a, false, true), b, false, true), 8 / 4);
    return tf.max(tf.abs(tf.sub(y, expected))).dataSync()[0]!;
  });
  assert.ok(q < 1e-5, `scaling alpha/r: ${q}`);
  method.dispose();
  tf.dispose([...model.weights.values()]);
});

test("trainable and total parameters equal core's countParameters (full, lora, bias options)", () => {
  const config = resolveModel("tunelab-nano");
  const model = initModel(config, 1);
  for (const json of [
    { method: "full" },
    { method: "lora", r: 8 },
    { method: "lora", r: 4, target_modules: "all-linear", bias: "all" },
  ]) {
    const method = createMethod(model, json, { seed: 1 });
    const trainable = [...method.trainable.values()].reduce((n, v) => n + v.size, 0);
    const counts = countParameters(config, json);
    assert.equal(trainable, counts.trainable, JSON.stringify(json));
    const baseSize = [...model.weights.values()].reduce((n, v) => n + v.size, 0);
    const added = json.method === "full" ? 0 : trainable;
    assert.equal(baseSize + added, counts.total, JSON.stringify(json));
    method.dispose();
  }
  tf.dispose([...model.weights.values()]);
});

test("PEFT export: names and shapes as PEFT saves them for r=8 q_proj,v_proj on tunelab-nano; import is bit-exact", async () => {
  const config = resolveModel("tunelab-nano");
  const model = initModel(config, 1);
  const method = createMethod(model, { method: "lora", r: 8, lora_alpha: 16 }, { seed: 1 });
  for (const [, v] of method.trainable) tf.tidy(() => v.assign(tf.randomNormal(v.shape, 0, 1, "float32", 7)));
  const dir = await mkdtemp(join(tmpdir(), "tunelab-peft-"));
  try {
    await writeAdapterFolder(dir, method.exportAdapter());
    const folder = await readAdapterFolder(dir);
    const d = config.hidden_size;
    const kv = config.num_key_value_heads * config.head_dim;
    const expected = new Map<string, number[]>();
    for (let l = 0; l < config.num_hidden_layers; l++) {
      const p = `base_model.model.model.layers.${l}.self_attn`;
      expected.set(`${p}.q_proj.lora_A.weight`, [8, d]);
      expected.set(`${p}.q_proj.lora_B.weight`, [config.num_attention_heads * config.head_dim, 8]);
      expected.set(`${p}.v_proj.lora_A.weight`, [8, d]);
      expected.set(`${p}.v_proj.lora_B.weight`, [kv, 8]);
    }
    assert.deepEqual(
      new Map([...folder.tensors].map(([n, t]) => [n, t.shape])),
      new Map([...expected].sort()),
    );
    const cfg = JSON.parse(await readFile(join(dir, "adapter_config.json"), "utf8"));
    assert.equal(cfg.peft_type, "LORA");
    assert.equal(cfg.r, 8);
    assert.equal(cfg.lora_alpha, 16);
    assert.deepEqual(cfg.target_modules, ["q_proj", "v_proj"]);
    const other = createMethod(model, { method: "lora", r: 8, lora_alpha: 16 }, { seed: 2 });
    other.importAdapter(folder.tensors);
    for (const [name, v] of method.trainable) {
      assert.deepEqual(other.trainable.get(name)!.dataSync(), v.dataSync(), name);
    }
    tf.dispose([...folder.tensors.values()]);
    other.dispose();
  } finally {
    await rm(dir, { recursive: true });
    method.dispose();
    tf.dispose([...model.weights.values()]);
  }
});
