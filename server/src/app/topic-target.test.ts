import assert from "node:assert/strict";
import { test } from "node:test";
import { createEvents } from "./events.js";

test("a topic's many subscribers each get every event, print no warning and leave no listener", async () => {
  const warnings: Error[] = [];
  const onWarning = (w: Error) => warnings.push(w);
  process.on("warning", onWarning);
  try {
    const events = createEvents();
    const subscriptions = Array.from({ length: 50 }, () => events.subscribe("RUN_UPDATED"));
    const firsts = subscriptions.map((s) => s.next());
    assert.equal(events.listenerCount("RUN_UPDATED"), 50);
    assert.equal(events.listenerCount("JOBS_WAKE"), 0);
    events.publish("RUN_UPDATED", { runId: "r", experimentId: null });
    for (const first of await Promise.all(firsts))
      assert.deepEqual(first, { done: false, value: { runId: "r", experimentId: null } });
    await Promise.all(subscriptions.map((s) => s.return()));
    assert.equal(events.listenerCount("RUN_UPDATED"), 0);
    await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
    assert.deepEqual(warnings, []);
  } finally {
    process.off("warning", onWarning);
  }
});
