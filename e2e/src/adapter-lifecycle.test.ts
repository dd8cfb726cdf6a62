// An adapter's whole life, end to end, as issue 17 tells it: two methods trained here, a colleague's copy of
// one imported as a zip's files, the three evaluated beside the base alone and compared with the training
// run, the playground streaming their completions side by side in the dashboard, and one merged into its
// base, downloaded as a Hugging Face folder and registered back as a base model. Real server on PostgreSQL,
// a real runner process, Chromium.
//
// The checks lean on identities rather than on remembered numbers: the imported copy holds the trained
// adapter's bytes, so every number and token it gives must equal the original's; the merged model is base +
// adapter, so alone it must complete a prompt exactly as the base with the adapter does.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { unzipSync } from "fflate";
import { importFolder } from "./support/adapter-folders.js";
import { openPage, screenshot, useApiKey } from "./support/browser.js";
import { TRANSLATION_ROWS } from "./support/datasets.js";
import { api, type TestServer, useStack, waitForRuns } from "./support/stack.js";

const stack = useStack({ runners: ["e2e-adapter-life"] });
const folders = mkdtempSync(join(tmpdir(), "tunelab-e2e-adapters-"));
after(() => rmSync(folders, { recursive: true, force: true }));

const PROMPT = "Translate 'dog' to French ->";
const SEQ_LEN = 32;

interface Comparison {
  runId: string;
  name: string;
  method: string;
  status: string;
  finalEvalLoss: number | null;
  trainableParams: number;
  samples: { prompt: string; output: string }[];
}
interface Session {
  id: string;
  status: string;
  statusReason: string | null;
  outputs: {
    adapterId: string | null;
    position: number;
    text: string;
    tokenCount: number;
    done: boolean;
    error: string | null;
  }[];
}

/** A zip the server offers (downloadUrl), fetched with the admin key and unpacked: file name → bytes. */
async function download(server: TestServer, path: string): Promise<Map<string, Buffer>> {
  const res = await fetch(`${server.origin}${path}`, {
    headers: { authorization: `Bearer ${server.adminKey}` },
  });
  assert.equal(res.status, 200, `GET ${path}`);
  assert.match(res.headers.get("content-type") ?? "", /zip/);
  const files = unzipSync(new Uint8Array(await res.arrayBuffer()));
  return new Map(Object.entries(files).map(([name, bytes]) => [name, Buffer.from(bytes)]));
}

async function compare(server: TestServer, runIds: string[]): Promise<Comparison[]> {
  const data = await api<{ compare: Comparison[] }>(
    server,
    `query($ids: [ID!]) { compare(runIds: $ids) {
       runId name method status finalEvalLoss trainableParams samples { prompt output } } }`,
    { ids: runIds },
  );
  return data.compare;
}

const sessionFields = "id status statusReason outputs { adapterId position text tokenCount done error }";

async function waitForSession(server: TestServer, id: string): Promise<Session> {
  for (;;) {
    const { playgroundSession: s } = await api<{ playgroundSession: Session }>(
      server,
      `query($id: ID!) { playgroundSession(id: $id) { ${sessionFields} } }`,
      { id },
    );
    if (s.status === "FAILED" || s.status === "CANCELLED")
      throw new Error(`playground ${s.status}: ${s.statusReason}`);
    if (s.status === "SUCCEEDED") return s;
    await new Promise((r) => setTimeout(r, 500));
  }
}

