// The Adapters page: import a PEFT folder (or a bottleneck adapter) by dropping its two files (refused
// folders name the tensor or file and store nothing), the detail page (files with sha256, config,
// provenance, the zip), the list's filters kept in the URL and its Relay pages, and the links from a trained
// run and its comparison. Folders from runner/reference (support/adapter-folders.ts), never our exporter.
// Ticked adapters are evaluated together or open the playground; an adapter's page merges it. Real server on PostgreSQL, a real
// runner training two LoRA runs, evaluating and merging them, Chromium.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import { safetensors, tensorsOf } from "@tunelab/server/dist/testing/safetensors.js";
import type { Page } from "playwright-core";
import {
  type FolderFile,
  importFolder,
  referenceBaseConfig,
  referenceFolder,
} from "./support/adapter-folders.js";
import { openPage, screenshot, useApiKey } from "./support/browser.js";
import { api, useStack, waitForRuns } from "./support/stack.js";

const LORA_CASES = ["lora-patterns-all-bias", "dora-layer-index", "qdora-lora-only-bias"];

const IMPORT = `mutation($input: ImportAdapterInput!) { importAdapter(input: $input) { id importedBy } }`;

function importInput(baseModelId: string, files: FolderFile[], note?: string) {
  return {
    input: {
      baseModelId,
      note,
      files: files.map((f) => ({ name: f.name, contentBase64: f.bytes.toString("base64") })),
    },
  };
}

const stack = useStack({ runners: ["e2e-adapters"] });
let qwenId: string;
let llamaId: string;
/** The first of the two LoRA runs the runner trains meanwhile, their experiment and dataset. */
let trained: Promise<{ runId: string; runName: string; experimentId: string; datasetId: string }>;

async function stored(): Promise<{ adapters: number; artifacts: number }> {
  return stack.server.db.read(async (m) => {
    const [a] = (await m.query(`SELECT count(*)::int AS n FROM adapter`)) as { n: number }[];
    const [f] = (await m.query(`SELECT count(*)::int AS n FROM artifact`)) as { n: number }[];
    return { adapters: a!.n, artifacts: f!.n };
  });
}

async function trainTwoLoras() {
  const made = await api<{ d: { id: string }; b: { id: string } }>(
    stack.server,
    `mutation($c: String!) {
      d: createDataset(input: { name: "toy", format: JSONL, content: $c, evalFraction: 0.25 }) { id }
      b: createBaseModel(input: { name: "nano", preset: "tunelab-nano" }) { id }
    }`,
    { c: ["a b c", "d e f", "g h i", "j k l"].map((text) => JSON.stringify({ text })).join("\n") },
  );
  const exp = await api<{ createExperiment: { id: string; runs: { id: string; name: string }[] } }>(
    stack.server,
    `mutation($d: ID!, $b: ID!) { createExperiment(input: { name: "e2e: two LoRAs", datasetId: $d, baseModelId: $b,
      hyperparameters: { steps: 4, learningRate: 0.001, batchSize: 2, seqLen: 16 },
      variants: [{ name: "lora r4", method: { method: "lora", r: 4 } }, { name: "lora r2", method: { method: "lora", r: 2 } }] })
      { id runs { id name } } }`,
    { d: made.d.id, b: made.b.id },
  );
  const runs = await waitForRuns(stack, exp.createExperiment.id);
  const run = runs.find((r) => r.name === "lora r4")!;
  return { runId: run.id, runName: run.name, experimentId: exp.createExperiment.id, datasetId: made.d.id };
}

/**
 * The two reference base models, and the LoRA run started on the runner: once, by the first test that
 * asks. Not a second root-level `before`: on Node 20 that one ran while useStack's had not yet filled the
 * stack in (stack.server was undefined).
 */
