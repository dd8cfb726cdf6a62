import assert from "node:assert/strict";
import { test } from "node:test";
import { maxHeldEvents, SubscriberTooSlowError } from "./bounded-subscribe.js";
import { createEvents } from "./events.js";

test("a subscriber that stops taking events is ended when it falls behind; the process and the others go on", async () => {
  const uncaught: unknown[] = [];
  const onUncaught = (error: unknown) => uncaught.push(error);
  process.on("uncaughtException", onUncaught);
  try {
    const events = createEvents();
    const reader = events.subscribe("RUN_UPDATED");
    const stalled = events.subscribe("RUN_UPDATED");
    // each takes one event, then the stalled one never asks again (a socket that stopped draining)
    const readerFirst = reader.next();
    const stalledFirst = stalled.next();
    const total = maxHeldEvents + 200;
    const received: string[] = [];
    const reading = (async () => {
      received.push(((await readerFirst).value as { runId: string }).runId);
      while (received.length < total) received.push(((await reader.next()).value as { runId: string }).runId);
    })();
    for (let i = 0; i < total; i++) {
      events.publish("RUN_UPDATED", { runId: `r${i}`, experimentId: null });
      if (i % 100 === 0) await new Promise((r) => setImmediate(r)); // the reader keeps up
    }
    await reading;
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(uncaught, [], "nothing thrown out of publish");
    assert.equal(received.length, total);
    assert.equal(received.at(-1), `r${total - 1}`);
    // the stalled one gets what it was holding, then the reason it was ended; its listener is gone
    assert.equal(((await stalledFirst).value as { runId: string }).runId, "r0");
    let held = 0;
    await assert.rejects(async () => {
      for (;;) {
        const next = await stalled.next();
        if (next.done) return;
        held++;
      }
    }, SubscriberTooSlowError);
    assert.ok(held <= maxHeldEvents + 100, `held ${held} events`);
    assert.equal(events.listenerCount("RUN_UPDATED"), 1);
    await reader.return();
    assert.equal(events.listenerCount("RUN_UPDATED"), 0);
  } finally {
    process.off("uncaughtException", onUncaught);
  }
});

test("a burst published in one go is held for a subscriber that takes it afterwards, not ended", async () => {
  const events = createEvents();
  const reader = events.subscribe("RUN_UPDATED");
  const first = reader.next();
  // dispatch marking thousands of QUEUED runs publishes them in one synchronous loop
  for (let i = 0; i < 5_000; i++) events.publish("RUN_UPDATED", { runId: `r${i}`, experimentId: null });
  const ids = [((await first).value as { runId: string }).runId];
  while (ids.length < 5_000) ids.push(((await reader.next()).value as { runId: string }).runId);
  assert.equal(ids.at(-1), "r4999");
  assert.equal(events.listenerCount("RUN_UPDATED"), 1, "still subscribed");
  await reader.return();
});