test("import → evaluate → compare with a trained run → playground streams 3 adapters → merged model downloaded and loaded back", async () => {
  const { server, browser } = stack;
  const { dataset, base } = await api<{ dataset: { id: string }; base: { id: string } }>(
    server,
    `mutation($rows: String!) {
      dataset: createDataset(input: { name: "toy translations", format: JSONL, content: $rows, evalFraction: 0.25 }) { id }
      base: createBaseModel(input: { name: "nano", preset: "tunelab-nano" }) { id }
    }`,
    { rows: TRANSLATION_ROWS },
  );

  // 1. Two adapters trained here.
  const { createExperiment } = await api<{ createExperiment: { id: string } }>(
    server,
    `mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { id } }`,
    {
      input: {
        name: "e2e: adapters trained",
        datasetId: dataset.id,
        baseModelId: base.id,
        hyperparameters: { steps: 16, learningRate: 0.01, batchSize: 4, seqLen: SEQ_LEN, evalEvery: 8 },
        variants: [
          { name: "lora", method: { method: "lora", r: 4 } },
          { name: "ia3", method: { method: "ia3" } },
        ],
      },
    },
  );
  await waitForRuns(stack, createExperiment.id);
  const { experiment } = await api<{
    experiment: {
      runs: {
        id: string;
        method: string;
        adapter: { id: string; downloadUrl: string; trainableParams: number };
      }[];
    };
  }>(
    server,
    "query($id: ID!) { experiment(id: $id) { runs { id method adapter { id downloadUrl trainableParams } } } }",
    { id: createExperiment.id },
  );
  const loraRun = experiment.runs.find((r) => r.method === "lora")!;
  const ia3Run = experiment.runs.find((r) => r.method === "ia3")!;
  const lora = loraRun.adapter;
  const ia3 = ia3Run.adapter;

  // 2. A colleague's copy of the LoRA adapter: the zip's two files, imported against the same base.
  const zip = await download(server, lora.downloadUrl);
  assert.deepEqual([...zip.keys()].sort(), ["adapter_config.json", "adapter_model.safetensors"]);
  const imported = await importFolder(
    server,
    base.id,
    [...zip].map(([name, bytes]) => ({ name, bytes })),
    "from a colleague",
  );
  assert.equal(imported.method, "lora");
  assert.equal(imported.trainableParams, lora.trainableParams);

  // The Adapters page lists all three, the import with its provenance.
  const { context, page, consoleErrors } = await openPage(browser, { height: 1200 });
  await useApiKey(page, server.origin, server.adminKey);
  await page.goto(`${server.origin}/adapters`);
  await page
    .getByText("from a colleague")
    .or(page.getByText(/imported/i).first())
    .first()
    .waitFor();
  await screenshot(page, "adapter-lifecycle-list");

  // 3. The three evaluated, beside the base alone, on the dataset's eval split.
  const { evaluateAdapters } = await api<{ evaluateAdapters: { id: string } }>(
    server,
    `mutation($input: EvaluateAdaptersInput!) { evaluateAdapters(input: $input) { id } }`,
    {
      input: {
        adapterIds: [lora.id, imported.id, ia3.id],
        datasetId: dataset.id,
        samplePrompts: [PROMPT],
        seqLen: SEQ_LEN,
      },
    },
  );
  const evalRuns = await waitForRuns(stack, evaluateAdapters.id);
  assert.equal(evalRuns.length, 4, "one run per adapter and one of the base alone");
  const { experiment: evaluation } = await api<{
    experiment: { runs: { id: string; kind: string; inputAdapter: { id: string } | null }[] };
  }>(server, "query($id: ID!) { experiment(id: $id) { runs { id kind inputAdapter { id } } } }", {
    id: evaluateAdapters.id,
  });
  assert.ok(evaluation.runs.every((r) => r.kind === "EVALUATE"));
  const evalRunOf = (adapterId: string | null) =>
    evaluation.runs.find((r) => (r.inputAdapter?.id ?? null) === adapterId)!.id;

  // 4. Compared with the training run: one table, the evaluations' numbers beside the training's.
  const rows = await compare(server, [...evaluation.runs.map((r) => r.id), loraRun.id]);
  const row = (runId: string) => rows.find((r) => r.runId === runId)!;
  const trained = row(loraRun.id);
  const [evalLora, evalImported, evalIa3, evalBase] = [lora.id, imported.id, ia3.id, null].map((a) =>
    row(evalRunOf(a)),
  );
  for (const r of [evalLora, evalImported, evalIa3, evalBase])
    assert.equal(typeof r!.finalEvalLoss, "number");
  // the same bytes give the same loss and the same greedy completion
  assert.equal(evalImported!.finalEvalLoss, evalLora!.finalEvalLoss);
  assert.deepEqual(
    evalImported!.samples.map((s) => s.output),
    evalLora!.samples.map((s) => s.output),
  );
  assert.equal(evalImported!.samples[0]?.prompt, PROMPT);
  // an evaluation measures what training's last eval measured (same split, same sequence length)
  const relative = Math.abs(evalLora!.finalEvalLoss! - trained.finalEvalLoss!) / trained.finalEvalLoss!;
  assert.ok(
    relative < 1e-4,
    `evaluation ${evalLora!.finalEvalLoss} vs training's final eval ${trained.finalEvalLoss}`,
  );
  // training moved the loss away from the random base's
  assert.ok(evalLora!.finalEvalLoss! < evalBase!.finalEvalLoss!, "the LoRA adapter beats the base alone");

  await page.goto(
    `${server.origin}/compare?runs=${[...evaluation.runs.map((r) => r.id), loraRun.id].join(",")}`,
  );
  await page.locator("table tbody tr").nth(4).waitFor();
  await screenshot(page, "adapter-lifecycle-compare");

  // 5. The playground, in the dashboard: the base and three adapters complete one prompt, streamed.
  await page.goto(
    `${server.origin}/playground?baseModel=${base.id}&adapters=${[lora.id, imported.id, ia3.id].join(",")}`,
  );
  await page.getByLabel(/prompt/i).fill(PROMPT);
  await page.getByRole("button", { name: /generate|run/i }).click();
  // the columns fill while the run is live: some text before every column is done
  const streamed = await page.waitForFunction(
    () => {
      const cols = Array.from(document.querySelectorAll<HTMLElement>("[data-testid=playground-output]"));
      const partial = (c: HTMLElement) =>
        c.getAttribute("aria-busy") === "true" &&
        !/^(…)?$/.test(c.querySelector(".playground-text")?.textContent ?? "");
      return cols.some(partial) ? cols.length : null;
    },
    undefined,
    { polling: 20 },
  );
  assert.equal(await streamed.jsonValue(), 4);
  const sessionId = await page.waitForFunction(() => new URL(location.href).searchParams.get("session"));
  const session = await waitForSession(server, (await sessionId.jsonValue()) as string);
  const text = (adapterId: string | null) => session.outputs.find((o) => o.adapterId === adapterId)!.text;
  assert.equal(session.outputs.length, 4);
  assert.ok(session.outputs.every((o) => o.done && o.error === null && o.tokenCount > 0));
  assert.equal(text(imported.id), text(lora.id), "the imported copy completes as the original");
  // what makes the identities below worth checking: the adapter changes what the base says
  assert.notEqual(text(lora.id), text(null), "the LoRA adapter changes the base's completion");
  await page.waitForFunction(() =>
    Array.from(document.querySelectorAll<HTMLElement>("[data-testid=playground-output]")).every(
      (c) => c.getAttribute("aria-busy") === "false",
    ),
  );
  for (const o of session.outputs) {
    const column = page.getByTestId("playground-output").nth(o.position).locator(".playground-text");
    assert.ok((await column.innerText()).includes(o.text.trim().slice(0, 20)));
  }
  await screenshot(page, "adapter-lifecycle-playground");

  // 6. Merged into its base, downloaded as a Hugging Face folder, registered back as a base model.
  const { mergeAdapter } = await api<{ mergeAdapter: { id: string; status: string } }>(
    server,
    `mutation($a: ID!) { mergeAdapter(adapterId: $a, name: "nano + lora") { id status } }`,
    { a: lora.id },
  );
  assert.equal(mergeAdapter.status, "PENDING");
  let merged: { status: string; downloadUrl: string | null };
  for (;;) {
    ({ baseModel: merged } = await api<{ baseModel: { status: string; downloadUrl: string | null } }>(
      server,
      "query($id: ID!) { baseModel(id: $id) { status downloadUrl } }",
      { id: mergeAdapter.id },
    ));
    if (merged.status !== "PENDING") break;
    await new Promise((r) => setTimeout(r, 500));
  }
  assert.equal(merged.status, "READY", stack.runners[0]!.output());
  const folder = join(folders, "merged");
  const files = await download(server, merged.downloadUrl!);
  assert.ok(files.has("config.json") && files.has("model.safetensors"), [...files.keys()].join(", "));

  mkdirSync(folder);
  for (const [name, bytes] of files) writeFileSync(join(folder, name), bytes);
  const { createBaseModel: loaded } = await api<{ createBaseModel: { id: string } }>(
    server,
    `mutation($path: String!, $config: JSONObject!) {
      createBaseModel(input: { name: "nano + lora, downloaded", hostPath: $path, config: $config }) { id } }`,
    { path: folder, config: JSON.parse(files.get("config.json")!.toString("utf8")) },
  );
  // alone, the merged model completes the prompt as the base with the adapter did
  const { startPlayground } = await api<{ startPlayground: { id: string } }>(
    server,
    `mutation($input: StartPlaygroundInput!) { startPlayground(input: $input) { id } }`,
    { input: { baseModelId: loaded.id, prompt: PROMPT } },
  );
  const alone = await waitForSession(server, startPlayground.id);
  assert.equal(alone.outputs.length, 1);
  assert.equal(alone.outputs[0]!.text, text(lora.id), "merged model alone = base + adapter");

  assert.deepEqual(consoleErrors, []);
  await context.close();
});
