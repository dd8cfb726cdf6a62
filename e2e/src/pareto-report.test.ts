// The Pareto view and the shareable report, end to end: a real runner trains four methods, the comparison
// page's scatter shows the points and the frontier the `pareto` query returns, a typed budget names the run
// the API names, and the downloaded HTML report, opened from a file:// URL, shows the API's numbers without
// a single network request. Real server on PostgreSQL, real runner process, Chromium.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { after, test } from "node:test";
import type { Page } from "playwright-core";
import { openPage, screenshot, useApiKey } from "./support/browser.js";
import { TRANSLATION_ROWS } from "./support/datasets.js";
import { api, useStack, waitForRuns } from "./support/stack.js";

const stack = useStack({ runners: ["e2e-pareto"] });
const downloads = mkdtempSync(join(tmpdir(), "tunelab-e2e-report-"));
after(() => rmSync(downloads, { recursive: true, force: true }));

interface Point {
  runId: string;
  name: string;
  method: string;
  x: number;
  y: number;
  onFrontier: boolean;
}
interface View {
  points: Point[];
  frontier: Point[];
  best: Point | null;
  bestReason: string | null;
}

const paretoQuery = `query($e: ID!, $q: ParetoQuality!, $c: ParetoCost!, $b: Float) {
  pareto(experimentId: $e, quality: $q, cost: $c, budget: $b) {
    points { runId name method x y onFrontier } frontier { runId name method x y onFrontier }
    best { runId name method x y onFrontier } bestReason } }`;

/** What a page's (or the report's) scatter draws: its points and the frontier's order. */
async function drawn(page: Page) {
  const chart = page.getByTestId("pareto-chart");
  await chart.waitFor();
  const points = await chart.locator("circle").evaluateAll((cs) =>
    cs.map((c) => ({
      runId: c.getAttribute("data-run-id")!,
      x: Number(c.getAttribute("data-x")),
      y: Number(c.getAttribute("data-y")),
      onFrontier: c.getAttribute("data-frontier") === "true",
    })),
  );
  const frontier = ((await chart.getAttribute("data-frontier")) ?? "").split(",").filter(Boolean);
  return { points, frontier };
}

const asDrawn = (v: View) => ({
  points: v.points.map(({ runId, x, y, onFrontier }) => ({ runId, x, y, onFrontier })),
  frontier: v.frontier.map((p) => p.runId),
});

