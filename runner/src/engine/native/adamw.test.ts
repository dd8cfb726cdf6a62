import assert from "node:assert/strict";
import { test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { useCpu } from "../backend.js";
import { ADAMW_DEFAULTS, adamWStep, clipScale, createAdamWState, globalNorm } from "../optim.js";
import { activeNativeAddon } from "./backend.js";
import { useNativeOrSkip } from "./test-kit.js";

/**
 * The fused native AdamW (in place, clipping folded in) against the tfjs-ops update on the 'cpu'
 * reference backend: three steps with clipping active, a decayed matrix and an undecayed norm.
 */

async function run(): Promise<{ p: number[][]; m: number[][]; norms: number[]; kernels: number }> {
  const shapes: [string, number[]][] = [
    ["model.layers.0.mlp.up_proj.weight", [37, 11]],
    ["model.layers.0.input_layernorm.weight", [11]],
  ];
  let s = 7;
  const rand = (n: number) =>
    Float32Array.from({ length: n }, () => {
      s = (s * 1103515245 + 12345) % 2 ** 31;
      return s / 2 ** 31 - 0.5;
    });
  const params = new Map(
    shapes.map(([n, shape]) => [
      n,
      tf.tidy(() => tf.variable(tf.tensor(rand(shape.reduce((a, b) => a * b)), shape))),
    ]),
  );
  const state = createAdamWState(params);
  const norms: number[] = [];
  let kernels = 0;
  for (let step = 0; step < 3; step++) {
    const grads = new Map(
      [...params].map(([n, p]) => [n, tf.tidy(() => tf.tensor(rand(p.size), p.shape).mul(3))] as const),
    );
    const norm = globalNorm(grads.values());
    norms.push(norm);
    const profile = await tf.profile(() =>
      adamWStep(params, grads, state, 1e-2, { ...ADAMW_DEFAULTS, weightDecay: 0.1 }, clipScale(norm, 1)),
    );
    kernels += profile.kernels.length;
    tf.dispose([...grads.values()]);
  }
  const out = {
    p: [...params.values()].map((p) => Array.from(p.dataSync())),
    m: [...state.m.values()].map((m) => Array.from(m.dataSync())),
    norms,
    kernels,
  };
  tf.dispose([...params.values(), ...state.m.values(), ...state.v.values()]);
  return out;
}

test("fused native AdamW equals the tfjs optimizer step (clipping folded in)", async (t) => {
  if (!(await useNativeOrSkip(t))) return;
  assert.ok(activeNativeAddon(), "the native path is the one under test");
  const before = tf.memory().numTensors;
  const native = await run();
  assert.equal(tf.memory().numTensors, before, "no tensor left behind");
  assert.equal(native.kernels, 0, "the fused update runs no tfjs kernel (parameters updated in place)");
  await useCpu();
  assert.equal(activeNativeAddon(), null);
  const reference = await run();
  assert.ok(reference.kernels > 0);
  for (const [i, n] of native.norms.entries()) assert.ok(Math.abs(n - reference.norms[i]!) <= 1e-5 * n);
  assert.ok(native.norms[0]! > 1, "clipping is active in the case");
  for (const key of ["p", "m"] as const) {
    for (const [i, values] of native[key].entries()) {
      for (const [j, x] of values.entries()) {
        const want = reference[key][i]![j]!;
        assert.ok(
          Math.abs(x - want) <= 1e-5 * Math.max(1e-3, Math.abs(want)),
          `${key}[${i}][${j}]: ${x} vs ${want}`,
        );
      }
    }
  }
});
