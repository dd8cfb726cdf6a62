// An imported adapter has no training run: what is known of it is what its evaluations measured.
// `Adapter.evaluations` lists them, and evalLoss/forgettingDelta come from the newest that succeeded.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type Seeded, seedPeople } from "../runs/fixtures.js";
import { insertImportedAdapterForTest } from "../testing/runs.js";
import { drivers, startTestServer, type TestServer } from "../testing/test-server.js";

const files = [
  { name: "adapter_config.json", content: Buffer.from('{"peft_type":"LORA"}') },
  { name: "adapter_model.safetensors", content: Buffer.from("x".repeat(40)) },
];
const QUERY = `query($id: ID!) { adapter(id: $id) {
  evalLoss forgettingDelta evaluations { id kind status bestEvalLoss experimentId } } }`;

interface Answer {
  evalLoss: number | null;
  forgettingDelta: number | null;
  evaluations: {
    id: string;
    kind: string;
    status: string;
    bestEvalLoss: number | null;
    experimentId: string;
  }[];
}

for (const driver of drivers) {
  describe(`an imported adapter's evaluations on ${driver}`, () => {
    let server: TestServer;
    let seeded: Seeded;
    let adapterId: string;
    const read = async () => {
      const res = await server.gql<{ adapter: Answer }>(QUERY, { id: adapterId });
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      return res.data!.adapter;
    };
    const evaluate = async () => {
      const res = await server.gql<{ evaluateAdapters: { id: string } }>(
        `mutation($input: EvaluateAdaptersInput!) { evaluateAdapters(input: $input) { id } }`,
        { input: { adapterIds: [adapterId], datasetId: seeded.datasetId } },
      );
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      return res.data!.evaluateAdapters.id;
    };
    /** What endAttempt stores for a succeeded EVALUATE run (SQL: no runner in this test). */
    const succeed = (experimentId: string, loss: number, forgetting: [number, number]) =>
      server.db.write((m) =>
        m.query(
          `UPDATE run SET status = 'SUCCEEDED', best_eval_loss = $2,
                  result = jsonb_build_object('forgetting', jsonb_build_object('generalLossBefore', $3::float8, 'generalLossAfter', $4::float8))
            WHERE experiment_id = $1 AND adapter_id IS NOT NULL`,
          [experimentId, loss, ...forgetting],
        ),
      );

    before(async () => {
      server = await startTestServer(driver);
      seeded = await seedPeople(server);
      adapterId = (await insertImportedAdapterForTest(server.db, seeded.baseModelId, files)).adapterId;
    });
    after(() => server.close());

    test("nothing is known before an evaluation succeeds", async () => {
      assert.deepEqual(await read(), { evalLoss: null, forgettingDelta: null, evaluations: [] });
      const queued = await evaluate();
      const a = await read();
      assert.deepEqual(
        a.evaluations.map((e) => [e.experimentId, e.kind, e.status]),
        [[queued, "EVALUATE", "QUEUED"]],
        "only the adapter's own run, not the base-alone reference",
      );
      assert.equal(a.evalLoss, null);
    });

    test("the newest succeeded evaluation gives eval loss and forgetting; evaluations newest first", async () => {
      const first = await evaluate();
      await succeed(first, 2.5, [3, 3.25]);
      let a = await read();
      assert.equal(a.evalLoss, 2.5);
      assert.equal(a.forgettingDelta, 0.25);
      const second = await evaluate();
      await succeed(second, 2.0, [3, 3.5]);
      a = await read();
      assert.equal(a.evalLoss, 2.0);
      assert.equal(a.forgettingDelta, 0.5);
      assert.deepEqual(a.evaluations.map((e) => e.experimentId).slice(0, 2), [second, first]);
      assert.equal(a.evaluations.length, 3);
    });
  });
}
