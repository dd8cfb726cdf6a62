// The GraphQL IDE's prefilled query is a new user's first answer: it must run as written and say something
// plausible (LoRA on Llama-3-8B fitting one 24 GiB GPU), not a startling figure from an unusual setup.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { startTestServer } from "../testing/test-server.js";

const source = readFileSync(join(__dirname, "..", "..", "ide", "main.js"), "utf8");
const example = /const EXAMPLE = `([^`]*)`/.exec(source)?.[1];

test("the IDE's example query runs as written and estimates LoRA on Llama-3-8B within one 24 GiB GPU", async () => {
  assert.ok(example, "server/ide/main.js defines EXAMPLE");
  const server = await startTestServer("pglite");
  try {
    const res = await server.gql<{ estimate: { memory: { total: number } } }>(example);
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    const total = res.data!.estimate.memory.total;
    assert.ok(total > 8 * 1024 ** 3 && total < 24 * 1024 ** 3, `${(total / 1024 ** 3).toFixed(1)} GiB`);
  } finally {
    await server.close();
  }
});
