// The "Will it fit?" page against a real server on PostgreSQL, in Chromium: its numbers are `estimate`'s, and
// picking a GPU size or a registered runner sets the budget.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Page } from "playwright-core";
import { openPage, screenshot, useApiKey } from "./support/browser.js";
import { api, useStack } from "./support/stack.js";

const GiB = 1024 ** 3;

const stack = useStack();

interface ShownCell {
  method: string;
  checkpointing: boolean;
  batchSize: number;
  seqLen: number;
  peakBytes: number;
  text: string;
  fits: boolean;
}

/** Every grid cell on the page, with the method and checkpointing setting of the table it is in. */
function shownCells(page: Page): Promise<ShownCell[]> {
  return page.locator('[data-testid="fit-cell"]').evaluateAll((cells) =>
    cells.map((td) => {
      const cell = td as HTMLElement;
      return {
        method: cell.closest("[data-method]")!.getAttribute("data-method")!,
        checkpointing: cell.closest("table")!.getAttribute("data-checkpointing") === "true",
        batchSize: Number(cell.dataset.batch),
        seqLen: Number(cell.dataset.seqlen),
        peakBytes: Number(cell.dataset.value),
        text: cell.innerText,
        fits: cell.classList.contains("fit-yes"),
      };
    }),
  );
}

/** `estimate`'s memory.total for each cell, asked over GraphQL (fifty aliases per request). */
async function estimateTotals(model: unknown, cells: ShownCell[], dtype: string): Promise<number[]> {
  const totals: number[] = [];
  for (let start = 0; start < cells.length; start += 50) {
    const chunk = cells.slice(start, start + 50);
    const fields = chunk
      .map(
        (c, i) =>
          `e${i}: estimate(model: $model, method: { method: "${c.method}" }, batchSize: ${c.batchSize}, seqLen: ${c.seqLen}, dtype: "${c.method === "full" ? "float32" : dtype}", gradientCheckpointing: ${c.checkpointing}) { memory { total } }`,
      )
      .join("\n");
    const data = await api<Record<string, { memory: { total: number } }>>(
      stack.server,
      `query($model: JSON!) { ${fields} }`,
      { model },
    );
    totals.push(...chunk.map((_, i) => data[`e${i}`]!.memory.total));
  }
  return totals;
}

/** The page's cells equal `estimate`, say "fits" exactly when within the budget, and show the GiB figure. */
async function assertCellsEqualEstimate(page: Page, model: unknown, budgetBytes: number, dtype = "float32") {
  const cells = await shownCells(page);
  assert.ok(cells.length > 0, "the grid shows cells");
  const totals = await estimateTotals(model, cells, dtype);
  cells.forEach((c, i) => {
    const where = `${c.method} ckpt=${c.checkpointing} batch=${c.batchSize} seqLen=${c.seqLen}`;
    assert.equal(c.peakBytes, totals[i], where);
    assert.equal(c.fits, totals[i]! <= budgetBytes, `${where}: fits`);
    assert.match(c.text, c.fits ? /fits/ : /too big/, where);
    const g = totals[i]! / GiB;
    assert.ok(c.text.includes(g >= 100 ? g.toFixed(0) : g >= 10 ? g.toFixed(1) : g.toFixed(2)), where);
  });
  return cells;
}

/**
 * Waits until the answer on the page is for what the controls say now (the query is debounced, and a fit
 * of every method is a few hundred estimates: minutes on a loaded CI machine), and is for this budget.
 */
async function waitForAnswer(page: Page, budgetBytes: number) {
  const settled = page.locator('[data-testid="fit-answer"][aria-busy="false"]');
  await settled
    .locator(`[data-testid="fit-budget"][data-value="${budgetBytes}"]`)
    .waitFor({ timeout: 180_000 });
}

