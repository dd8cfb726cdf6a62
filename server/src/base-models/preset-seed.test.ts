// A preset base model's weights are rebuilt from a seed by every job, so the jobs that load an adapter on
// it (evaluate, merge, the playground) must rebuild the weights the adapter trained from: its run's seed, or
// the training default for an imported one. Before this rule each kind picked its own (42, the run's or 0,
// 0), and a merged model did not complete a prompt as its base + adapter did in the playground.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { insertRunAdapter } from "../adapters/adapter.repository.js";
import { createExperiment, type Seeded, seedPeople } from "../runs/fixtures.js";
import { insertImportedAdapterForTest } from "../testing/runs.js";
import { drivers, startTestServer, type TestServer } from "../testing/test-server.js";
import { DEFAULT_TRAINING_SEED } from "./preset-seed.js";

const files = [
  { name: "adapter_config.json", content: Buffer.from('{"peft_type":"LORA"}') },
  { name: "adapter_model.safetensors", content: Buffer.from("x".repeat(40)) },
];

for (const driver of drivers) {
  describe(`a preset base's seed on ${driver}`, () => {
    let server: TestServer;
    let seeded: Seeded;
    let imported: string;
    let trainedSeven: string;
    const runSeeds = async (where: string, params: unknown[]) =>
      server.db.read(
        async (m) =>
          (await m.query(
            `SELECT method, adapter_id, (hyperparameters->>'seed')::int AS seed FROM run WHERE ${where}`,
            params,
          )) as { method: string; adapter_id: string | null; seed: number }[],
      );

    before(async () => {
      server = await startTestServer(driver);
      seeded = await seedPeople(server);
      imported = (await insertImportedAdapterForTest(server.db, seeded.baseModelId, files)).adapterId;
      // an adapter trained here from seed 7
      const e = await createExperiment(server, seeded, [{ method: { method: "lora", r: 2 } }]);
      const runId = e.runs[0]!.id;
      trainedSeven = await server.db.write(async (m) => {
        await m.query(`UPDATE run SET hyperparameters = hyperparameters || '{"seed": 7}' WHERE id = $1`, [
          runId,
        ]);
        const [a] = (await m.query(
          `INSERT INTO artifact (run_id, kind, size_bytes) VALUES ($1, 'ADAPTER', 10) RETURNING id`,
          [runId],
        )) as { id: string }[];
        await insertRunAdapter(m, a!.id);
        const [row] = (await m.query(`SELECT id FROM adapter WHERE artifact_id = $1`, [a!.id])) as {
          id: string;
        }[];
        return row!.id;
      });
    });
    after(() => server.close());

    const evaluate = async (adapterIds: string[]) => {
      const res = await server.gql<{ evaluateAdapters: { id: string } }>(
        `mutation($input: EvaluateAdaptersInput!) { evaluateAdapters(input: $input) { id } }`,
        { input: { adapterIds, datasetId: seeded.datasetId } },
      );
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      return runSeeds("experiment_id = $1", [res.data!.evaluateAdapters.id]);
    };

    test("an evaluation rebuilds the base per run from the seed each adapter trained from", async () => {
      const runs = await evaluate([imported, trainedSeven]);
      const seedOf = (adapterId: string | null) => runs.find((r) => r.adapter_id === adapterId)!.seed;
      assert.equal(seedOf(imported), DEFAULT_TRAINING_SEED);
      assert.equal(seedOf(trainedSeven), 7);
      // the two do not share a base: the base alone is the one a training run gets by default
      assert.equal(seedOf(null), DEFAULT_TRAINING_SEED);
      const alone = await evaluate([trainedSeven]);
      assert.equal(alone.find((r) => r.adapter_id === null)!.seed, 7, "the base its one adapter saw");
    });

    test("a merge rebuilds the base from its adapter's seed", async () => {
      const res = await server.gql<{ mergeAdapter: { mergeRunId: string } }>(
        `mutation($a: ID!) { mergeAdapter(adapterId: $a, name: "merged seven") { mergeRunId } }`,
        { a: trainedSeven },
      );
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      const [run] = await runSeeds("id = $1", [res.data!.mergeAdapter.mergeRunId]);
      assert.equal(run!.seed, 7);
    });

    test("the playground rebuilds the base from its adapters' seed, and refuses adapters from different seeds", async () => {
      const start = (adapterIds: string[]) =>
        server.gql<{ startPlayground: { id: string } }>(
          `mutation($input: StartPlaygroundInput!) { startPlayground(input: $input) { id } }`,
          { input: { baseModelId: seeded.baseModelId, adapterIds, prompt: "q1" } },
        );
      const ok = await start([trainedSeven]);
      assert.equal(ok.errors, undefined, JSON.stringify(ok.errors));
      const [run] = await runSeeds("id = $1", [ok.data!.startPlayground.id]);
      assert.equal(run!.seed, 7);

      const sessions = async () =>
        server.db.read(
          async (m) => (await m.query(`SELECT count(*)::int AS n FROM playground_session`))[0].n,
        );
      const before = await sessions();
      const mixed = await start([imported, trainedSeven]);
      assert.equal(mixed.errors?.[0]?.extensions?.code, "BAD_USER_INPUT");
      assert.equal(mixed.errors?.[0]?.extensions?.field, "adapterIds[1]");
      assert.match(mixed.errors![0]!.message, /seed 7.*seed 42.*separate sessions/);
      assert.equal(await sessions(), before, "nothing stored");
    });
  });
}
