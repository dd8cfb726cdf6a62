import assert from "node:assert/strict";
import { test } from "node:test";
import { distinctResults } from "./distinct-results.js";

/** A source that yields what is pushed and records whether it was told to stop. */
function pushSource<T>() {
  const waiting: ((r: IteratorResult<T>) => void)[] = [];
  const state = { returned: false };
  const it: AsyncIterableIterator<T> = {
    next: () => new Promise((resolve) => waiting.push(resolve)),
    return: async () => {
      state.returned = true;
      for (const resolve of waiting.splice(0)) resolve({ done: true, value: undefined });
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return { it, state, push: (value: T) => waiting.shift()?.({ done: false, value }) };
}

test("distinctResults drops an answer equal to the one before it, keeps later changes", async () => {
  const source = pushSource<{ status: string }>();
  const distinct = distinctResults(source.it);
  const first = distinct.next();
  source.push({ status: "RUNNING" });
  assert.deepEqual((await first).value, { status: "RUNNING" });
  const second = distinct.next();
  source.push({ status: "RUNNING" });
  await new Promise((r) => setImmediate(r));
  source.push({ status: "SUCCEEDED" });
  assert.deepEqual((await second).value, { status: "SUCCEEDED" });
});

test("unsubscribing while an answer is awaited stops the source at once (no event needed)", async () => {
  const source = pushSource<number>();
  const distinct = distinctResults(source.it);
  const pending = distinct.next();
  await distinct.return?.();
  assert.equal(source.state.returned, true, "the source's listeners are released");
  assert.equal((await pending).done, true);
});