let setUp: Promise<void> | undefined;
function setup(): Promise<void> {
  setUp ??= (async () => {
    const bases = await api<{ q: { id: string }; l: { id: string } }>(
      stack.server,
      `mutation($q: JSONObject!, $l: JSONObject!) {
        q: createBaseModel(input: { name: "qwen2 fixture", config: $q }) { id }
        l: createBaseModel(input: { name: "llama fixture", config: $l }) { id }
      }`,
      { q: referenceBaseConfig("peft_lora"), l: referenceBaseConfig("adapters") },
    );
    qwenId = bases.q.id;
    llamaId = bases.l.id;
    trained = trainTwoLoras();
    // A failure surfaces in the test that awaits it, not as an unhandled rejection meanwhile.
    trained.catch(() => {});
  })();
  return setUp;
}

/** Drops files on the drop zone the way a browser does (a DataTransfer of File objects). */
async function dropFiles(page: Page, files: FolderFile[]): Promise<void> {
  const dataTransfer = await page.evaluateHandle(
    (list) => {
      const dt = new DataTransfer();
      for (const f of list) {
        const bytes = Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0));
        dt.items.add(new File([bytes], f.name));
      }
      return dt;
    },
    files.map((f) => ({ name: f.name, b64: f.bytes.toString("base64") })),
  );
  await page.getByTestId("drop-zone").dispatchEvent("drop", { dataTransfer });
}

