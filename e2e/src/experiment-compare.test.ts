// The whole path a user takes: create an experiment with three methods in the dashboard (live estimates
// checked against the API), a real runner trains them, the comparison updates live and shows the API's
// numbers, and its charts are drawn. Real server on PostgreSQL, real runner process, Chromium.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import type { Page } from "playwright-core";
import { openPage, screenshot, useApiKey } from "./support/browser.js";
import { TRANSLATION_ROWS } from "./support/datasets.js";
import { api, useStack } from "./support/stack.js";

const stack = useStack({ runners: ["e2e-trainer"] });
const GENERAL_ROWS = [
  "The cat sat on the mat.",
  "Rain fell all day.",
  "The river runs to the sea.",
  "Bread is baked.",
]
  .map((text) => JSON.stringify({ text }))
  .join("\n");

async function estimateFromApi(config: unknown, method: Record<string, unknown>) {
  const data = await api<{ estimate: { parameters: { trainable: number }; memory: { total: number } } }>(
    stack.server,
    `query($model: JSON!, $method: JSONObject!) {
      estimate(model: $model, method: $method, batchSize: 4, seqLen: 32, dtype: "float32", optimizer: "adamw",
               gradientCheckpointing: false) { parameters { trainable } memory { total } } }`,
    { model: config, method },
  );
  return data.estimate;
}

async function variantEstimate(page: Page, index: number) {
  const variant = page.getByTestId("variant").nth(index);
  const trainable = variant.getByTestId("estimate-trainable");
  await trainable.waitFor();
  return {
    trainable: Number(await trainable.getAttribute("data-value")),
    memory: Number(await variant.getByTestId("estimate-memory").getAttribute("data-value")),
  };
}

/** Whether a canvas has any pixel that is not white/transparent (the chart drew something). */
async function canvasesDrawn(page: Page): Promise<boolean[]> {
  return page.$$eval("[data-testid=chart] canvas", (canvases) =>
    canvases.map((c) => {
      const canvas = c as HTMLCanvasElement;
      const ctx = canvas.getContext("2d");
      if (!ctx) return false;
      const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3]! > 0 && (data[i]! < 200 || data[i + 1]! < 200 || data[i + 2]! < 200)) return true;
      }
      return false;
    }),
  );
}

