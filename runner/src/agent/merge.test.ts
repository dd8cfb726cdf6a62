import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { downloadZipForTest } from "@tunelab/server/dist/testing/zip.js";
import { loadBaseWithAdapter } from "../engine/base-with-adapter.js";
import { loadModelFolder } from "../engine/hf-folder.js";
import { forward } from "../engine/model.js";
import { relativeMaxDiff } from "../engine/reference-fixtures.js";
import { EXIT } from "./agent.js";
import { until } from "./test-kit.js";
import { Stack } from "./test-stack.js";

/**
 * Merge and export end to end, as real processes on a real PostgreSQL: a LoRA run trains an adapter,
 * mergeAdapter queues a MERGE run, a runner merges and uploads the HF folder, the model turns READY; its zip
 * downloads and loads with the engine's loadModelFolder, giving the logits of the base with the adapter
 * (the base rebuilt from the training run's seed, the adapter from its own zip); then a run trains on the
 * merged model as a base model.
 */

const terminal = new Set(["SUCCEEDED", "FAILED", "CANCELLED"]);
const IDS = [[256, 72, 101, 108, 108, 111, 32, 119, 111, 114]];

describe("merge and export", () => {
  let stack: Stack;
  const finished = (runId: string) =>
    until(async () => {
      const run = await stack.run(runId);
      return terminal.has(run.status) ? run : null;
    }, 120_000);
  const unzipTo = (path: string, dir: string) =>
    downloadZipForTest(`${stack.origin}${path}`, stack.adminKey, dir);

  before(async () => {
    stack = await Stack.start();
  });
  after(() => stack.close());

  test("train a LoRA adapter → mergeAdapter → READY model whose zip loads and equals base + adapter → train on it", async () => {
    const config = await stack.runnerConfig("merger", { labels: ["merge"] });
    const runner = stack.start(config.path);
    const datasetId = await stack.dataset();
    const baseId = await stack.baseModel("nano for merge");
    const seed = 7;
    const trained = await stack.experiment(
      "to merge",
      datasetId,
      baseId,
      { steps: 3, seed, learningRate: 0.05 },
      [{ method: "lora", r: 4, lora_alpha: 8, target_modules: "all-linear" }],
      ["merge"],
    );
    const run = await finished(trained.runIds[0]!);
    assert.equal(run.status, "SUCCEEDED", run.error ?? "");
    const { run: withAdapter } = await stack.gql<{
      run: {
        adapter: {
          id: string;
          downloadUrl: string;
          methodConfig: Record<string, unknown> & { method: string };
        };
      };
    }>(`query($id: ID!) { run(id: $id) { adapter { id downloadUrl methodConfig } } }`, { id: run.id });
    const adapter = withAdapter.adapter;

    const { mergeAdapter } = await stack.gql<{
      mergeAdapter: { id: string; status: string; mergeRun: { id: string } };
    }>(
      `mutation($a: ID!) { mergeAdapter(adapterId: $a, name: "nano merged") { id status mergeRun { id } } }`,
      { a: adapter.id },
    );
    assert.equal(mergeAdapter.status, "PENDING");
    const merge = await finished(mergeAdapter.mergeRun.id);
    assert.equal(merge.status, "SUCCEEDED", merge.error ?? "");
    assert.equal(merge.output?.kind, "MODEL");
    const { baseModel } = await stack.gql<{
      baseModel: { status: string; source: string; downloadUrl: string; mergedFromAdapter: { id: string } };
    }>(`query($id: ID!) { baseModel(id: $id) { status source downloadUrl mergedFromAdapter { id } } }`, {
      id: mergeAdapter.id,
    });
    assert.equal(baseModel.status, "READY");
    assert.equal(baseModel.source, "MERGED");
    assert.equal(baseModel.mergedFromAdapter.id, adapter.id);

    const mergedDir = join(stack.dir, "merged");
    assert.deepEqual(await unzipTo(baseModel.downloadUrl, mergedDir), [
      "config.json",
      "model.safetensors",
      "special_tokens_map.json",
      "tokenizer.json",
      "tokenizer_config.json",
    ]);
    const adapterDir = join(stack.dir, "adapter");
    await unzipTo(adapter.downloadUrl, adapterDir);
    const merged = await loadModelFolder(mergedDir);
    const reference = await loadBaseWithAdapter("tunelab-nano", adapterDir, {
      method: adapter.methodConfig,
      seed,
    });
    const ours = tf.tidy(() => forward(merged.model, IDS).logits.dataSync());
    const theirs = tf.tidy(() =>
      forward(reference.model, IDS, { hooks: reference.method.hooks }).logits.dataSync(),
    );
    const plain = await loadBaseWithAdapter("tunelab-nano", null, { seed });
    const base = tf.tidy(() => forward(plain.model, IDS).logits.dataSync());
    assert.ok(relativeMaxDiff(theirs, base) > 1e-4, "the trained adapter changes the logits");
    const err = relativeMaxDiff(ours, theirs);
    assert.ok(err < 1e-5, `the downloaded merged model's logits differ from base + adapter by ${err}`);
    tf.dispose([...merged.model.weights.values()]);
    reference.dispose();
    plain.dispose();

    const onMerged = await stack.experiment(
      "on the merged model",
      datasetId,
      mergeAdapter.id,
      { steps: 2 },
      [{ method: "lora", r: 2 }],
      ["merge"],
    );
    const again = await finished(onMerged.runIds[0]!);
    assert.equal(again.status, "SUCCEEDED", again.error ?? "");
    runner.proc.kill("SIGTERM");
    assert.equal((await runner.exit).code, EXIT.OK);
  });
});