test("the Pareto chart and budget answer equal the API; the HTML report opens offline with the same numbers", async () => {
  const { server, browser } = stack;
  const { dataset, base } = await api<{ dataset: { id: string }; base: { id: string } }>(
    server,
    `mutation($rows: String!) {
      dataset: createDataset(input: { name: "toy translations", format: JSONL, content: $rows, evalFraction: 0.25 }) { id }
      base: createBaseModel(input: { name: "nano", preset: "tunelab-nano" }) { id }
    }`,
    { rows: TRANSLATION_ROWS },
  );
  const created = await api<{ createExperiment: { id: string } }>(
    server,
    `mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { id } }`,
    {
      input: {
        name: "e2e: pareto",
        datasetId: dataset.id,
        baseModelId: base.id,
        hyperparameters: {
          steps: 20,
          learningRate: 0.005,
          batchSize: 4,
          seqLen: 32,
          evalEvery: 10,
          samplePrompts: ["Translate 'dog' to French ->"],
        },
        variants: [
          { name: "full", method: { method: "full" } },
          { name: "lora-r2", method: { method: "lora", r: 2 } },
          { name: "lora-r16", method: { method: "lora", r: 16 } },
          { name: "prefix", method: { method: "prefix", num_virtual_tokens: 8 } },
        ],
      },
    },
  );
  const experimentId = created.createExperiment.id;
  await waitForRuns(stack, experimentId);

  const pareto = async (q: string, c: string, b: number | null = null) =>
    (await api<{ pareto: View }>(server, paretoQuery, { e: experimentId, q, c, b })).pareto;
  const memory = await pareto("FINAL_EVAL_LOSS", "PEAK_MEMORY");
  assert.equal(memory.points.length, 4, "every trained run has a measured peak and an eval loss");
  assert.ok(memory.frontier.length >= 1);

  const { context, page, consoleErrors } = await openPage(browser, { height: 1400 });
  await useApiKey(page, server.origin, server.adminKey);
  await page.goto(`${server.origin}/compare?experiment=${experimentId}`);
  await page.waitForFunction(
    () => document.querySelectorAll("[data-testid=pareto-chart] circle").length === 4,
  );
  assert.deepEqual(await drawn(page), asDrawn(memory));

  // A budget between the cheapest frontier point and the next: the cheapest one is the answer (or, with one
  // point on the frontier, exactly its cost).
  const [cheapest, next] = memory.frontier;
  const budget = next ? Math.floor((cheapest!.x + next.x) / 2) : cheapest!.x;
  const answer = await pareto("FINAL_EVAL_LOSS", "PEAK_MEMORY", budget);
  assert.equal(answer.best?.runId, cheapest!.runId);
  await page.getByLabel("Measured peak memory budget").fill(`${budget} B`);
  const best = page.getByTestId("pareto-best");
  await page.waitForFunction(
    (id) => document.querySelector("[data-testid=pareto-best]")?.getAttribute("data-run-id") === id,
    answer.best!.runId,
  );
  assert.match((await best.textContent()) ?? "", new RegExp(`: ${answer.best!.name} \\(`));
  assert.equal(await page.getByTestId("pareto-chart").getAttribute("data-best"), answer.best!.runId);
  await page.waitForURL(/budget=/);
  await screenshot(page, "pareto-budget");

  // A budget below every run says why nothing fits, in the API's words.
  const tooSmall = Math.floor(Math.min(...memory.points.map((p) => p.x)) / 2);
  await page.getByLabel("Measured peak memory budget").fill(`${tooSmall} B`);
  const none = await pareto("FINAL_EVAL_LOSS", "PEAK_MEMORY", tooSmall);
  await best.filter({ hasText: none.bestReason! }).waitFor();

  // Another pair of axes, tokens/s (more is better): the chart still draws what the API answers.
  await page.getByLabel("Cost", { exact: true }).selectOption("tokensPerSecond");
  await page.getByLabel("Quality", { exact: true }).selectOption("bestEvalLoss");
  await page.waitForURL(/pc=tokensPerSecond/);
  const speed = await pareto("BEST_EVAL_LOSS", "TOKENS_PER_SECOND");
  await page.waitForFunction(
    (want) => document.querySelector("[data-testid=pareto-chart]")?.getAttribute("data-frontier") === want,
    speed.frontier.map((p) => p.runId).join(","),
  );
  assert.deepEqual(await drawn(page), asDrawn(speed));

  // Back to memory with the budget, then download the report of that view.
  await page.getByLabel("Cost", { exact: true }).selectOption("peakMemory");
  await page.getByLabel("Quality", { exact: true }).selectOption("finalEvalLoss");
  await page.getByLabel("Measured peak memory budget").fill(`${budget} B`);
  await page.waitForFunction(
    (id) => document.querySelector("[data-testid=pareto-best]")?.getAttribute("data-run-id") === id,
    answer.best!.runId,
  );
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Download report" }).click(),
  ]);
  assert.equal(download.suggestedFilename(), `compare-${experimentId}.html`);
  const file = join(downloads, download.suggestedFilename());
  await download.saveAs(file);
  assert.deepEqual(consoleErrors, []);
  await context.close();

  // The report, from disk, in a fresh context that has never seen the server.
  const offline = await openPage(browser, { height: 1400 });
  const requests: string[] = [];
  offline.context.on("request", (r) => requests.push(r.url()));
  const url = pathToFileURL(file).href;
  await offline.page.goto(url);
  const truth = await api<{
    compare: {
      runId: string;
      name: string;
      trainableParams: number;
      predictedTotalBytes: number;
      measuredPeakBytes: number;
      finalEvalLoss: number;
      bestEvalLoss: number;
      tokensPerSecond: number;
      durationMs: number;
    }[];
  }>(
    server,
    `query($id: ID!) { compare(experimentId: $id) { runId name trainableParams predictedTotalBytes measuredPeakBytes
      finalEvalLoss bestEvalLoss tokensPerSecond durationMs } }`,
    { id: experimentId },
  );
  for (const run of truth.compare) {
    const row = offline.page.locator(`[data-testid=report-table] tr[data-run-id="${run.runId}"]`);
    for (const key of [
      "name",
      "trainableParams",
      "predictedTotalBytes",
      "measuredPeakBytes",
      "finalEvalLoss",
      "bestEvalLoss",
      "tokensPerSecond",
      "durationMs",
    ] as const) {
      assert.equal(
        await row.locator(`td[data-col="${key}"]`).getAttribute("data-value"),
        String(run[key]),
        `${run.name} ${key}`,
      );
    }
  }
  assert.deepEqual(await drawn(offline.page), asDrawn(answer));
  assert.equal(await offline.page.getByTestId("pareto-best").getAttribute("data-run-id"), answer.best!.runId);
  assert.match(
    (await offline.page.getByTestId("pareto-best").textContent()) ?? "",
    new RegExp(answer.best!.name),
  );
  assert.equal(await offline.page.locator("svg[data-chart]").count(), 2, "both loss charts are drawn");
  await screenshot(offline.page, "report-offline");
  assert.deepEqual(requests, [url], "the report asked for nothing but itself");
  assert.deepEqual(offline.consoleErrors, []);
  await offline.context.close();
});
