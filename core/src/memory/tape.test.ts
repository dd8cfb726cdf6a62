import assert from "node:assert/strict";
import { test } from "node:test";
import { Tape, walkBackward, walkForward, walkStep } from "./tape.js";

// Small tapes walked by hand: the rules of tfjs's tape that the memory model rests on.

test("a saved input and a working set: the loss's backward is the peak", () => {
  const t = new Tape();
  t.weight("w", 10, true);
  const x = t.op({ key: "ids", layer: null, inputs: [], output: "x", elements: 50 });
  const a = t.op({ key: "linear", layer: 0, inputs: [x, "w"], output: "a", elements: 100, saves: [x, "w"] });
  t.op({
    key: "loss",
    layer: null,
    inputs: [a],
    output: "loss",
    elements: 1,
    saves: [a],
    custom: true,
    backwardPeak: 300,
  });
  // forward: 50, then 150, then 151 alive; x and a are kept (the weight costs nothing to keep)
  assert.deepEqual(walkForward(t, true), {
    peak: { elements: 151, weightGradients: 0, working: 1, at: "forward: loss" },
    end: 151,
  });
  // backward from the 150 kept: the loss holds 300 at once (450), leaves da (250); the linear makes dw
  // only (x does not depend on a weight): 260
  const { peak, saved } = walkStep(t);
  assert.equal(saved, 150);
  assert.deepEqual(peak, { elements: 450, weightGradients: 0, working: 300, at: "backward: loss" });
  assert.equal(walkBackward(t, 150).end, 260);
});

test("a tensor read three times keeps three gradient buffers (tfjs's add never frees a dx)", () => {
  const t = new Tape();
  t.weight("w", 1, true);
  const h = t.op({ key: "p", layer: null, inputs: ["w"], output: "h", elements: 10, custom: true });
  const uses = [1, 2, 3].map((i) =>
    t.op({ key: `u${i}`, layer: null, inputs: [h], output: `u${i}`, elements: 1 }),
  );
  t.op({ key: "loss", layer: null, inputs: uses, output: "loss", elements: 1, custom: true });
  // loss: du1..du3 (3). u3: dh (13). u2: dh' and the sum while the old sum lives (13 + 10 + 10 = 33), the
  // first dh freed (23). u1: again 23 + 20 = 43, then 33. p: dw (34).
  const { peak, end } = walkBackward(t, 0);
  assert.equal(peak.elements, 43);
  assert.equal(peak.at, "backward: u1");
  assert.equal(end, 34);
});

test("views of dy cost nothing; a custom op's unused gradient is kept", () => {
  const t = new Tape();
  t.weight("w", 4, true);
  const c = t.op({ key: "c", layer: null, inputs: [], output: "c", elements: 7 });
  const a = t.op({ key: "a", layer: null, inputs: ["w"], output: "a", elements: 10, custom: true });
  // a residual: both gradients are views of dy
  const r = t.op({
    key: "r",
    layer: null,
    inputs: [a, c],
    output: "r",
    elements: 10,
    custom: true,
    aliasGrads: [a, c],
  });
  // a custom op over r and c: c's gradient (7) is made though nothing uses it
  t.op({ key: "f", layer: null, inputs: [r, c], output: "f", elements: 1, custom: true });
  // f: dr 10 + dc 7 = 17; r: nothing; a: dw 4 → 21
  assert.equal(walkBackward(t, 0).end, 21);
});

test("a view keeps its input's buffer alive to the backward's end, counted once", () => {
  const t = new Tape();
  t.weight("w", 1, true);
  const a = t.op({ key: "a", layer: null, inputs: ["w"], output: "a", elements: 10, custom: true });
  const v = t.op({ key: "v", layer: null, inputs: [a], output: "v", elements: 10, saves: [a], view: true });
  t.op({ key: "f", layer: null, inputs: [v], output: "f", elements: 1, saves: [v], custom: true });
  assert.deepEqual([...t.savedTensors()], ["a"]);
  assert.equal(walkForward(t, true).end, 11);
});

test("a checkpointed block keeps its input; its backward reruns it and keeps the input gradients", () => {
  const inner = new Tape();
  inner.weight("w", 1, true);
  inner.input("h", 10);
  inner.op({ key: "lin", layer: 0, inputs: ["h", "w"], output: "y", elements: 10, saves: ["h", "w"] });
  const t = new Tape();
  t.weight("w", 1, true);
  const h = t.op({ key: "h", layer: null, inputs: [], output: "h", elements: 10 });
  const out = t.op({
    key: "checkpoint",
    layer: 0,
    inputs: [h, "w"],
    output: "out",
    elements: 10,
    saves: [h],
    custom: true,
    recompute: inner,
  });
  t.op({ key: "loss", layer: null, inputs: [out], output: "loss", elements: 1, custom: true });
  // kept: h (10). Backward: dout (20); the block reruns (y, then dh + dw: 11 more at once) and leaves
  // dh (unused: h is not trained) and dw: 31.
  const { peak, saved } = walkStep(t);
  assert.equal(saved, 10);
  assert.deepEqual(peak, {
    elements: 31,
    weightGradients: 0,
    working: 11,
    at: "backward: layer 0 checkpoint",
  });
});
