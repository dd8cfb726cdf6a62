// mergeAdapter: a PENDING MERGED base model and its QUEUED MERGE run, refused naming the field with nothing
// stored (unknown adapter, a method that cannot merge, a base without weights, a bad or taken name); the run's
// MODEL upload makes the model READY with a downloadable zip; a cancelled merge leaves it FAILED, a retry
// PENDING again. The merge itself (numbers) is the runner's: runner/src/engine/merge.test.ts.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { unzipSync } from "fflate";
import { insertRunAdapter } from "../adapters/adapter.repository.js";
import { createExperiment, seedPeople } from "../runs/fixtures.js";
import { registerRunnerForTest } from "../testing/auth.js";
import { ScriptedRunner } from "../testing/runner-client.js";
import { insertImportedAdapterForTest } from "../testing/runs.js";
import { drivers, type TestServer, startTestServer } from "../testing/test-server.js";

const fixture = join(__dirname, "..", "..", "..", "runner", "reference", "fixtures", "peft_lora");
const MERGE = `mutation($a: ID!, $n: String!) { mergeAdapter(adapterId: $a, name: $n) {
  id name status source downloadUrl mergedFromAdapter { id } weights { id }
  mergeRun { id kind status method datasetId experimentId inputAdapter { id } baseModel { id }
             trainableParams predictedTotalBytes } } }`;

interface Merged {
  id: string;
  name: string;
  status: string;
  source: string;
  downloadUrl: string | null;
  mergedFromAdapter: { id: string } | null;
  weights: { id: string } | null;
  mergeRun: {
    id: string;
    kind: string;
    status: string;
    method: string;
    datasetId: string | null;
    experimentId: string | null;
    inputAdapter: { id: string };
    baseModel: { id: string };
    trainableParams: number;
    predictedTotalBytes: number;
  };
}