test("import: a refused folder names the tensor and stores nothing; dropped files import and open the adapter", async () => {
  await setup();
  const { server, browser } = stack;
  const { context, page, consoleErrors } = await openPage(browser);
  await useApiKey(page, server.origin, server.adminKey);
  await page.goto(`${server.origin}/adapters`);
  await page.getByText("No adapters yet").waitFor();
  await screenshot(page, "adapters-empty");

  // lora_A of layer 1's q_proj cut to the wrong width: the server's error names it.
  const good = referenceFolder("peft_lora", "lora-patterns-all-bias");
  const A = "base_model.model.model.layers.1.self_attn.q_proj.lora_A.weight";
  const tensors = tensorsOf(good[1]!.bytes);
  tensors[A] = { shape: [2, 16], data: tensors[A]!.data.subarray(0, 2 * 16 * 4) };
  const bad = [good[0]!, { name: "adapter_model.safetensors", bytes: safetensors(tensors) }];
  const before = await stored();
  const direct = await server.gql(IMPORT, importInput(qwenId, bad));
  const serverError = direct.errors?.[0];
  assert.equal(serverError?.extensions?.field, A);
  assert.match(serverError!.message, /shape \[2, 16\], expected \[2, 32\]/);

  // The file picker takes both at once.
  await page
    .getByLabel("Choose the files")
    .setInputFiles(bad.map((f) => ({ name: f.name, mimeType: "application/octet-stream", buffer: f.bytes })));
  await page.getByLabel("For base model").selectOption(qwenId);
  await page.getByRole("button", { name: "Import" }).click();
  const alert = page.getByRole("alert").filter({ hasText: "Import refused" });
  await alert.waitFor();
  const text = await alert.innerText();
  assert.ok(text.includes(serverError!.message), `${text} should include ${serverError!.message}`);
  assert.ok(text.includes(`field ${A}`), text);
  assert.equal(await page.getByTestId("slot-weights").getAttribute("aria-invalid"), "true");
  assert.deepEqual(await stored(), before, "nothing stored for a refused folder");
  assert.match(page.url(), /\/adapters$/);
  await screenshot(page, "adapters-import-refused");

  // Dropping the good weights replaces the bad ones; the config stays.
  await dropFiles(page, [good[1]!]);
  await page.getByTestId("slot-weights").filter({ hasText: "5.05 KiB" }).waitFor();
  await page.getByLabel("Note").fill("from the reference port\nsecond line");
  await page.getByRole("button", { name: "Import" }).click();
  await page.waitForURL(/\/adapter\?id=/);
  const id = new URL(page.url()).searchParams.get("id")!;
  await page.getByRole("heading", { name: "from the reference port" }).waitFor();

  const { adapter } = await api<{
    adapter: {
      importedBy: string;
      methodConfig: Record<string, unknown>;
      files: { name: string; sha256: string }[];
    };
  }>(server, "query($id: ID!) { adapter(id: $id) { importedBy methodConfig files { name sha256 } } }", {
    id,
  });
  const provenance = await page.getByTestId("provenance").innerText();
  assert.match(provenance, /Base model\s+qwen2 fixture/);
  assert.ok(provenance.replace(/\s+/g, " ").includes(`Imported by ${adapter.importedBy}`), provenance);
  assert.match(provenance, /Note\s+from the reference port\nsecond line/);
  // Every file's sha256 is the reference bytes' own.
  const rows = page.getByRole("table", { name: "Adapter files" }).locator("tbody tr");
  assert.equal(await rows.count(), 2);
  for (const f of good) {
    const want = createHash("sha256").update(f.bytes).digest("hex");
    await page
      .getByRole("row", { name: new RegExp(f.name.replace(".", "\\.")) })
      .getByText(want)
      .waitFor();
    assert.equal(adapter.files.find((x) => x.name === f.name)?.sha256, want);
  }
  const shownConfig = JSON.parse(await page.getByTestId("method-config").innerText());
  assert.deepEqual(shownConfig, adapter.methodConfig);
  assert.equal(shownConfig.use_rslora, true);
  assert.match(await page.getByTestId("metrics").innerText(), /Eval loss\s+— \(not evaluated\)/);

  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Download the folder as a zip" }).click(),
  ]);
  assert.equal(download.suggestedFilename(), `adapter-${id}.zip`);
  const zip = await readFile((await download.path())!);
  assert.equal(zip.subarray(0, 2).toString(), "PK");
  assert.ok(zip.includes(Buffer.from("adapter_model.safetensors")));
  await screenshot(page, "adapter-imported");
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test("list: every source, filters kept in the URL, Relay pages of 20", async () => {
  await setup();
  const { server, browser } = stack;
  // 1 imported above + 21 LoRA-family + IA3 and prompt tuning on the Qwen2 base, 2 bottleneck adapters on the
  // Llama base, and the two trained runs': 28.
  for (let i = 0; i < 7; i++) {
    for (const name of LORA_CASES) {
      await importFolder(server, qwenId, referenceFolder("peft_lora", name), `${name} #${i}`);
    }
  }
  for (const name of ["ia3-defaults", "prompt-tuning-random"]) {
    await importFolder(server, qwenId, referenceFolder("peft_folders", name), name);
  }
  for (const name of ["pfeiffer-reduction-factor", "houlsby-bottleneck-size"]) {
    await importFolder(server, llamaId, referenceFolder("adapters", name), name);
  }
  const { runName, experimentId } = await trained;

  const { context, page } = await openPage(browser);
  await useApiKey(page, server.origin, server.adminKey);
  await page.goto(`${server.origin}/adapters`);
  const table = page.getByRole("table", { name: "Adapters" });
  const count = page.getByTestId("adapter-count");
  await count.filter({ hasText: "20 of 28 adapters" }).waitFor();
  assert.equal(await table.locator("tbody tr").count(), 20);
  await page.getByRole("button", { name: "Show 20 more" }).click();
  await count.filter({ hasText: "28 of 28 adapters" }).waitFor();
  assert.equal(await table.locator("tbody tr").count(), 28);
  assert.equal(await page.getByRole("button", { name: "Show 20 more" }).count(), 0);
  const ids = await table
    .locator("tbody tr td:nth-child(2) a[href^='/adapter?id=']")
    .evaluateAll((links) => links.map((a) => a.getAttribute("href")));
  assert.equal(new Set(ids).size, 28, "no adapter twice across pages");
  await screenshot(page, "adapters-list");

  await page.getByLabel("Method", { exact: true }).selectOption("adapter");
  await page.waitForURL(/method=adapter/);
  await count.filter({ hasText: "2 of 2 adapters" }).waitFor();
  const methods = await table.locator("tbody tr td:nth-child(4)").allInnerTexts();
  assert.deepEqual(methods, ["adapter", "adapter"]);
  assert.match(await table.locator("tbody tr").first().innerText(), /llama fixture/);

  await page.getByLabel("Base model", { exact: true }).selectOption(qwenId);
  await page.getByText("No adapter matches these filters").waitFor();
  await page.getByRole("button", { name: "Clear the filters" }).click();
  await count.filter({ hasText: "20 of 28 adapters" }).waitFor();

  // Straight to a filtered URL (a shared link): the pickers show it.
  await page.goto(`${server.origin}/adapters?experiment=${experimentId}`);
  await count.filter({ hasText: "2 of 2 adapters" }).waitFor();
  assert.equal(await page.getByLabel("Experiment", { exact: true }).inputValue(), experimentId);
  const row = await table.locator("tbody tr", { hasText: `trained by ${runName}` }).innerText();
  assert.ok(row.includes(`trained by ${runName} in e2e: two LoRAs`), row);
  assert.match(row, /nano\s+lora\s+r=4/);

  await page.goto(`${server.origin}/adapters?baseModel=${qwenId}`);
  await count.filter({ hasText: "20 of 24 adapters" }).waitFor();
  assert.equal(await page.getByLabel("Base model", { exact: true }).inputValue(), qwenId);
  const imported = await table.locator("tbody tr").first().innerText();
  assert.match(imported, /imported by \S+ on /);
  // DoRA is LoRA with use_dora in PEFT's config: the list says which.
  assert.ok((await table.locator("tbody tr td:nth-child(4)").allInnerTexts()).includes("dora"));
  await context.close();
});

