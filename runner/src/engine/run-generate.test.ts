import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { printableText } from "@tunelab/core";
import { useCpu } from "./backend.js";
import { loadBaseWithAdapter } from "./base-with-adapter.js";
import { generate } from "./generate.js";
import { type GenerateJob, type GenerationUpdate, runGenerate } from "./run-generate.js";
import { writePlaygroundFixtures } from "./test-kit.js";

before(useCpu);

let dir: string;
let fixtures: Awaited<ReturnType<typeof writePlaygroundFixtures>>;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "tunelab-playground-"));
  fixtures = await writePlaygroundFixtures(dir);
});
after(() => rm(dir, { recursive: true, force: true }));

const PROMPT = "Translate 'cat' ->";

/** What the engine gives for one column on a base loaded afresh for it (hA's loadBaseWithAdapter). */
async function freshText(
  adapter: { dir: string; method: Record<string, unknown> } | null,
  o: Parameters<typeof generate>[2],
) {
  const b = await loadBaseWithAdapter(fixtures.base, adapter?.dir ?? null, {
    method: adapter?.method as { method: string } & Record<string, unknown>,
  });
  try {
    const ids = [b.tokenizer.bos!, ...b.tokenizer.encode(PROMPT)];
    const out = generate(b.model, ids, { ...o, eos: b.tokenizer.eos, hooks: b.method.hooks });
    return { text: printableText(b.tokenizer.decode(out)), tokens: out.length };
  } finally {
    b.dispose();
  }
}

function jobOf(order: (number | null)[], sampling: GenerateJob["sampling"]): GenerateJob {
  return {
    base: fixtures.base,
    prompt: PROMPT,
    sampling,
    outputs: order.map((i) =>
      i === null
        ? { adapterId: null, dir: null }
        : { adapterId: `a${i}`, dir: fixtures.adapters[i]!.dir, method: fixtures.adapters[i]!.method },
    ),
  };
}

test("one base load, adapters applied in turn: each column equals a fresh load of its adapter, token by token", async () => {
  const sampling = { temperature: 0, topK: 0, maxTokens: 6, seed: 0 };
  const updates: GenerationUpdate[] = [];
  const before = tf.memory().numTensors;
  // the base alone between and after the adapters: a removed adapter leaves nothing behind
  const r = await runGenerate(jobOf([null, 0, 1, null, 2, null], sampling), {
    onUpdate: (u) => updates.push(u),
  });
  assert.equal(tf.memory().numTensors, before, "every tensor freed");
  const alone = await freshText(null, { maxNewTokens: 6 });
  const expected = [
    alone,
    ...(await Promise.all([0, 1].map((i) => freshText(fixtures.adapters[i]!, { maxNewTokens: 6 })))),
    alone,
  ];
  expected.push(await freshText(fixtures.adapters[2]!, { maxNewTokens: 6 }), alone);
  assert.deepEqual(
    r.outputs.map((o) => [o.text, o.tokenCount, o.done, o.error]),
    expected.map((e) => [e.text, e.tokens, true, null]),
  );
  // the adapters change the answer (else the comparison proves little)
  assert.ok(new Set(r.outputs.map((o) => o.text)).size >= 3, JSON.stringify(r.outputs.map((o) => o.text)));
  // streamed: the columns one after another, each one's token counts 1, 2, …, n, then one update marks it done
  const columns: GenerationUpdate[][] = [[]];
  for (const u of updates) {
    columns.at(-1)!.push(u);
    if (u.done) columns.push([]);
  }
  columns.pop();
  assert.deepEqual(
    columns.map((c) => c.map((u) => [u.adapterId, u.tokenCount, u.done])),
    r.outputs.map((o) => [
      ...Array.from({ length: o.tokenCount }, (_, k) => [o.adapterId, k + 1, false]),
      [o.adapterId, o.tokenCount, true],
    ]),
  );
  assert.equal(
    r.tokens,
    r.outputs.reduce((n, o) => n + o.tokenCount, 0),
  );
});

test("seeded sampling is reproducible and matches the engine's generate with the same settings", async () => {
  const sampling = { temperature: 1.2, topK: 8, maxTokens: 5, seed: 42 };
  const a = await runGenerate(jobOf([0, null], sampling));
  const b = await runGenerate(jobOf([0, null], sampling));
  assert.deepEqual(a.outputs, b.outputs);
  const o = { maxNewTokens: 5, temperature: 1.2, topK: 8, seed: 42 };
  assert.equal(a.outputs[0]!.text, (await freshText(fixtures.adapters[0]!, o)).text);
  assert.equal(a.outputs[1]!.text, (await freshText(null, o)).text);
});

test("a broken adapter folder is that column's error; the other columns still generate", async () => {
  const job = jobOf([0, null], { temperature: 0, topK: 0, maxTokens: 3, seed: 0 });
  job.outputs[0] = { adapterId: "gone", dir: join(dir, "no-such-adapter") };
  const r = await runGenerate(job);
  assert.equal(r.outputs[0]!.done, true);
  assert.match(r.outputs[0]!.error ?? "", /no-such-adapter/);
  assert.equal(r.outputs[1]!.error, null);
  assert.equal(r.outputs[1]!.tokenCount, 3);
});

test("an abort stops between tokens and says so", async () => {
  const controller = new AbortController();
  const r = await runGenerate(jobOf([null, 0], { temperature: 0, topK: 0, maxTokens: 20, seed: 0 }), {
    signal: controller.signal,
    onUpdate: (u) => {
      if (u.tokenCount === 2) controller.abort();
    },
  });
  assert.equal(r.cancelled, true);
  assert.equal(r.outputs.length, 1);
  assert.equal(r.outputs[0]!.tokenCount, 2);
});

test("a prompt outside the model's vocabulary is every column's error, named", async () => {
  // runner/reference's Qwen2 base has 32 tokens and no tokenizer files: the byte tokenizer's BOS is 256
  const job = jobOf([null], { temperature: 0, topK: 0, maxTokens: 3, seed: 0 });
  job.base = join(__dirname, "..", "..", "reference", "fixtures", "peft_lora", "base");
  const r = await runGenerate(job);
  assert.equal(r.outputs[0]!.done, true);
  assert.match(r.outputs[0]!.error ?? "", /token 256 is outside this model's vocabulary \(vocab_size 32\)/);
  assert.equal(r.tokens, 0);
});
