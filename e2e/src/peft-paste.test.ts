// A PEFT adapter_config.json pasted into the new-experiment form: an unsupported field is refused naming
// it, a supported one becomes a variant whose estimate is the API's for what fromPeftConfig reads (over an
// NF4 base when asked), and the run it creates keeps PEFT's keys. Real server on PostgreSQL, Chromium.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fromPeftConfig } from "@tunelab/core";
import { openPage, useApiKey } from "./support/browser.js";
import { api, useStack } from "./support/stack.js";

const stack = useStack();

const PEFT_LORA = {
  peft_type: "LORA",
  task_type: "CAUSAL_LM",
  base_model_name_or_path: null,
  r: 4,
  lora_alpha: 8,
  lora_dropout: 0,
  target_modules: ["q_proj", "v_proj"],
  bias: "none",
  use_dora: true,
  use_rslora: false,
  rank_pattern: { "model.layers.0.self_attn.q_proj": 8 },
  alpha_pattern: {},
  layers_to_transform: null,
  layers_pattern: null,
  fan_in_fan_out: false,
  init_lora_weights: true,
  modules_to_save: null,
  inference_mode: true,
};

test("paste a PEFT adapter_config.json: refused fields named, the rest trains as PEFT's keys say", async () => {
  const dataset = await api<{ createDataset: { id: string } }>(
    stack.server,
    `mutation($c: String!) { createDataset(input: { name: "toy", format: JSONL, content: $c, evalFraction: 0 }) { id } }`,
    { c: ['{"text":"a b c"}', '{"text":"d e f"}'].join("\n") },
  );
  const { context, page, consoleErrors } = await openPage(stack.browser);
  await useApiKey(page, stack.server.origin, stack.server.adminKey);
  await page.goto(`${stack.server.origin}/experiments/new`);
  await page.getByLabel("Name", { exact: true }).fill("e2e: pasted PEFT config");
  await page.getByLabel("Dataset", { exact: true }).selectOption(dataset.createDataset.id);
  await page.getByLabel("Or add a base model from a preset").selectOption("tunelab-nano");
  await page.getByRole("button", { name: "Add base model" }).click();
  await page.waitForFunction(() => (document.getElementById("exp-base") as HTMLSelectElement).value !== "");
  await page.locator("#hp-batchSize").fill("4");
  await page.locator("#hp-seqLen").fill("32");
  await page.waitForFunction(() => document.querySelectorAll("[data-testid=variant]").length === 2);

  const paste = page.getByLabel(/paste a PEFT adapter_config.json/);
  await paste.fill(JSON.stringify({ ...PEFT_LORA, fan_in_fan_out: true }));
  await page.getByRole("button", { name: "Add from adapter_config.json" }).click();
  await page
    .locator("#peft-paste-error")
    .getByText(/^fan_in_fan_out: /)
    .waitFor();
  assert.equal(await page.getByTestId("variant").count(), 2, "nothing added");

  await paste.fill(JSON.stringify(PEFT_LORA, null, 2));
  await page.getByRole("button", { name: "Add from adapter_config.json" }).click();
  const pasted = page.getByTestId("variant").nth(2);
  await pasted.getByTestId("peft-method").waitFor();
  await pasted.getByLabel("over an NF4 base (QLoRA)").check();

  const base = await api<{ baseModels: { edges: { node: { config: unknown } }[] } }>(
    stack.server,
    "{ baseModels { edges { node { config } } } }",
  );
  const method = { ...fromPeftConfig(PEFT_LORA, undefined, { method: "qlora" }) };
  const want = await api<{ estimate: { parameters: { trainable: number }; memory: { total: number } } }>(
    stack.server,
    `query($model: JSON!, $method: JSONObject!) {
      estimate(model: $model, method: $method, batchSize: 4, seqLen: 32, dtype: "float32", optimizer: "adamw",
               gradientCheckpointing: false) { parameters { trainable } memory { total } } }`,
    { model: base.baseModels.edges[0]!.node.config, method },
  );
  await pasted
    .getByTestId("estimate-memory")
    .and(page.locator(`[data-value="${want.estimate.memory.total}"]`))
    .waitFor();
  assert.equal(
    Number(await pasted.getByTestId("estimate-trainable").getAttribute("data-value")),
    want.estimate.parameters.trainable,
  );

  await page.getByRole("button", { name: "Create experiment (3 runs)" }).click();
  await page.waitForURL(/\/compare\?experiment=/);
  const id = new URL(page.url()).searchParams.get("experiment")!;
  const e = await api<{
    experiment: {
      runs: {
        name: string;
        method: string;
        methodConfig: Record<string, unknown>;
        trainableParams: number;
      }[];
    };
  }>(
    stack.server,
    "query($id: ID!) { experiment(id: $id) { runs { name method methodConfig trainableParams } } }",
    {
      id,
    },
  );
  const run = e.experiment.runs.find((r) => r.name === "lora-peft")!;
  assert.equal(run.method, "qlora");
  assert.deepEqual(
    [run.methodConfig.use_dora, run.methodConfig.rank_pattern, run.methodConfig.r],
    [true, PEFT_LORA.rank_pattern, 4],
  );
  assert.equal(run.trainableParams, want.estimate.parameters.trainable);
  assert.deepEqual(consoleErrors, []);
  await context.close();
});
