import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { QueryRunner } from "typeorm";
import { loadMigrations } from "../db/migrations.js";
import { createExperiment, seedPeople } from "../runs/fixtures.js";
import { createApiKeyForTest } from "../testing/auth.js";
import { drivers, type TestServer, startTestServer } from "../testing/test-server.js";

interface Node {
  id: string;
  method: string;
  source: string;
  runId: string | null;
  trainableParams: number;
  sizeBytes: number;
  evalLoss: number | null;
  forgettingDelta: number | null;
  baseModel: { id: string };
  files: { name: string; sha256: string; downloadUrl: string }[];
  artifact: { id: string; kind: string };
}
const nodeFields = `id method source runId trainableParams sizeBytes evalLoss forgettingDelta baseModel { id }
  files { name sha256 downloadUrl } artifact { id kind }`;

/**
 * The adapters migration and those after it (which may depend on its table), to replay its backfill over
 * artifacts written before it existed: `down` reverts them newest first, `up` applies them again in order.
 */
function adaptersMigration() {
  const all = loadMigrations();
  const at = all.findIndex((c) => c.name.startsWith("Adapters"));
  assert.ok(at >= 0, "the adapters migration is compiled");
  const since = all.slice(at).map((M) => new M());
  return {
    async down(q: QueryRunner) {
      for (const m of [...since].reverse()) await m.down(q);
    },
    async up(q: QueryRunner) {
      for (const m of since) await m.up(q);
    },
  };
}