test("create an experiment with live estimates, watch three methods train, compare against the API", async () => {
  const { server, browser } = stack;
  const datasets = await api<{ a: { id: string }; b: { id: string } }>(
    server,
    `mutation($ft: String!, $general: String!) {
      a: createDataset(input: { name: "toy translations", format: JSONL, content: $ft, evalFraction: 0.25 }) { id }
      b: createDataset(input: { name: "general text", format: JSONL, content: $general, evalFraction: 0 }) { id }
    }`,
    { ft: TRANSLATION_ROWS, general: GENERAL_ROWS },
  );
  const { context, page, consoleErrors } = await openPage(browser);
  await useApiKey(page, server.origin, server.adminKey);

  await page.goto(`${server.origin}/`);
  await page.getByText("No experiments yet").waitFor();
  await screenshot(page, "experiments-empty");

  await page.goto(`${server.origin}/experiments/new`);
  await page.getByLabel("Name", { exact: true }).fill("e2e: full vs LoRA vs prefix");
  // no dataset chosen for the person (the newest one is the forgetting set here)
  await page.locator("#exp-dataset option", { hasText: "general text" }).waitFor({ state: "attached" });
  assert.equal(await page.getByLabel("Dataset", { exact: true }).inputValue(), "");
  await page.getByLabel("Dataset", { exact: true }).selectOption(datasets.a.id);
  await page.getByLabel(/Forgetting set/).selectOption(datasets.b.id);
  await page.getByLabel("Or add a base model from a preset").selectOption("tunelab-nano");
  await page.getByRole("button", { name: "Add base model" }).click();
  await page.waitForFunction(() => (document.getElementById("exp-base") as HTMLSelectElement).value !== "");
  for (const [field, value] of [
    ["steps", "30"],
    ["batchSize", "4"],
    ["seqLen", "32"],
    ["evalEvery", "10"],
    ["learningRate", "0.005"],
  ] as const) {
    await page.locator(`#hp-${field}`).fill(value);
  }
  await page.getByLabel(/Sample prompts/).fill("Translate 'dog' to French ->");

  // The form starts with full and LoRA; their live estimates are the API's.
  const base = await api<{ baseModels: { edges: { node: { config: unknown } }[] } }>(
    server,
    "{ baseModels { edges { node { config } } } }",
  );
  const config = base.baseModels.edges[0]!.node.config;
  await page.waitForFunction(() => document.querySelectorAll("[data-testid=variant]").length === 2);
  const fullApi = await estimateFromApi(config, { method: "full" });
  await page.waitForFunction(
    (want) =>
      document
        .querySelector("[data-testid=variant] [data-testid=estimate-memory]")
        ?.getAttribute("data-value") === want,
    String(fullApi.memory.total),
  );
  assert.deepEqual(await variantEstimate(page, 0), {
    trainable: fullApi.parameters.trainable,
    memory: fullApi.memory.total,
  });
  const lora8 = await estimateFromApi(config, { method: "lora", r: 8 });
  const lora16 = await estimateFromApi(config, { method: "lora", r: 16 });
  assert.notEqual(lora8.parameters.trainable, lora16.parameters.trainable);
  const lora = page.getByTestId("variant").nth(1);
  await lora.getByLabel(/^r /).fill("16");
  await lora
    .getByTestId("estimate-trainable")
    .and(page.locator(`[data-value="${lora16.parameters.trainable}"]`))
    .waitFor();
  assert.deepEqual(await variantEstimate(page, 1), {
    trainable: lora16.parameters.trainable,
    memory: lora16.memory.total,
  });

  await page.getByLabel("Method to add").selectOption("prefix");
  await page.getByRole("button", { name: "Add method" }).click();
  const prefixApi = await estimateFromApi(config, { method: "prefix", num_virtual_tokens: 20 });
  await page.getByTestId("variant").nth(2).getByTestId("estimate-trainable").waitFor();
  assert.equal((await variantEstimate(page, 2)).trainable, prefixApi.parameters.trainable);
  await screenshot(page, "experiment-new");

  await page.getByRole("button", { name: "Create experiment (3 runs)" }).click();
  await page.waitForURL(/\/compare\?experiment=/);
  const experimentId = new URL(page.url()).searchParams.get("experiment")!;
  await page.getByTestId("compare-table").waitFor();
  await screenshot(page, "compare-queued");

  // Live: the page is not reloaded; statuses arrive through runUpdated, curves through metricsAppended. The
  // page read the metrics once when it loaded (none yet) and reads them again only when a run stops being
  // live; so points on a curve before the page shows any run finished came through the subscription.
  const live = await page.waitForFunction(
    () => {
      const rows = Array.from(document.querySelectorAll("[data-testid=compare-table] tbody tr[data-run-id]"));
      if (rows.some((row) => row.querySelector(".badge.SUCCEEDED, .badge.FAILED, .badge.CANCELLED")))
        return "missed";
      const chart = document.querySelector("[data-testid=chart]");
      const counts = new Map(
        (chart?.getAttribute("data-line-points") ?? "")
          .split(";")
          .filter(Boolean)
          .map((kv) => [kv.split("=")[0], Number(kv.split("=")[1])] as const),
      );
      const growing = Array.from(counts.values()).some((n) => n > 0);
      return growing ? "seen" : false;
    },
    undefined,
    { timeout: 600_000, polling: "raf" },
  );
  assert.equal(
    await live.jsonValue(),
    "seen",
    "a training run's curve grew on the page before any run finished",
  );
  await page.waitForFunction(
    () =>
      document.querySelectorAll("[data-testid=compare-table] tbody tr[data-run-id] .badge.SUCCEEDED")
        .length === 3,
    undefined,
    { timeout: 600_000, polling: 1000 },
  );
  await page.waitForFunction(
    () =>
      Array.from(document.querySelectorAll("[data-testid=chart]")).every(
        (c) => c.getAttribute("data-rendered") === "true" && c.getAttribute("data-series") === "3",
      ),
    undefined,
    { timeout: 30_000 },
  );

  type Cmp = {
    runId: string;
    name: string;
    trainableParams: number;
    predictedTotalBytes: number;
    measuredPeakBytes: number | null;
    finalTrainLoss: number | null;
    bestEvalLoss: number | null;
    tokensPerSecond: number | null;
    durationMs: number | null;
    forgettingDelta: number | null;
  };
  const truth = await api<{ compare: Cmp[] }>(
    server,
    `query($id: ID!) { compare(experimentId: $id) { runId name trainableParams predictedTotalBytes measuredPeakBytes
      finalTrainLoss bestEvalLoss tokensPerSecond durationMs forgettingDelta } }`,
    { id: experimentId },
  );
  assert.equal(truth.compare.length, 3);
  for (const run of truth.compare) {
    const row = page.locator(`tr[data-run-id="${run.runId}"]`);
    const cell = async (col: string) => row.locator(`td[data-col="${col}"]`).getAttribute("data-value");
    assert.equal(await cell("trainableParams"), String(run.trainableParams), run.name);
    assert.equal(await cell("memory"), `${run.predictedTotalBytes}/${run.measuredPeakBytes ?? ""}`, run.name);
    for (const key of [
      "finalTrainLoss",
      "bestEvalLoss",
      "tokensPerSecond",
      "durationMs",
      "forgettingDelta",
    ] as const) {
      assert.equal(await cell(key), run[key] == null ? "" : String(run[key]), `${run.name} ${key}`);
    }
    assert.ok(run.finalTrainLoss != null && run.measuredPeakBytes != null, `${run.name} has results`);
  }
  const points = await page.$$eval("[data-testid=chart]", (charts) =>
    charts.map((c) => Number(c.getAttribute("data-points"))),
  );
  assert.ok(
    points.every((n) => n > 0),
    `points per chart: ${points}`,
  );
  assert.deepEqual(await canvasesDrawn(page), [true, true]);
  await screenshot(page, "compare");

  // CSV export: the file the button saves is the server's export of this experiment.
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Export CSV" }).click(),
  ]);
  const saved = await readFile((await download.path())!, "utf8");
  const direct = await fetch(`${server.origin}/export/compare.csv?experimentId=${experimentId}`, {
    headers: { authorization: `Bearer ${server.adminKey}` },
  });
  assert.equal(direct.status, 200);
  assert.equal(saved, await direct.text());
  assert.equal(saved.trim().split("\n").length, 4, "a header and three runs");
  assert.equal(download.suggestedFilename(), `compare-${experimentId}.csv`);

  // View state lives in the URL: sort, log y, wall-clock x survive a reload.
  await page.getByRole("button", { name: "Trainable params" }).click();
  await page.getByLabel("log y").check();
  await page.getByLabel("x axis").selectOption("time");
  await page.waitForURL(/logy=1/);
  await page.waitForURL(/x=time/);
  await page.reload();
  await page.getByTestId("compare-table").waitFor();
  assert.equal(await page.getByLabel("log y").isChecked(), true);
  assert.equal(await page.getByLabel("x axis").inputValue(), "time");
  const order = await page.$$eval("[data-testid=compare-table] td[data-col=trainableParams]", (cells) =>
    cells.map((c) => Number(c.getAttribute("data-value"))),
  );
  assert.deepEqual(
    order,
    order.slice().sort((a, b) => a - b),
  );
  await page.waitForFunction(() =>
    Array.from(document.querySelectorAll("[data-testid=chart]")).every(
      (c) => c.getAttribute("data-rendered") === "true",
    ),
  );
  await screenshot(page, "compare-log-time");

  // Run page: status history to SUCCEEDED, the adapter to download.
  const prefixRun = truth.compare.find((r) => r.name === "prefix")!;
  await page.goto(`${server.origin}/run?id=${prefixRun.runId}`);
  await page.getByRole("table", { name: "Status history" }).getByText("succeeded").first().waitFor();
  await page.getByRole("button", { name: /^Download adapter_config\.json/ }).waitFor();
  await screenshot(page, "run");

  await page.goto(`${server.origin}/`);
  await page.getByTestId("status-counts").filter({ hasText: "succeeded 3" }).waitFor();
  await screenshot(page, "experiments");
  assert.deepEqual(consoleErrors, []);
  await context.close();
});
