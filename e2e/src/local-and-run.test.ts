// The embedded default (PGlite): the dashboard opened from this machine works with no step (the server's
// local admin key), and the run page cancels and retries a run.
import assert from "node:assert/strict";
import { test } from "node:test";
import { openPage, screenshot } from "./support/browser.js";
import { api, useStack } from "./support/stack.js";

const stack = useStack({ driver: "pglite" });

test("PGlite: a browser on this machine gets the local admin key without pasting anything", async () => {
  const { context, page } = await openPage(stack.browser);
  // Same machine, by a loopback name: the dashboard asks GET /api/local-key and stores the key.
  const origin = stack.server.origin.replace("127.0.0.1", "localhost");
  await page.goto(`${origin}/datasets`);
  await page.getByText("No datasets yet").waitFor();
  assert.equal(
    await page.evaluate(() => window.localStorage.getItem("tunelab.apiKey")),
    stack.server.adminKey,
  );
  await page.goto(`${origin}/api-keys`);
  assert.equal(
    await page.getByTestId("current-key-hint").innerText(),
    `${stack.server.adminKey.slice(0, 8)}…`,
  );
  await context.close();
});

test("run page: cancel a queued run, then retry it", async () => {
  const made = await api<{ d: { id: string }; b: { id: string } }>(
    stack.server,
    `mutation {
      d: createDataset(input: { name: "tiny", format: JSONL, content: "{\\"text\\": \\"a b c\\"}\\n{\\"text\\": \\"d e f\\"}" }) { id }
      b: createBaseModel(input: { name: "nano", preset: "tunelab-nano" }) { id }
    }`,
  );
  const exp = await api<{ createExperiment: { runs: { id: string }[] } }>(
    stack.server,
    `mutation($d: ID!, $b: ID!) { createExperiment(input: { name: "to cancel", datasetId: $d, baseModelId: $b,
      hyperparameters: { steps: 50, learningRate: 0.001, batchSize: 2, seqLen: 16 },
      variants: [{ method: { method: "lora" } }] }) { runs { id } } }`,
    { d: made.d.id, b: made.b.id },
  );
  const runId = exp.createExperiment.runs[0]!.id;
  const { context, page } = await openPage(stack.browser);
  await page.goto(`${stack.server.origin.replace("127.0.0.1", "localhost")}/run?id=${runId}`);
  await page.getByRole("heading", { name: /lora/ }).locator(".badge.QUEUED").waitFor();
  await page.getByRole("button", { name: "Cancel run" }).click();
  // The page follows the run through runUpdated: no reload.
  await page.getByRole("heading", { name: /lora/ }).locator(".badge.CANCELLED").waitFor();
  const after1 = await api<{ run: { status: string; cancelReason: string } }>(
    stack.server,
    "query($id: ID!) { run(id: $id) { status cancelReason } }",
    { id: runId },
  );
  assert.deepEqual(after1.run, { status: "CANCELLED", cancelReason: "cancelled from the dashboard" });
  await screenshot(page, "run-cancelled");
  await page.getByRole("button", { name: "Retry run" }).click();
  await page.getByRole("heading", { name: /lora/ }).locator(".badge.QUEUED").waitFor();
  const history = page.getByRole("table", { name: "Status history" }).locator("tbody tr");
  assert.ok((await history.count()) >= 3, "queued → cancelled → queued");
  await context.close();
});

test("the GraphQL IDE at /graphql starts with the local key and an example query that answers", async () => {
  const { context, page } = await openPage(stack.browser);
  const origin = stack.server.origin.replace("127.0.0.1", "localhost");
  await page.goto(`${origin}/graphql`, { waitUntil: "domcontentloaded" });
  await page.locator(".graphiql-container").waitFor();
  await page.getByRole("button", { name: /Execute query/ }).click();
  const response = page.locator(".graphiql-response");
  // PEFT's line for LoRA r=16 on every linear of Llama-3-8B, answered with the prefilled Authorization header.
  await response.getByText(/trainable params: 41,943,040 \|\| all params: 8,072,204,288/).waitFor();
  const text = await response.innerText();
  assert.match(text, /"totalCount": \d+/, "the datasets part answered: the key was sent");
  assert.doesNotMatch(text, /UNAUTHENTICATED/);
  await screenshot(page, "graphql-ide");
  await context.close();
});
