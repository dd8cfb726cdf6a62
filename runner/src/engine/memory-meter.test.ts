import assert from "node:assert/strict";
import { test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { buffersAtPeak, liveBufferBytes, peakBufferBytes } from "./memory-meter.js";

test("the meter counts a shared buffer once and sees the peak inside a function", () => {
  const start = liveBufferBytes();
  const a = tf.zeros([1000]); // 4,000 bytes
  const views = [a.clone(), tf.reshape(a, [10, 100]), tf.variable(a, false)]; // the same buffer
  assert.equal(liveBufferBytes() - start, 4000);
  assert.ok(tf.memory().numBytes - start >= 16_000, "tfjs's own figure counts each handle");
  const peak = peakBufferBytes(() => {
    const b = tf.ones([2000]); // +8,000
    const c = tf.add(b, b); // +8,000
    tf.dispose([b, c]);
    tf.dispose(tf.ones([500])); // +2,000 after the others were freed: not a new peak
  });
  assert.equal(peak - start, 4000 + 16_000);
  tf.dispose([a, ...views]);
  assert.equal(liveBufferBytes(), start);
});

test("buffersAtPeak names the buffers alive at the peak, not those before or after it", () => {
  const start = liveBufferBytes();
  const kept = tf.zeros([100]); // 400 bytes, alive throughout
  const freedEarly = tf.zeros([50]); // 200 bytes, freed before the peak
  let atPeak: tf.Tensor | undefined;
  const { peak, alive } = buffersAtPeak(() => {
    freedEarly.dispose();
    atPeak = tf.ones([1000]); // 4,000 bytes: the peak
    const other = tf.ones([10]); // 40 more
    tf.dispose([atPeak, other]);
    tf.dispose(tf.ones([200])); // 800, after the peak
  });
  const id = (t: tf.Tensor) => (t as unknown as { dataId: object }).dataId;
  assert.equal(peak - start, 400 + 4000 + 40);
  assert.equal(alive.get(id(kept)), 400);
  assert.equal(alive.get(id(atPeak!)), 4000);
  assert.equal(alive.has(id(freedEarly)), false);
  assert.equal(
    [...alive.values()].reduce((a, b) => a + b, 0),
    peak,
    "the buffers alive sum to the peak",
  );
  kept.dispose();
});
