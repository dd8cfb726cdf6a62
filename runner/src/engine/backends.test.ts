import assert from "node:assert/strict";
import { test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { gpuMemoryBytes, parseComputeApps, useCpu, useWasm } from "./backend.js";
import { tokenize } from "./data.js";
import { createMethod } from "./methods/registry.js";
import { TOY, tinyModel } from "./test-kit.js";
import { byteTokenizer } from "./tokenizer.js";
import { TRAIN_DEFAULTS, trainLoop } from "./train.js";
import { useNativeOrSkip } from "./native/test-kit.js";

/** The same steps on 'cpu' (the reference kernels) and on 'wasm' with the engine's kernel fixes. */
async function losses(method: Record<string, unknown> & { method: string }): Promise<number[]> {
  const tok = byteTokenizer();
  const model = tinyModel();
  const m = createMethod(model, method, { seed: 4 });
  const r = await trainLoop({
    model,
    method: m,
    train: TOY.map((e) => tokenize(e, tok, 64)),
    eval: [],
    options: { ...TRAIN_DEFAULTS, steps: 4, batchSize: 2, lr: 1e-2, pad: tok.pad, seed: 4 },
  });
  tf.dispose([...r.state.optimizer.m.values(), ...r.state.optimizer.v.values()]);
  m.dispose();
  tf.dispose([...model.weights.values()]);
  return r.history.map((h) => h.trainLoss);
}

for (const method of [{ method: "full" }, { method: "lora", r: 4, target_modules: "all-linear" }]) {
  test(`'cpu' and 'wasm' agree on the loss of the same ${method.method} steps (1e-4)`, async () => {
    await useCpu();
    const cpu = await losses(method);
    await useWasm(); // transposing BatchMatMul and UnsortedSegmentSum (embedding gradients of full)
    const wasm = await losses(method);
    await useCpu();
    for (const [i, l] of cpu.entries()) {
      assert.ok(Math.abs(l - wasm[i]!) < 1e-4, `step ${i + 1}: cpu ${l} vs wasm ${wasm[i]}`);
    }
    assert.ok(cpu.at(-1)! < cpu[0]!);
  });

  test(`'cpu' and 'native' agree on the loss of the same ${method.method} steps (1e-4)`, async (t) => {
    if (!(await useNativeOrSkip(t))) return;
    const native = await losses(method);
    await useCpu();
    const cpu = await losses(method);
    for (const [i, l] of cpu.entries()) {
      assert.ok(Math.abs(l - native[i]!) < 1e-4, `step ${i + 1}: cpu ${l} vs native ${native[i]}`);
    }
  });
}

test("with the native addon forced off, the engine falls back to wasm, says why, and trains", async () => {
  const script = `
    const { initBackend } = require(${JSON.stringify(join(__dirname, "backend.js"))});
    const { runTraining } = require(${JSON.stringify(join(__dirname, "run-training.js"))});
    (async () => {
      const choice = await initBackend();
      const data = [{ prompt: "Translate 'dog' to French ->", completion: " chien" }];
      const r = await runTraining({ base: "tunelab-nano", data, method: { method: "lora", r: 2 }, steps: 2 });
      console.log(JSON.stringify({ choice, backend: r.backend, steps: r.steps, loss: r.finalTrainLoss }));
    })();`;
  const env: NodeJS.ProcessEnv = { ...process.env, TUNELAB_NATIVE: "off" };
  delete env.TUNELAB_BACKEND;
  const { stdout } = await promisify(execFile)(process.execPath, ["-e", script], { env });
  const got = JSON.parse(stdout.trim().split("\n").at(-1)!);
  assert.equal(got.choice.name, "wasm");
  assert.match(got.choice.skipped.join("; "), /native: .*TUNELAB_NATIVE=off/);
  assert.equal(got.backend, "@tensorflow/tfjs-backend-wasm");
  assert.equal(got.steps, 2);
  assert.ok(Number.isFinite(got.loss));
});

for (const backend of ["cpu", "native"]) {
  test(`the ${backend} backend trains without tfjs's "install our node backend" banner (the choice is reported)`, async () => {
    const script = `
      const { initBackend } = require(${JSON.stringify(join(__dirname, "backend.js"))});
      const { runTraining } = require(${JSON.stringify(join(__dirname, "run-training.js"))});
      (async () => {
        const choice = await initBackend(${JSON.stringify(backend)});
        const data = [{ prompt: "Translate 'dog' to French ->", completion: " chien" }];
        await runTraining({ base: "tunelab-nano", data, method: { method: "lora", r: 2 }, steps: 1 });
        console.log(choice.name);
      })().catch((e) => { console.log("unavailable: " + e.message); });`;
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ["-e", script]);
    if (stdout.includes("unavailable:")) return; // no native addon on this machine: nothing to check
    assert.equal(stdout.trim().split("\n").at(-1), backend);
    assert.doesNotMatch(stdout + stderr, /install our node backend/);
  });
}

test("the GPU's own memory figure: nvidia-smi's compute apps for our pid; none off the GPU build", async () => {
  const csv = "4242, 1536\n77, 80\n4242, 512\n";
  assert.equal(parseComputeApps(csv, 4242), 2048 * 1024 * 1024);
  assert.equal(parseComputeApps(csv, 5), null);
  assert.equal(parseComputeApps("4242, [N/A]\n", 4242), null);
  assert.equal(await gpuMemoryBytes({ name: "cpu", source: "@tensorflow/tfjs (cpu)", skipped: [] }), null);
});
