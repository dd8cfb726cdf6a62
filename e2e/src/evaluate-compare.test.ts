// evaluateAdapters on the comparison page: a LoRA run trains on a real runner, its adapter is evaluated
// (with the base alone as the reference), and the evaluation's comparison says what each row is — the base
// alone, the adapter evaluated rather than trained — with the eval loss filled in and a link to the adapter.
// Real server on PostgreSQL, a real runner, Chromium.
import assert from "node:assert/strict";
import { test } from "node:test";
import { openPage, screenshot, useApiKey } from "./support/browser.js";
import { api, useStack, waitForRuns } from "./support/stack.js";

const stack = useStack({ runners: ["e2e-evaluator"] });

test("an evaluation's comparison: the base alone and the evaluated adapter, said as such, with eval losses", async () => {
  const { server, browser } = stack;
  const made = await api<{ d: { id: string }; b: { id: string } }>(
    server,
    `mutation($c: String!) {
      d: createDataset(input: { name: "toy", format: JSONL, content: $c, evalFraction: 0.25 }) { id }
      b: createBaseModel(input: { name: "nano", preset: "tunelab-nano" }) { id }
    }`,
    { c: ["a b c", "d e f", "g h i", "j k l"].map((text) => JSON.stringify({ text })).join("\n") },
  );
  const trained = await api<{ createExperiment: { id: string } }>(
    server,
    `mutation($d: ID!, $b: ID!) { createExperiment(input: { name: "e2e: train", datasetId: $d, baseModelId: $b,
      hyperparameters: { steps: 4, learningRate: 0.001, batchSize: 2, seqLen: 16 },
      variants: [{ method: { method: "lora", r: 4 } }] }) { id } }`,
    { d: made.d.id, b: made.b.id },
  );
  const [run] = await waitForRuns(stack, trained.createExperiment.id);
  const { run: withAdapter } = await api<{ run: { adapter: { id: string } } }>(
    server,
    "query($id: ID!) { run(id: $id) { adapter { id } } }",
    { id: run!.id },
  );
  const { evaluateAdapters: evaluation } = await api<{ evaluateAdapters: { id: string; name: string } }>(
    server,
    `mutation($a: ID!, $d: ID!) { evaluateAdapters(input: { adapterIds: [$a], datasetId: $d, seqLen: 16 }) {
      id name } }`,
    { a: withAdapter.adapter.id, d: made.d.id },
  );
  assert.equal(evaluation.name, "Evaluate 1 adapter on toy");
  await waitForRuns(stack, evaluation.id);

  const { context, page, consoleErrors } = await openPage(browser);
  await useApiKey(page, server.origin, server.adminKey);
  await page.goto(`${server.origin}/compare?experiment=${evaluation.id}`);
  await page.getByText("(base model alone, evaluated)").waitFor();
  await page.getByText("(evaluated, not trained here)").waitFor();
  const link = page.getByRole("link", { name: /^Adapter evaluated by lora from / });
  await link.waitFor();
  assert.equal(await link.getAttribute("href"), `/adapter?id=${withAdapter.adapter.id}`);
  const { compare } = await api<{ compare: { name: string; bestEvalLoss: number | null }[] }>(
    server,
    "query($id: ID!) { compare(experimentId: $id) { name bestEvalLoss } }",
    { id: evaluation.id },
  );
  for (const row of compare)
    assert.ok(row.bestEvalLoss !== null && Number.isFinite(row.bestEvalLoss), row.name);
  await screenshot(page, "evaluation-compare");
  assert.deepEqual(consoleErrors, []);
  await context.close();
});