test("the fit page's numbers equal estimate; a GPU size and a runner set the budget", async () => {
  const base = await api<{ createBaseModel: { id: string; config: Record<string, unknown> } }>(
    stack.server,
    `mutation { createBaseModel(input: { name: "small-for-fit", preset: "tunelab-small" }) { id config } }`,
  );
  const token = await api<{ createRegistrationToken: { token: string } }>(
    stack.server,
    "mutation { createRegistrationToken(input: {}) { token } }",
  );
  const runnerBytes = 6 * GiB;
  const registered = await api<{ registerRunner: { runnerId: string } }>(
    stack.server,
    `mutation($input: RegisterRunnerInput!) { registerRunner(input: $input) { runnerId } }`,
    {
      input: {
        token: token.createRegistrationToken.token,
        name: "fit-gpu-box",
        backend: "tfjs-node-gpu",
        devices: [
          { name: "NVIDIA RTX A2000", memoryBytes: runnerBytes },
          { name: "cpu", memoryBytes: 2 * GiB },
        ],
      },
    },
  );

  const { page, consoleErrors } = await openPage(stack.browser);
  await useApiKey(page, stack.server.origin, stack.server.adminKey);
  await page.goto(`${stack.server.origin}/`);
  await page.getByRole("link", { name: "Will it fit?" }).click();
  await page.getByRole("heading", { name: "Will it fit?" }).waitFor();

  // The default: Llama-3-8B with bfloat16 frozen weights, every method, against 24 GiB.
  await waitForAnswer(page, 24 * GiB);
  assert.match(await page.getByTestId("fit-budget").innerText(), /Tunelab's engine/);
  const first = await assertCellsEqualEstimate(page, "Llama-3-8B", 24 * GiB, "bfloat16");
  assert.equal(new Set(first.map((c) => c.method)).size, 8, "every method");
  assert.ok(first.some((c) => c.fits) && first.some((c) => !c.fits), "24 GiB splits Llama-3-8B's grid");
  await screenshot(page, "fit-llama-3-8b-24gib");

  // Picking a GPU size sets the budget field and the answer.
  await page.getByLabel("Or a common GPU").selectOption("A100 80 GB");
  assert.equal(await page.getByLabel("Budget in GiB").inputValue(), "80");
  await waitForAnswer(page, 80 * GiB);
  await assertCellsEqualEstimate(page, "Llama-3-8B", 80 * GiB, "bfloat16");

  // Picking a runner: its largest device is the budget, and the answer says where the budget came from.
  await page
    .getByLabel("Or a registered runner's largest device")
    .selectOption(registered.registerRunner.runnerId);
  assert.equal(await page.getByLabel("Budget in GiB").inputValue(), "6");
  assert.equal(await page.getByLabel("Or a common GPU").inputValue(), "", "the GPU choice is cleared");
  await waitForAnswer(page, runnerBytes);
  assert.match(await page.getByTestId("fit-budget").innerText(), /runner fit-gpu-box: NVIDIA RTX A2000/);

  // A registered base model, a smaller grid and a 16-bit dtype: still estimate's numbers.
  await page.getByLabel("A registered base model").check();
  await page.getByLabel("Base model", { exact: true }).selectOption({ label: "small-for-fit" });
  await page.getByLabel("Batch sizes").fill("1, 8, 128");
  await page.getByLabel("Frozen weights").selectOption("float16");
  await waitForAnswer(page, runnerBytes);
  assert.match(await page.getByTestId("fit-budget").innerText(), /^small-for-fit against/);
  const cells = await assertCellsEqualEstimate(page, base.createBaseModel.config, runnerBytes, "float16");
  assert.deepEqual([...new Set(cells.map((c) => c.batchSize))], [1, 8, 128]);

  // Typing a budget replaces the runner's.
  await page.getByLabel("Budget in GiB").fill("0.05");
  await waitForAnswer(page, Math.round(0.05 * GiB));
  const small = await assertCellsEqualEstimate(
    page,
    base.createBaseModel.config,
    Math.round(0.05 * GiB),
    "float16",
  );
  assert.equal(await page.getByLabel("Or a registered runner's largest device").inputValue(), "");
  // The largest batch shown is the boundary: it fits and the one above it does not (estimate's numbers).
  const largest = await page
    .locator('[data-method="lora"] table[data-checkpointing="false"] [data-testid="fit-largest"]')
    .first();
  const shown = Number(await largest.getAttribute("data-value"));
  const seqLen = Number(await largest.getAttribute("data-seqlen"));
  assert.ok(shown >= 1, `lora's largest batch at ${seqLen} tokens: ${shown}`);
  const boundary = await estimateTotals(
    base.createBaseModel.config,
    [shown, shown + 1].map((batchSize) => ({
      ...small[0]!,
      method: "lora",
      checkpointing: false,
      batchSize,
      seqLen,
    })),
    "float16",
  );
  assert.ok(
    boundary[0]! <= Math.round(0.05 * GiB) && boundary[1]! > Math.round(0.05 * GiB),
    String(boundary),
  );
  await screenshot(page, "fit-base-model");

  // A pasted config.json: not JSON is said on the page; a bad field is the server's error naming it; a good
  // one answers with estimate's numbers for that config.
  await page.getByLabel("A config.json").check();
  const configBox = page.getByLabel(/^config\.json/);
  await configBox.fill("{ not json");
  await page.getByText("The config.json is not JSON").waitFor();
  const tiny = {
    ...base.createBaseModel.config,
    num_hidden_layers: 3,
    hidden_size: 96,
    intermediate_size: 256,
  };
  await configBox.fill(JSON.stringify({ ...tiny, hidden_size: -96 }));
  const alert = page.getByRole("alert").filter({ hasText: "Cannot predict" });
  await alert.waitFor();
  assert.match(await alert.innerText(), /field model\.hidden_size/);
  await configBox.fill(JSON.stringify(tiny));
  await waitForAnswer(page, Math.round(0.05 * GiB));
  assert.match(await page.getByTestId("fit-budget").innerText(), /^The pasted model against/);
  await assertCellsEqualEstimate(page, tiny, Math.round(0.05 * GiB), "float16");
  assert.deepEqual(consoleErrors, []);
});

test("the new-experiment form's estimate panel links to the fit page for its base model", async () => {
  const { page } = await openPage(stack.browser);
  await useApiKey(page, stack.server.origin, stack.server.adminKey);
  await page.goto(`${stack.server.origin}/experiments/new`);
  const link = page.getByRole("link", { name: /Will it fit\? Every batch size/ }).first();
  await link.waitFor();
  await link.click();
  await page.getByRole("heading", { name: "Will it fit?" }).waitFor();
  assert.equal(await page.getByLabel("A registered base model").isChecked(), true);
  await page.locator('[data-testid="fit-answer"][aria-busy="false"]').waitFor({ timeout: 180_000 });
  assert.match(await page.getByTestId("fit-budget").innerText(), /^small-for-fit against/);
  // The link carries the variant's method: the page answers for it alone.
  const methods = await page
    .locator("[data-method]")
    .evaluateAll((s) => s.map((e) => e.getAttribute("data-method")));
  assert.equal(methods.length, 1);
});