for (const driver of drivers) {
  describe(`adapters on ${driver}`, () => {
    let server: TestServer;
    let experimentA: { id: string; runs: { id: string; method: string; trainableParams: number }[] };
    let experimentB: { id: string; runs: { id: string; method: string }[] };
    let otherModelId: string;

    before(async () => {
      server = await startTestServer(driver);
      const seeded = await seedPeople(server);
      experimentA = await createExperiment(server, seeded, [
        { method: { method: "lora", r: 4 } },
        { method: { method: "dora", r: 2 } },
        { method: { method: "full" } },
      ]);
      const other = await seedPeople(server, "other");
      otherModelId = other.baseModelId;
      experimentB = await createExperiment(server, other, [{ method: { method: "lora", r: 8 } }]);
      // Artifacts as runs uploaded them before adapters were rows: the migration's backfill makes the
      // ADAPTER ones adapters of their runs (a MODEL and a CHECKPOINT do not become adapters).
      const migration = adaptersMigration();
      await server.db.write(async (m) => {
        await migration.down(m.queryRunner!);
        const runs = [...experimentA.runs, ...experimentB.runs];
        for (const [i, run] of runs.entries()) {
          const kind = run.method === "full" ? "MODEL" : "ADAPTER";
          const [a] = (await m.query(
            `INSERT INTO artifact (run_id, kind, size_bytes) VALUES ($1, $2, $3) RETURNING id`,
            [run.id, kind, 100 + i],
          )) as { id: string }[];
          await m.query(
            `INSERT INTO artifact_file (artifact_id, name, size_bytes, sha256, content) VALUES ($1, 'adapter_config.json', 2, 'ab', '\\x7b7d')`,
            [a!.id],
          );
          await m.query(
            `INSERT INTO artifact (run_id, kind, step, size_bytes) VALUES ($1, 'CHECKPOINT', 1, 1)`,
            [run.id],
          );
        }
        await m.query(
          `UPDATE run SET best_eval_loss = 1.5, result = '{"forgetting": {"generalLossBefore": 2, "generalLossAfter": 2.25}}'
            WHERE id = $1`,
          [experimentA.runs[0]!.id],
        );
        await migration.up(m.queryRunner!);
      });
    });
    after(() => server.close());

    test("backfilled: one adapter per ADAPTER artifact, with the run's method, config, count and metrics", async () => {
      const lora = experimentA.runs[0]!;
      const res = await server.gql<{ run: { adapter: Node; output: { kind: string } } }>(
        `query($id: ID!) { run(id: $id) { adapter { ${nodeFields} } output { kind } } }`,
        { id: lora.id },
      );
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      const a = res.data!.run.adapter;
      assert.equal(a.method, "lora");
      assert.equal(a.source, "RUN");
      assert.equal(a.runId, lora.id);
      assert.equal(a.trainableParams, lora.trainableParams);
      assert.equal(a.sizeBytes, 100);
      assert.equal(a.evalLoss, 1.5);
      assert.equal(a.forgettingDelta, 0.25);
      assert.equal(a.artifact.kind, "ADAPTER");
      assert.deepEqual(
        a.files.map((f) => f.name),
        ["adapter_config.json"],
      );
      assert.equal(a.files[0]!.downloadUrl, `/artifacts/${a.artifact.id}/files/adapter_config.json`);

      const byId = await server.gql<{ adapter: { id: string; methodConfig: { r: number } } }>(
        `query($id: ID!) { adapter(id: $id) { id methodConfig } }`,
        { id: a.id },
      );
      assert.equal(byId.data!.adapter.methodConfig.r, 4);

      const full = await server.gql<{ run: { adapter: null; output: { kind: string } } }>(
        `query($id: ID!) { run(id: $id) { adapter { id } output { kind } } }`,
        { id: experimentA.runs[2]!.id },
      );
      assert.equal(full.data!.run.adapter, null, "a FULL run's model folder is not an adapter");
      assert.equal(full.data!.run.output.kind, "MODEL");
    });

    const list = async (filter: Record<string, unknown> | null, first = 20, after: string | null = null) => {
      const res = await server.gql<{
        adapters: {
          totalCount: number;
          edges: { node: { runId: string } }[];
          pageInfo: { hasNextPage: boolean; endCursor: string };
        };
      }>(
        `query($f: AdapterFilter, $first: Int, $after: String) { adapters(filter: $f, first: $first, after: $after) {
           totalCount edges { node { runId } } pageInfo { hasNextPage endCursor } } }`,
        { f: filter, first, after },
      );
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      return res.data!.adapters;
    };

    test("adapters: newest first, filtered by base model, method and experiment, paged", async () => {
      const [lora, dora] = experimentA.runs;
      const [otherLora] = experimentB.runs;
      const runIds = (c: { edges: { node: { runId: string } }[] }) => c.edges.map((e) => e.node.runId);
      const all = await list(null);
      assert.equal(all.totalCount, 3);
      assert.deepEqual(runIds(all), [otherLora!.id, dora!.id, lora!.id]);
      assert.deepEqual(runIds(await list({ method: "lora" })), [otherLora!.id, lora!.id]);
      assert.deepEqual(runIds(await list({ baseModelId: otherModelId })), [otherLora!.id]);
      assert.deepEqual(runIds(await list({ experimentId: experimentA.id })), [dora!.id, lora!.id]);
      assert.deepEqual(runIds(await list({ experimentId: experimentA.id, method: "dora" })), [dora!.id]);
      const page1 = await list(null, 2);
      assert.equal(page1.pageInfo.hasNextPage, true);
      const page2 = await list(null, 2, page1.pageInfo.endCursor);
      assert.deepEqual(runIds(page2), [lora!.id]);
      assert.equal(page2.pageInfo.hasNextPage, false);
    });

    test("bad ids and cursors are coded errors naming the field; reading needs a key", async () => {
      const code = async (query: string, variables: Record<string, unknown>, token?: string | null) => {
        const res = await server.gql(query, variables, token);
        const e = res.errors?.[0]?.extensions as { code?: string; field?: string } | undefined;
        return [e?.code, e?.field];
      };
      const q = `query($f: AdapterFilter, $after: String) { adapters(filter: $f, after: $after) { totalCount } }`;
      assert.deepEqual(await code(q, { f: { baseModelId: "nope" } }), [
        "BAD_USER_INPUT",
        "filter.baseModelId",
      ]);
      assert.deepEqual(await code(q, { f: { experimentId: "x" } }), [
        "BAD_USER_INPUT",
        "filter.experimentId",
      ]);
      assert.deepEqual(await code(q, { after: "garbage" }), ["BAD_USER_INPUT", "after"]);
      assert.deepEqual(
        await code(`query { adapter(id: "00000000-0000-0000-0000-000000000000") { id } }`, {}),
        ["NOT_FOUND", "id"],
      );
      assert.deepEqual((await code(q, {}, null))[0], "UNAUTHENTICATED");
      const read = await createApiKeyForTest(server.db, "read");
      assert.deepEqual((await code(q, {}, read))[0], undefined);
    });
  });
}