for (const driver of drivers) {
  describe(`mergeAdapter on ${driver}`, () => {
    let server: TestServer;
    let baseId: string;
    let adapterId: string;
    const counts = () =>
      server.db.read(async (m) => {
        const [row] = (await m.query(
          `SELECT (SELECT count(*) FROM base_model)::int AS models, (SELECT count(*) FROM run)::int AS runs`,
        )) as { models: number; runs: number }[];
        return row!;
      });
    const merge = (a: string, n: string) => server.gql<{ mergeAdapter: Merged }>(MERGE, { a, n });

    before(async () => {
      server = await startTestServer(driver);
      const base = await server.gql<{ createBaseModel: { id: string } }>(
        `mutation($input: CreateBaseModelInput!) { createBaseModel(input: $input) { id } }`,
        {
          input: {
            name: "qwen2 fixture",
            config: JSON.parse(readFileSync(join(fixture, "base", "config.json"), "utf8")),
          },
        },
      );
      baseId = base.data!.createBaseModel.id;
      const names = ["adapter_config.json", "adapter_model.safetensors"];
      const imported = await server.gql<{ importAdapter: { id: string; trainableParams: number } }>(
        `mutation($input: ImportAdapterInput!) { importAdapter(input: $input) { id trainableParams } }`,
        {
          input: {
            baseModelId: baseId,
            files: names.map((name) => ({
              name,
              contentBase64: readFileSync(join(fixture, "lora-patterns-all-bias", name)).toString("base64"),
            })),
          },
        },
      );
      assert.equal(imported.errors, undefined, JSON.stringify(imported.errors));
      adapterId = imported.data!.importAdapter.id;
    });
    after(() => server.close());

    test("refusals name the field and store nothing", async () => {
      const { adapterId: prefixId } = await insertImportedAdapterForTest(
        server.db,
        baseId,
        [{ name: "adapter_config.json", content: Buffer.from("{}") }],
        { method: "prefix", num_virtual_tokens: 4 },
      );
      const pending = await server.db.write(async (m) => {
        const [b] = (await m.query(
          `INSERT INTO base_model (name, config, source, status) SELECT 'pending base', config, 'PRESET', 'PENDING'
             FROM base_model WHERE id = $1 RETURNING id`,
          [baseId],
        )) as { id: string }[];
        return b!.id;
      });
      const { adapterId: onPending } = await insertImportedAdapterForTest(server.db, pending, [
        { name: "adapter_config.json", content: Buffer.from("{}") },
      ]);
      const before = await counts();
      const cases: [string, string, string, RegExp][] = [
        ["00000000-0000-0000-0000-000000000000", "m1", "adapterId", /does not exist/],
        ["not-an-id", "m1", "adapterId", /does not exist/],
        [prefixId, "m1", "adapterId", /merging does not apply to prefix: .*keys and values/],
        [onPending, "m1", "adapterId", /base model "pending base" is PENDING/],
        [adapterId, "  ", "name", /1 to 200 characters/],
        [adapterId, "qwen2 fixture", "name", /exists already/],
      ];
      for (const [a, n, field, message] of cases) {
        const res = await merge(a, n);
        const e = res.errors?.[0];
        assert.equal(e?.extensions?.code, "BAD_USER_INPUT", `${a} ${n}: ${JSON.stringify(res.errors)}`);
        assert.equal(e?.extensions?.field, field);
        assert.match(e?.message ?? "", message);
      }
      assert.deepEqual(await counts(), before, "nothing stored");
    });

    test("a PENDING MERGED model and its MERGE run; the run's MODEL upload makes it READY, downloadable", async () => {
      const res = await merge(adapterId, "qwen2 merged");
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      const model = res.data!.mergeAdapter;
      assert.deepEqual(
        { ...model, id: undefined, mergeRun: undefined },
        {
          id: undefined,
          name: "qwen2 merged",
          status: "PENDING",
          source: "MERGED",
          downloadUrl: null,
          mergedFromAdapter: { id: adapterId },
          weights: null,
          mergeRun: undefined,
        },
      );
      const run = model.mergeRun;
      assert.equal(run.kind, "MERGE");
      assert.equal(run.status, "QUEUED");
      assert.equal(run.method, "lora");
      assert.equal(run.datasetId, null);
      assert.equal(run.experimentId, null);
      assert.deepEqual(run.inputAdapter, { id: adapterId });
      assert.deepEqual(run.baseModel, { id: baseId }, "the run loads the adapter's base");
      assert.ok(run.predictedTotalBytes > 0);

      const { runnerId, secret } = await registerRunnerForTest(server.db);
      const runner = await ScriptedRunner.connect(server.url, secret, runnerId);
      try {
        await runner.waitFor((e) => e.some((x) => x.job.runId === run.id), 10_000, "the MERGE job");
        const job = runner.assigned().find((j) => j.runId === run.id)!;
        const spec = job.spec as {
          kind: string;
          adapter: { id: string } | null;
          hyperparameters: Record<string, unknown>;
        };
        assert.equal(spec.kind, "MERGE");
        assert.equal(spec.adapter?.id, adapterId);
        // an imported adapter has no training run: the seed a training run gets by default (preset-seed.ts), float32
        assert.deepEqual(spec.hyperparameters, { steps: 0, seed: 42, dtype: "float32" });
        await runner.start(job.id);
        const files = [
          { name: "config.json", base64: Buffer.from('{"model_type":"qwen2"}').toString("base64") },
          { name: "model.safetensors", base64: Buffer.from([1, 2, 3, 4]).toString("base64") },
        ];
        const upload = await runner.mutate<{ uploadAdapter: { id: string; kind: string } }>(
          `mutation($j: ID!, $f: [FileUploadInput!]!) { uploadAdapter(jobId: $j, files: $f) { id kind } }`,
          { j: job.id, f: files },
        );
        assert.equal(upload.uploadAdapter.kind, "MODEL");
        await runner.complete(job.id, { total: 1, adapterParams: 1 });
        const after = await server.gql<{ baseModel: Merged }>(
          `query($id: ID!) { baseModel(id: $id) { status downloadUrl weights { id } mergeRun { status } } }`,
          { id: model.id },
        );
        const b = after.data!.baseModel;
        assert.equal(b.status, "READY");
        assert.equal(b.mergeRun.status, "SUCCEEDED");
        assert.deepEqual(b.weights, { id: upload.uploadAdapter.id });
        assert.equal(b.downloadUrl, `/artifacts/${upload.uploadAdapter.id}/download.zip`);
        const zip = await fetch(`${server.origin}${b.downloadUrl}`, {
          headers: { authorization: `Bearer ${server.adminKey}` },
        });
        assert.equal(zip.status, 200);
        const unzipped = unzipSync(new Uint8Array(await zip.arrayBuffer()));
        assert.deepEqual(Object.keys(unzipped).sort(), ["config.json", "model.safetensors"]);
        assert.deepEqual([...unzipped["model.safetensors"]!], [1, 2, 3, 4]);
      } finally {
        await runner.close();
      }
    });

    test("a trained adapter: its run's seed and dtype go to the MERGE run (the base as it trained against it)", async () => {
      const e = await createExperiment(server, await seedPeople(server, "seeded"), [
        { method: { method: "lora", r: 4 } },
      ]);
      const trainedRun = e.runs[0]!.id;
      const trained = await server.db.write(async (m) => {
        await m.query(
          `UPDATE run SET hyperparameters = hyperparameters || '{"seed": 11, "dtype": "bfloat16"}' WHERE id = $1`,
          [trainedRun],
        );
        const [a] = (await m.query(
          `INSERT INTO artifact (run_id, kind, size_bytes) VALUES ($1, 'ADAPTER', 1) RETURNING id`,
          [trainedRun],
        )) as { id: string }[];
        await insertRunAdapter(m, a!.id);
        const [row] = (await m.query(`SELECT id FROM adapter WHERE artifact_id = $1`, [a!.id])) as {
          id: string;
        }[];
        return row!.id;
      });
      const res = await merge(trained, "seeded merged");
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      const [row] = (await server.db.read((m) =>
        m.query(`SELECT hyperparameters FROM run WHERE id = $1`, [res.data!.mergeAdapter.mergeRun.id]),
      )) as { hyperparameters: Record<string, unknown> }[];
      assert.deepEqual(row!.hyperparameters, { steps: 0, seed: 11, dtype: "bfloat16" });
    });

    test("deleting the adapter's experiment: a merged model keeps its weights, a merge still waiting fails", async () => {
      const e = await createExperiment(server, await seedPeople(server, "deleted"), [
        { method: { method: "lora", r: 4 } },
      ]);
      const adapter = await server.db.write(async (m) => {
        await m.query(`UPDATE run SET status = 'SUCCEEDED' WHERE id = $1`, [e.runs[0]!.id]);
        const [a] = (await m.query(
          `INSERT INTO artifact (run_id, kind, size_bytes) VALUES ($1, 'ADAPTER', 1) RETURNING id`,
          [e.runs[0]!.id],
        )) as { id: string }[];
        await insertRunAdapter(m, a!.id);
        const [row] = (await m.query(`SELECT id FROM adapter WHERE artifact_id = $1`, [a!.id])) as {
          id: string;
        }[];
        return row!.id;
      });
      const done = (await merge(adapter, "kept merged")).data!.mergeAdapter;
      // room for the merge the test before left queued too
      const { runnerId, secret } = await registerRunnerForTest(server.db, { maxJobs: 4 });
      const runner = await ScriptedRunner.connect(server.url, secret, runnerId);
      try {
        await runner.waitFor(
          (ev) => ev.some((x) => x.job.runId === done.mergeRun.id),
          10_000,
          "the MERGE job",
        );
        const job = runner.assigned().find((j) => j.runId === done.mergeRun.id)!;
        await runner.start(job.id);
        await runner.mutate(
          `mutation($j: ID!) { uploadAdapter(jobId: $j, files: [{name: "model.safetensors", base64: "AAEC"}]) { id } }`,
          { j: job.id },
        );
        await runner.complete(job.id, { total: 1 });
      } finally {
        await runner.close();
      }
      const waiting = (await merge(adapter, "never merged")).data!.mergeAdapter;
      const del = await server.gql(`mutation($id: ID!) { deleteExperiment(id: $id) }`, { id: e.id });
      assert.equal(del.errors, undefined, JSON.stringify(del.errors));
      const read = async (id: string) =>
        (
          await server.gql<{ baseModel: Merged }>(
            `query($id: ID!) { baseModel(id: $id) { status downloadUrl mergedFromAdapter { id } } }`,
            { id },
          )
        ).data!.baseModel;
      const kept = await read(done.id);
      assert.equal(kept.status, "READY");
      assert.equal(kept.mergedFromAdapter, null, "the adapter is gone");
      const zip = await fetch(`${server.origin}${kept.downloadUrl}`, {
        headers: { authorization: `Bearer ${server.adminKey}` },
      });
      assert.equal(zip.status, 200, "its weights are still there");
      assert.equal((await read(waiting.id)).status, "FAILED");
    });

    test("a cancelled merge leaves its model FAILED; a retry makes it PENDING again", async () => {
      const res = await merge(adapterId, "cancelled merge");
      const model = res.data!.mergeAdapter;
      const cancel = await server.gql(
        `mutation($id: ID!) { cancelRun(id: $id, reason: "not now") { status } }`,
        { id: model.mergeRun.id },
      );
      assert.equal(cancel.errors, undefined, JSON.stringify(cancel.errors));
      const status = async () =>
        (
          await server.gql<{ baseModel: { status: string } }>(
            `query($id: ID!) { baseModel(id: $id) { status } }`,
            {
              id: model.id,
            },
          )
        ).data!.baseModel.status;
      assert.equal(await status(), "FAILED");
      const retry = await server.gql(`mutation($id: ID!) { retryRun(id: $id) { status } }`, {
        id: model.mergeRun.id,
      });
      assert.equal(retry.errors, undefined, JSON.stringify(retry.errors));
      assert.equal(await status(), "PENDING");
    });
  });
}