test("a trained run's page and its comparison link to its adapter, which shows the run's metrics", async () => {
  await setup();
  const { server, browser } = stack;
  const { runId, runName, experimentId } = await trained;
  const { run } = await api<{
    run: { adapter: { id: string; evalLoss: number | null; trainableParams: number } };
  }>(server, "query($id: ID!) { run(id: $id) { adapter { id evalLoss trainableParams } } }", { id: runId });
  const { context, page } = await openPage(browser);
  await useApiKey(page, server.origin, server.adminKey);
  await page.goto(`${server.origin}/run?id=${runId}`);
  await page.getByRole("link", { name: "Open the adapter page" }).click();
  await page.waitForURL(new RegExp(`/adapter\\?id=${run.adapter.id}$`));
  const provenance = page.getByTestId("provenance");
  await provenance.getByRole("link", { name: runName, exact: true }).waitFor();
  assert.match(await provenance.innerText(), /Experiment\s+e2e: two LoRAs/);
  const metrics = await page.getByTestId("metrics").innerText();
  if (run.adapter.evalLoss == null) assert.match(metrics, /Eval loss\s+—/);
  else {
    const shown = Number(/Eval loss\s+([\d.e+-]+)/.exec(metrics)?.[1]);
    assert.ok(Math.abs(shown - run.adapter.evalLoss) <= 1e-3 * Math.abs(run.adapter.evalLoss), metrics);
  }
  await screenshot(page, "adapter-trained");

  await page.goto(`${server.origin}/compare?experiment=${experimentId}`);
  const link = page.getByRole("link", { name: `Adapter of ${runName}` });
  await link.waitFor();
  assert.equal(await link.getAttribute("href"), `/adapter?id=${run.adapter.id}`);
  await context.close();
});

