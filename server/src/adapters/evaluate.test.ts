import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { countParameters, resolveModel } from "@tunelab/core";
import { createExperiment, type Seeded, seedPeople } from "../runs/fixtures.js";
import { createApiKeyForTest } from "../testing/auth.js";
import { insertImportedAdapterForTest } from "../testing/runs.js";
import { drivers, startTestServer, type TestServer } from "../testing/test-server.js";
import { insertRunAdapter } from "./adapter.repository.js";

// biome-ignore lint/suspicious/noExplicitAny: GraphQL answers are read loosely in these assertions.
type Loose = any;

const MUTATION = `mutation($input: EvaluateAdaptersInput!) { evaluateAdapters(input: $input) {
  id name kind datasetId generalDatasetId baseModelId hyperparameters
  runs { id name kind status method methodConfig hyperparameters trainableParams totalParams predictedTotalBytes datasetId
         inputAdapterId inputAdapter { id } adapter { id } } } }`;
const files = (tag: string) => [
  { name: "adapter_config.json", content: Buffer.from(`{"peft_type":"LORA","tag":"${tag}"}`) },
  { name: "adapter_model.safetensors", content: Buffer.from(tag.repeat(40)) },
];

for (const driver of drivers) {
  describe(`evaluateAdapters on ${driver}`, () => {
    let server: TestServer;
    let seeded: Seeded;
    let imported: string;
    let trained: { adapterId: string; runName: string };
    let otherBase: string;
    let noEval: string;
    let general: string;
    const counts = async () =>
      (
        (await server.db.read((m) =>
          m.query(
            `SELECT (SELECT count(*) FROM experiment)::int AS experiments, (SELECT count(*) FROM run)::int AS runs,
                    (SELECT count(*) FROM run_status_change)::int AS changes`,
          ),
        )) as { experiments: number; runs: number; changes: number }[]
      )[0]!;

    before(async () => {
      server = await startTestServer(driver);
      seeded = await seedPeople(server);
      imported = (
        await insertImportedAdapterForTest(server.db, seeded.baseModelId, files("a"), {
          method: "lora",
          r: 4,
          lora_alpha: 8,
          target_modules: ["q_proj", "v_proj"],
        })
      ).adapterId;
      // an adapter trained here: its run's ADAPTER artifact, as uploadAdapter stores it
      const e = await createExperiment(server, seeded, [{ method: { method: "dora", r: 2 } }]);
      const run = e.runs[0]!;
      // trained with seed 7: on a preset base, the evaluation must use the same (the base is seeded)
      await server.db.write((m) =>
        m.query(`UPDATE run SET hyperparameters = jsonb_set(hyperparameters, '{seed}', '7') WHERE id = $1`, [
          run.id,
        ]),
      );
      trained = {
        runName: run.name,
        adapterId: await server.db.write(async (m) => {
          const [a] = (await m.query(
            `INSERT INTO artifact (run_id, kind, size_bytes) VALUES ($1, 'ADAPTER', 10) RETURNING id`,
            [run.id],
          )) as { id: string }[];
          await insertRunAdapter(m, a!.id);
          const [row] = (await m.query(`SELECT id FROM adapter WHERE artifact_id = $1`, [a!.id])) as {
            id: string;
          }[];
          return row!.id;
        }),
      };
      const other = await seedPeople(server, "other");
      otherBase = (await insertImportedAdapterForTest(server.db, other.baseModelId, files("b"))).adapterId;
      const d = await server.gql<{ createDataset: { id: string } }>(
        `mutation($input: CreateDatasetInput!) { createDataset(input: $input) { id } }`,
        {
          input: {
            name: "all train",
            format: "JSONL",
            content: '{"text":"a"}\n{"text":"b"}',
            evalFraction: 0,
          },
        },
      );
      assert.equal(d.errors, undefined, JSON.stringify(d.errors));
      noEval = d.data!.createDataset.id;
      const g = await server.gql<{ createDataset: { id: string } }>(
        `mutation($input: CreateDatasetInput!) { createDataset(input: $input) { id } }`,
        { input: { name: "general", format: "JSONL", content: '{"text":"the sun"}\n{"text":"rises"}' } },
      );
      general = g.data!.createDataset.id;
    });
    after(() => server.close());

    test("one EVALUATION experiment: the base alone, then one EVALUATE run per adapter, queued in one write", async () => {
      const before = await counts();
      const res = await server.gql<{ evaluateAdapters: Loose }>(MUTATION, {
        input: {
          adapterIds: [imported, trained.adapterId],
          datasetId: seeded.datasetId,
          generalDatasetId: general,
          samplePrompts: ["q1"],
        },
      });
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      const e = res.data!.evaluateAdapters;
      assert.equal(e.kind, "EVALUATION");
      assert.equal(e.name, "Evaluate 2 adapters on data nano");
      assert.equal(e.datasetId, seeded.datasetId);
      assert.equal(e.generalDatasetId, general);
      assert.equal(e.baseModelId, seeded.baseModelId);
      assert.deepEqual(e.hyperparameters, {
        steps: 0,
        batchSize: 8,
        seqLen: Math.min(256, resolveModel("tunelab-nano").max_position_embeddings),
        seed: 42,
        samplePrompts: ["q1"],
        generalDatasetId: general,
      });
      const [base, lora, dora] = e.runs as Loose[];
      assert.equal(e.runs.length, 3);
      for (const r of e.runs) {
        assert.equal(r.kind, "EVALUATE");
        assert.equal(r.status, "QUEUED");
        assert.equal(r.datasetId, seeded.datasetId);
        assert.equal(r.adapter, null, "an evaluation produces no adapter");
      }
      assert.equal(base.method, "base");
      assert.equal(base.name, "base model alone");
      assert.equal(base.trainableParams, 0);
      assert.equal(base.inputAdapterId, null);
      assert.equal(lora.method, "lora");
      assert.equal(lora.inputAdapterId, imported);
      assert.equal(lora.inputAdapter.id, imported);
      assert.equal(lora.trainableParams, 1000, "the adapter's own count");
      assert.match(lora.name, /^lora imported \(/);
      assert.equal(lora.methodConfig.r, 4);
      assert.equal(dora.method, "dora");
      assert.equal(dora.name, `dora from ${trained.runName} (${trained.adapterId.slice(0, 8)})`);
      assert.deepEqual(
        [base, lora, dora].map((r) => r.hyperparameters.seed),
        [42, 42, 7],
        "an adapter trained here is evaluated on its run's seeded base",
      );
      assert.equal(base.totalParams, countParameters("tunelab-nano", { method: "full" }).total);
      assert.equal(base.predictedTotalBytes, Math.max(lora.predictedTotalBytes, dora.predictedTotalBytes));
      const after = await counts();
      assert.deepEqual(after, {
        experiments: before.experiments + 1,
        runs: before.runs + 3,
        changes: before.changes + 3,
      });

      // the comparison says what each row is
      const compared = await server.gql<{ compare: Loose[] }>(
        `query($id: ID!) { compare(experimentId: $id) { runId kind method inputAdapterId trainableParams } }`,
        { id: e.id },
      );
      assert.equal(compared.errors, undefined, JSON.stringify(compared.errors));
      assert.deepEqual(
        compared.data!.compare.map((r: Loose) => [r.kind, r.method, r.inputAdapterId, r.trainableParams]),
        [
          ["EVALUATE", "base", null, 0],
          ["EVALUATE", "lora", imported, 1000],
          ["EVALUATE", "dora", trained.adapterId, dora.trainableParams],
        ],
      );
    });

    test("a read key may not evaluate (FORBIDDEN)", async () => {
      const read = await createApiKeyForTest(server.db, "read");
      const res = await server.gql(
        MUTATION,
        { input: { adapterIds: [imported], datasetId: seeded.datasetId } },
        read,
      );
      assert.equal(res.errors?.[0]?.extensions?.code, "FORBIDDEN");
    });

    const unknown = "00000000-0000-4000-8000-000000000000";
    const invalid: [string, (i: Record<string, unknown>) => void, RegExp][] = [
      ["adapterIds", (i) => (i.adapterIds = []), /1 to 16/],
      ["adapterIds", (i) => (i.adapterIds = Array.from({ length: 17 }, () => unknown)), /1 to 16/],
      ["adapterIds[0]", (i) => (i.adapterIds = ["nope"]), /not an id/],
      ["adapterIds[1]", (i) => (i.adapterIds = [imported, imported]), /repeats adapterIds\[0\]/],
      ["adapterIds[1]", (i) => (i.adapterIds = [imported, unknown]), /does not exist/],
      ["adapterIds[1]", (i) => (i.adapterIds = [imported, otherBase]), /base model "other".*"nano"/],
      ["datasetId", (i) => (i.datasetId = unknown), /does not exist/],
      ["datasetId", (i) => (i.datasetId = "x"), /does not exist/],
      ["datasetId", () => {}, /no eval split/],
      ["generalDatasetId", (i) => (i.generalDatasetId = unknown), /does not exist/],
      ["samplePrompts[1]", (i) => (i.samplePrompts = ["a", ""]), /1 to 2000/],
      ["samplePrompts", (i) => (i.samplePrompts = Array.from({ length: 21 }, () => "p")), /at most 20/],
      ["batchSize", (i) => (i.batchSize = 0), /\[1, 256\]/],
      ["seqLen", (i) => (i.seqLen = 1_000_000), /integer in \[1, /],
      ["name", (i) => (i.name = "n".repeat(201)), /at most 200/],
    ];
    for (const [field, mutate, message] of invalid) {
      test(`BAD_USER_INPUT naming ${field} (${message.source}), nothing stored`, async () => {
        const input: Record<string, unknown> = {
          adapterIds: [imported],
          datasetId: message.source === "no eval split" ? noEval : seeded.datasetId,
        };
        mutate(input);
        const before = await counts();
        const res = await server.gql(MUTATION, { input });
        assert.equal(res.errors?.[0]?.extensions?.code, "BAD_USER_INPUT", JSON.stringify(res.errors));
        assert.equal(res.errors?.[0]?.extensions?.field, field, JSON.stringify(res.errors));
        assert.match(res.errors![0]!.message, message);
        assert.deepEqual(await counts(), before);
      });
    }
  });
}
