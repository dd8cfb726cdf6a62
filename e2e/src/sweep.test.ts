// A sweep from the dashboard: lists typed in the form (learning rate for every run, LoRA's r) become the grid
// of runs the API stores, named by what varies; a real runner trains them (tunelab-nano, a few steps); the
// comparison groups and colours them by method and facets the loss curves by a swept field, kept in the URL.
import assert from "node:assert/strict";
import { test } from "node:test";
import { openPage, screenshot, useApiKey } from "./support/browser.js";
import { api, useStack } from "./support/stack.js";

const stack = useStack({ runners: ["e2e-sweeper"] });

const ROWS = ["cat:chat", "dog:chien", "house:maison", "car:voiture", "bread:pain", "tree:arbre"]
  .map((pair) => pair.split(":"))
  .map(([en, fr]) => JSON.stringify({ prompt: `${en} ->`, completion: ` ${fr}` }))
  .join("\n");

interface SweepRun {
  id: string;
  name: string;
  method: string;
  status: string;
  methodConfig: { r?: number };
  hyperparameters: { learningRate: number; steps: number };
  sweepValues: Record<string, unknown>;
}

test("a sweep typed in the form yields its grid of runs, compared grouped by method and faceted by r", async () => {
  const { server, browser } = stack;
  const dataset = await api<{ createDataset: { id: string } }>(
    server,
    `mutation($content: String!) {
      createDataset(input: { name: "toy", format: JSONL, content: $content, evalFraction: 0.34 }) { id } }`,
    { content: ROWS },
  );
  const { context, page, consoleErrors } = await openPage(browser);
  await useApiKey(page, server.origin, server.adminKey);

  await page.goto(`${server.origin}/experiments/new`);
  await page.getByLabel("Name", { exact: true }).fill("e2e sweep");
  await page.getByLabel("Dataset", { exact: true }).selectOption(dataset.createDataset.id);
  await page.getByLabel("Or add a base model from a preset").selectOption("tunelab-nano");
  await page.getByRole("button", { name: "Add base model" }).click();
  await page.waitForFunction(() => (document.getElementById("exp-base") as HTMLSelectElement).value !== "");
  for (const [field, value] of [
    ["steps", "4"],
    ["batchSize", "2"],
    ["seqLen", "32"],
    ["evalEvery", "2"],
    ["learningRate", "0.01, 0.005"],
  ] as const) {
    await page.locator(`#hp-${field}`).fill(value);
  }
  // The form starts with full and LoRA: r is swept for LoRA only; the learning rate for both.
  await page.waitForFunction(() => document.querySelectorAll("[data-testid=variant]").length === 2);
  await page.getByTestId("variant").nth(1).getByLabel(/^r /).fill("2, 4");

  // The server plans the sweep before anything is created: 2 full + 2 × 2 LoRA runs.
  const preview = page.locator('[data-testid=sweep-preview][data-runs="6"]');
  await preview.waitFor();
  assert.match(await preview.innerText(), /6 runs/);
  await screenshot(page, "sweep-new");
  await page.getByRole("button", { name: "Create experiment (6 runs)" }).click();
  await page.waitForURL(/\/compare\?experiment=/);
  const experimentId = new URL(page.url()).searchParams.get("experiment")!;

  const stored = await api<{
    experiment: {
      sweep: { strategy: string; parameters: unknown; variantParameters: unknown[] };
      runs: SweepRun[];
    };
  }>(
    server,
    `query($id: ID!) { experiment(id: $id) { sweep { strategy parameters variantParameters }
       runs { id name method status methodConfig hyperparameters sweepValues } } }`,
    { id: experimentId },
  );
  const { sweep, runs } = stored.experiment;
  assert.deepEqual(sweep, {
    strategy: "GRID",
    parameters: { learningRate: { values: [0.01, 0.005] } },
    variantParameters: [{}, { r: { values: [2, 4] } }],
  });
  assert.deepEqual(
    runs.map((r) => [
      r.name,
      r.method,
      r.methodConfig.r ?? null,
      r.hyperparameters.learningRate,
      r.sweepValues,
    ]),
    [
      ["full lr=0.01", "full", null, 0.01, { learningRate: 0.01 }],
      ["full lr=0.005", "full", null, 0.005, { learningRate: 0.005 }],
      ["lora lr=0.01 r=2", "lora", 2, 0.01, { learningRate: 0.01, r: 2 }],
      ["lora lr=0.01 r=4", "lora", 4, 0.01, { learningRate: 0.01, r: 4 }],
      ["lora lr=0.005 r=2", "lora", 2, 0.005, { learningRate: 0.005, r: 2 }],
      ["lora lr=0.005 r=4", "lora", 4, 0.005, { learningRate: 0.005, r: 4 }],
    ],
  );
  assert.ok(runs.every((r) => r.hyperparameters.steps === 4));

  await page.waitForFunction(
    () =>
      document.querySelectorAll("[data-testid=compare-table] tbody tr[data-run-id] .badge.SUCCEEDED")
        .length === 6,
    undefined,
    { timeout: 600_000, polling: 1000 },
  );
  await page.locator('[data-testid=compare-ready][data-ready="true"]').waitFor();

  // Grouped by method: a group row, then its runs; one colour per method.
  const layout = await page.$$eval("[data-testid=compare-table] tbody tr", (trs) =>
    trs.map((tr) => ({
      group: tr.getAttribute("data-group"),
      name: tr.querySelector("td[data-col=name] a")?.textContent ?? null,
      colour: (tr.querySelector(".swatch") as HTMLElement | null)?.style.background ?? null,
    })),
  );
  assert.deepEqual(
    layout.map((l) => l.group ?? l.name),
    ["full", ...runs.slice(0, 2).map((r) => r.name), "lora", ...runs.slice(2).map((r) => r.name)],
  );
  const colours = layout.filter((l) => l.group === null).map((l) => l.colour);
  assert.ok(colours[0]);
  assert.equal(colours[1], colours[0]);
  assert.ok(colours.slice(3).every((c) => c === colours[2]));
  assert.notEqual(colours[2], colours[0], "full and LoRA have their own colours");
  // The swept fields are columns, with the API's values.
  for (const run of runs) {
    const row = page.locator(`tr[data-run-id="${run.id}"]`);
    assert.equal(
      await row.locator('td[data-col="sweep.learningRate"]').getAttribute("data-value"),
      String(run.sweepValues.learningRate),
    );
    assert.equal(
      await row.locator('td[data-col="sweep.r"]').getAttribute("data-value"),
      run.sweepValues.r === undefined ? "" : String(run.sweepValues.r),
    );
  }

  // Facet by r: one panel per value, then the runs whose method has no r; kept across a reload.
  await page.getByLabel("Facet by").selectOption("r");
  await page.waitForURL(/facet=r/);
  await page.reload();
  await page.locator('[data-testid=compare-ready][data-ready="true"]').waitFor();
  assert.equal(await page.getByLabel("Facet by").inputValue(), "r");
  const expected: Record<string, string[]> = {
    "2": ["lora lr=0.01 r=2", "lora lr=0.005 r=2"],
    "4": ["lora lr=0.01 r=4", "lora lr=0.005 r=4"],
    "": ["full lr=0.01", "full lr=0.005"],
  };
  await page.waitForFunction(
    () =>
      Array.from(document.querySelectorAll("[data-testid=facet] [data-testid=chart]")).every(
        (c) => c.getAttribute("data-rendered") === "true",
      ) && document.querySelectorAll("[data-testid=facet] [data-testid=chart]").length === 6,
    undefined,
    { timeout: 30_000 },
  );
  const facets = await page.$$eval("[data-testid=facet]", (panels) =>
    panels.map((p) => ({
      key: p.getAttribute("data-facet"),
      title: p.querySelector("h3")?.textContent,
      lines: Array.from(p.querySelectorAll("[data-testid=chart]")).map((c) =>
        (c.getAttribute("data-line-points") ?? "")
          .split(";")
          .filter(Boolean)
          .map((kv) => kv.split("=").slice(0, -1).join("=")),
      ),
    })),
  );
  assert.deepEqual(
    facets.map((f) => [f.key, f.title]),
    [
      ["2", "r = 2"],
      ["4", "r = 4"],
      ["", "r not swept"],
    ],
  );
  for (const f of facets) {
    for (const lines of f.lines) assert.deepEqual(lines, expected[f.key!], `facet ${f.key}`);
  }
  await screenshot(page, "sweep-compare-facets");
  assert.deepEqual(consoleErrors, []);
  await context.close();
});
