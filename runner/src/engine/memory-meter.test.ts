import assert from "node:assert/strict";
import { test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { liveBufferBytes, peakBufferBytes } from "./memory-meter.js";

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
