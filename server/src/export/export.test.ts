import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { parse } from "csv-parse/sync";
import { createExperiment, seedPeople } from "../runs/fixtures.js";
import { createApiKeyForTest, registerRunnerForTest } from "../testing/auth.js";
import { drivers, type TestServer, startTestServer } from "../testing/test-server.js";

for (const driver of drivers) {
  describe(`GET /export/compare.csv on ${driver}`, () => {
    let server: TestServer;
    let experimentId: string;
    let runIds: string[];
    const get = (query: string, token: string | null) =>
      fetch(`${server.origin}/export/compare.csv?${query}`, {
        headers: token ? { authorization: `Bearer ${token}` } : {},
      });

    before(async () => {
      server = await startTestServer(driver);
      const e = await createExperiment(server, await seedPeople(server), [
        { method: { method: "lora", r: 4 }, name: 'lora, "r=4"' },
        { method: { method: "full" } },
      ]);
      experimentId = e.id;
      runIds = e.runs.map((r) => r.id);
      await server.db.write((m) =>
        m.query(`UPDATE run SET final_train_loss = 0.5, measured_peak_bytes = 2048 WHERE id = $1`, [
          runIds[0],
        ]),
      );
      // the second as an evaluation's row would be (the base alone: no input adapter)
      await server.db.write((m) => m.query(`UPDATE run SET kind = 'EVALUATE' WHERE id = $1`, [runIds[1]]));
    });
    after(() => server.close());

    test("one row per run with the same numbers as compare, for a read key", async () => {
      const read = await createApiKeyForTest(server.db, "read");
      const res = await get(`experimentId=${experimentId}`, read);
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type") ?? "", /^text\/csv/);
      assert.match(
        res.headers.get("content-disposition") ?? "",
        /^attachment; filename="?compare-.*\.csv"?$/,
      );
      const rows = parse(await res.text(), { columns: true }) as Record<string, string>[];
      const compare = await server.gql<{ compare: Record<string, number | string | null>[] }>(
        `query($e: ID) { compare(experimentId: $e) { runId name method trainableParams totalParams predictedTotalBytes finalTrainLoss measuredPeakBytes } }`,
        { e: experimentId },
      );
      assert.equal(rows.length, 2);
      compare.data!.compare.forEach((c, i) => {
        const row = rows[i]!;
        assert.deepEqual(
          [
            row.run_id,
            row.name,
            row.method,
            Number(row.trainable_params),
            Number(row.total_params),
            Number(row.predicted_total_bytes),
          ],
          [c.runId, c.name, c.method, c.trainableParams, c.totalParams, c.predictedTotalBytes],
        );
        assert.equal(row.final_train_loss, c.finalTrainLoss === null ? "" : String(c.finalTrainLoss));
      });
      assert.equal(rows[0]!.name, 'lora, "r=4"', "quotes and commas survive");
      assert.equal(rows[0]!.measured_peak_bytes, "2048");
      assert.equal(JSON.parse(rows[0]!.method_config!).r, 4);
      assert.equal(rows[0]!.sweep_values, "", "not a sweep's run");
      assert.deepEqual(
        rows.map((r) => [r.kind, r.input_adapter_id]),
        [
          ["TRAIN", ""],
          ["EVALUATE", ""],
        ],
        "the evaluation row is marked",
      );

      const byIds = parse(await (await get(`runIds=${runIds[1]},${runIds[0]}`, read)).text(), {
        columns: true,
      }) as {
        run_id: string;
      }[];
      assert.deepEqual(
        byIds.map((r) => r.run_id),
        [runIds[1], runIds[0]],
      );
    });

    test("refused without a key (401), with a runner secret (403); bad ids are a 400", async () => {
      assert.equal((await get(`experimentId=${experimentId}`, null)).status, 401);
      const { secret } = await registerRunnerForTest(server.db);
      assert.equal((await get(`experimentId=${experimentId}`, secret)).status, 403);
      const bad = await get("experimentId=nope", server.adminKey);
      assert.equal(bad.status, 400);
      assert.equal(((await bad.json()) as { error: { field: string } }).error.field, "experimentId");
    });
  });
}