test("a bottleneck adapter in the adapters library's layout imports by dropping; pickled weights are refused with the fix", async () => {
  await setup();
  const { server, browser } = stack;
  const files = referenceFolder("adapters", "pfeiffer-bottleneck-size");
  const { context, page } = await openPage(browser);
  await useApiKey(page, server.origin, server.adminKey);
  await page.goto(`${server.origin}/adapters`);
  await page.getByLabel("For base model").selectOption(llamaId);

  // PEFT's pickled weights: sent as they are, refused naming the file with the call that writes safetensors.
  const before = await stored();
  await dropFiles(page, [files[0]!, { name: "adapter_model.bin", bytes: Buffer.from("not read") }]);
  await page.getByRole("button", { name: "Import" }).click();
  const alert = page.getByRole("alert").filter({ hasText: "Import refused" });
  await alert.waitFor();
  assert.match(await alert.innerText(), /adapter_model\.bin is pickled PyTorch.*safe_serialization=True/s);
  assert.equal(await page.getByTestId("slot-weights").getAttribute("aria-invalid"), "true");
  assert.deepEqual(await stored(), before, "nothing stored for pickled weights");

  await dropFiles(page, [files[1]!]);
  await page.getByTestId("slot-weights").filter({ hasText: "adapter.safetensors" }).waitFor();
  await page.getByRole("button", { name: "Import" }).click();
  await page.waitForURL(/\/adapter\?id=/);
  const id = new URL(page.url()).searchParams.get("id")!;
  const { adapter } = await api<{ adapter: { method: string; files: { name: string; sha256: string }[] } }>(
    server,
    "query($id: ID!) { adapter(id: $id) { method files { name sha256 } } }",
    { id },
  );
  assert.equal(adapter.method, "adapter");
  const want = createHash("sha256").update(files[1]!.bytes).digest("hex");
  assert.deepEqual(
    adapter.files.find((f) => f.name === "adapter.safetensors")?.sha256,
    want,
    "the adapters library's file stored byte for byte",
  );
  await page
    .getByRole("row", { name: /adapter\.safetensors/ })
    .getByText(want)
    .waitFor();
  assert.match(await page.getByTestId("metrics").innerText(), /Method\s+adapter/);
  await screenshot(page, "adapter-bottleneck");
  await context.close();
});

test("open in playground: two ticked adapters of one base model, or one adapter's page, open the playground with them chosen", async () => {
  await setup();
  const { server, browser } = stack;
  const { experimentId } = await trained;
  const { experiment } = await api<{
    experiment: { baseModel: { id: string }; runs: { name: string; adapter: { id: string } }[] };
  }>(server, "query($id: ID!) { experiment(id: $id) { baseModel { id } runs { name adapter { id } } } }", {
    id: experimentId,
  });
  const ids = experiment.runs.map((r) => r.adapter.id);
  const { context, page } = await openPage(browser);
  await useApiKey(page, server.origin, server.adminKey);

  // Adapters of two base models cannot go together: the bar says so and offers no link. A tick stays
  // while the filters change.
  await importFolder(server, qwenId, referenceFolder("peft_lora", "dora-layer-index"), "to tick");
  await page.goto(`${server.origin}/adapters?experiment=${experimentId}`);
  const table = page.getByRole("table", { name: "Adapters" });
  await page.getByTestId("adapter-count").filter({ hasText: "2 of 2 adapters" }).waitFor();
  await page.getByLabel(`Select ${experiment.runs[0]!.name}`).check();
  await page.getByLabel("Experiment", { exact: true }).selectOption("");
  await page.getByLabel("Base model", { exact: true }).selectOption(qwenId);
  await page.waitForURL(
    (u) => u.searchParams.get("baseModel") === qwenId && !u.searchParams.has("experiment"),
  );
  await table.locator("tbody tr", { hasText: "to tick" }).getByRole("checkbox").check();
  await page.getByTestId("selection-count").filter({ hasText: "2 selected (nano, qwen2 fixture)" }).waitFor();
  await page.getByTestId("selection-problem").filter({ hasText: "different base models" }).waitFor();
  assert.equal(await page.getByRole("button", { name: "Open in playground" }).isDisabled(), true);
  await page.getByRole("button", { name: "Clear selection" }).click();

  await page.goto(`${server.origin}/adapters?experiment=${experimentId}`);
  await page.getByTestId("adapter-count").filter({ hasText: "2 of 2 adapters" }).waitFor();
  for (const r of experiment.runs) await page.getByLabel(`Select ${r.name}`).check();
  await page.getByTestId("selection-count").filter({ hasText: "2 selected (nano)" }).waitFor();
  await page.getByRole("link", { name: "Open in playground" }).click();
  await page.waitForURL(/\/playground\?/);
  const url = new URL(page.url());
  assert.equal(url.searchParams.get("baseModel"), experiment.baseModel.id);
  assert.deepEqual(url.searchParams.get("adapters")?.split(",").sort(), [...ids].sort());
  const form = page.getByRole("form", { name: "Playground" });
  for (const r of experiment.runs) {
    await form
      .getByRole("checkbox", { name: new RegExp(`^${r.name}\\b`) })
      .and(page.locator(":checked"))
      .waitFor();
  }
  await screenshot(page, "adapters-to-playground");

  await page.goto(`${server.origin}/adapter?id=${ids[0]}`);
  assert.equal(
    await page.getByRole("link", { name: "Open in playground" }).getAttribute("href"),
    `/playground?baseModel=${experiment.baseModel.id}&adapters=${ids[0]}`,
  );
  await context.close();
});

test("evaluate: tick an experiment's two adapters, pick its dataset; a refusal is shown, then the evaluation's comparison opens and fills in", async () => {
  await setup();
  const { server, browser } = stack;
  const { experimentId, datasetId } = await trained;
  const { experiment: source } = await api<{
    experiment: { runs: { name: string; adapter: { id: string } }[] };
  }>(server, "query($id: ID!) { experiment(id: $id) { runs { name adapter { id } } } }", {
    id: experimentId,
  });
  const experiments = async () =>
    (await api<{ experiments: { totalCount: number } }>(server, "{ experiments { totalCount } }")).experiments
      .totalCount;
  const { context, page } = await openPage(browser);
  await useApiKey(page, server.origin, server.adminKey);
  await page.goto(`${server.origin}/adapters?experiment=${experimentId}`);
  await page.getByTestId("adapter-count").filter({ hasText: "2 of 2 adapters" }).waitFor();
  for (const r of source.runs) await page.getByLabel(`Select ${r.name}`).check();
  await page.getByTestId("selection-count").filter({ hasText: "2 selected (nano)" }).waitFor();
  await page.getByRole("button", { name: "Evaluate…" }).click();
  await page.getByLabel("Dataset (its eval rows)").selectOption(datasetId);

  // The server's bound on a sample prompt, shown where it was typed; no experiment is created.
  const before = await experiments();
  await page.getByLabel(/Sample prompts/).fill("x".repeat(2001));
  await page.getByRole("button", { name: "Evaluate", exact: true }).click();
  const alert = page.getByRole("alert").filter({ hasText: "Evaluation refused" });
  await alert.waitFor();
  assert.match(await alert.innerText(), /samplePrompts\[0\] must be 1 to 2000 characters/);
  assert.equal(await experiments(), before, "nothing stored for a refused evaluation");

  await page.getByLabel(/Sample prompts/).fill("a b");
  await page.getByRole("button", { name: "Evaluate", exact: true }).click();
  await page.waitForURL(/\/compare\?experiment=/);
  const evaluationId = new URL(page.url()).searchParams.get("experiment")!;
  assert.notEqual(evaluationId, experimentId);
  const runs = await waitForRuns(stack, evaluationId);
  const { experiment } = await api<{
    experiment: { kind: string; runs: { inputAdapter: { id: string } | null }[] };
  }>(server, "query($id: ID!) { experiment(id: $id) { kind runs { inputAdapter { id } } } }", {
    id: evaluationId,
  });
  assert.equal(experiment.kind, "EVALUATION");
  assert.equal(runs.length, 3, "the base alone and one run per adapter");
  const measured = experiment.runs.map((r) => r.inputAdapter?.id ?? null);
  const wanted = source.runs.map((r) => r.adapter.id);
  assert.deepEqual(measured.filter((id) => id !== null).sort(), [...wanted].sort());

  // The comparison links each evaluation row to the adapter it measured.
  const links = page.getByRole("link", { name: /^Adapter evaluated by / });
  await page.waitForFunction(
    () => document.querySelectorAll("a[aria-label^='Adapter evaluated by ']").length === 2,
  );
  const hrefs = await links.evaluateAll((as) => as.map((a) => a.getAttribute("href")));
  assert.deepEqual(hrefs.sort(), wanted.map((id) => `/adapter?id=${id}`).sort());
  await screenshot(page, "adapters-evaluation");
  await context.close();
});

test("merge: a trained LoRA's page queues a merged base model; a taken name is refused with nothing stored; a bottleneck adapter says why it cannot merge", async () => {
  await setup();
  const { server, browser } = stack;
  const { runId, runName } = await trained;
  const { run } = await api<{ run: { adapter: { id: string }; baseModel: { name: string } } }>(
    server,
    "query($id: ID!) { run(id: $id) { adapter { id } baseModel { name } } }",
    { id: runId },
  );
  const baseModels = async () =>
    (await api<{ baseModels: { totalCount: number } }>(server, "{ baseModels { totalCount } }")).baseModels
      .totalCount;
  const merge = "mutation($a: ID!, $n: String!) { mergeAdapter(adapterId: $a, name: $n) { id } }";
  const taken = await server.gql(merge, { a: run.adapter.id, n: run.baseModel.name });
  assert.equal(taken.errors?.[0]?.extensions?.field, "name");

  const { context, page } = await openPage(browser);
  await useApiKey(page, server.origin, server.adminKey);
  await page.goto(`${server.origin}/adapter?id=${run.adapter.id}`);
  await page.getByRole("button", { name: "Merge…" }).click();
  const name = page.getByLabel("Name of the merged model");
  assert.equal(await name.inputValue(), `${run.baseModel.name} + ${runName}`);
  const before = await baseModels();
  await name.fill(run.baseModel.name);
  await page.getByRole("button", { name: "Merge", exact: true }).click();
  const alert = page.getByRole("alert").filter({ hasText: "Merge refused" });
  await alert.waitFor();
  assert.ok((await alert.innerText()).includes(taken.errors![0]!.message));
  assert.equal(await name.getAttribute("aria-invalid"), "true");
  assert.equal(await baseModels(), before, "nothing stored for a refused merge");

  await name.fill("nano merged");
  await page.getByRole("button", { name: "Merge", exact: true }).click();
  const notice = page.getByTestId("merged");
  await notice.waitFor();
  assert.match(await notice.innerText(), /New base model nano merged pending/);
  const { baseModels: made } = await api<{
    baseModels: {
      edges: {
        node: {
          id: string;
          name: string;
          source: string;
          mergedFromAdapter: { id: string };
          mergeRunId: string;
        };
      }[];
    };
  }>(
    server,
    "{ baseModels(first: 100) { edges { node { id name source mergedFromAdapter { id } mergeRunId } } } }",
  );
  const merged = made.edges.map((e) => e.node).find((b) => b.name === "nano merged");
  assert.equal(merged?.source, "MERGED");
  assert.equal(merged?.mergedFromAdapter.id, run.adapter.id);
  assert.equal(
    await page.getByRole("link", { name: "Follow the merge run" }).getAttribute("href"),
    `/run?id=${merged?.mergeRunId}`,
  );
  await screenshot(page, "adapter-merge");
  // The runner merges it: the run's page offers the merged folder and the model is READY.
  await page.getByRole("link", { name: "Follow the merge run" }).click();
  for (;;) {
    const { run: m } = await api<{ run: { status: string; error: string | null } }>(
      server,
      "query($id: ID!) { run(id: $id) { status error } }",
      { id: merged!.mergeRunId },
    );
    if (m.status === "SUCCEEDED") break;
    if (m.status === "FAILED" || m.status === "CANCELLED") {
      throw new Error(`the merge run ended ${m.status}: ${m.error}\n${stack.runners[0]?.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  await page.getByRole("button", { name: "Download model.safetensors" }).waitFor();
  const { baseModel: ready } = await api<{ baseModel: { status: string } }>(
    server,
    "query($id: ID!) { baseModel(id: $id) { status } }",
    { id: merged!.id },
  );
  assert.equal(ready.status, "READY");

  // A bottleneck adapter adds layers: core's reason is on the page and the button is off.
  const bottleneck = await importFolder(
    server,
    llamaId,
    referenceFolder("adapters", "houlsby-bottleneck-size"),
  );
  await page.goto(`${server.origin}/adapter?id=${bottleneck.id}`);
  await page
    .getByText(/Merge: merging does not apply to adapter: bottleneck adapters add new layers/)
    .waitFor();
  assert.equal(await page.getByRole("button", { name: "Merge…" }).isDisabled(), true);
  await context.close();
});
