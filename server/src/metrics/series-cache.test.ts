import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createExperiment, seedPeople } from "../runs/fixtures.js";
import { drivers, type TestServer, startTestServer } from "../testing/test-server.js";
import { MetricsService } from "./metrics.service.js";

const metricsQuery = `query($runIds: [ID!]!, $keys: [String!], $maxPoints: Int!) {
  metrics(runIds: $runIds, keys: $keys, maxPoints: $maxPoints) { runId key totalPoints steps values points { step value } }
}`;

for (const driver of drivers) {
  describe(`finished runs' series cache on ${driver}`, () => {
    let server: TestServer;
    let experimentId: string;
    let finished: string;
    let running: string;
    /** The same reads without a cache: the downsampling SQL every time. */
    let uncached: MetricsService;

    const served = async (runIds: string[], keys: string[] | null, maxPoints = 50) => {
      const res = await server.gql<{ metrics: unknown[] }>(metricsQuery, { runIds, keys, maxPoints });
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      return res.data!.metrics;
    };
    const truth = async (runIds: string[], keys: string[] | null, maxPoints = 50) =>
      (await uncached.series(runIds, keys, maxPoints)).map((s) => ({
        runId: s.runId,
        key: s.key,
        totalPoints: s.totalPoints,
        steps: Array.from(s.steps),
        values: Array.from(s.values),
        points: Array.from(s.steps, (step, i) => ({ step, value: s.values[i] })),
      }));
    const summaryFields = [
      "runId",
      "status",
      "finalTrainLoss",
      "bestTrainLoss",
      "finalEvalLoss",
      "bestEvalLoss",
      "steps",
    ] as const;
    /** compare's answer (cache on) equals the uncached service's, field by field. */
    const compareAgrees = async () => {
      const res = await server.gql<{ compare: Record<string, unknown>[] }>(
        `query($id: ID) { compare(experimentId: $id) { ${summaryFields.join(" ")} } }`,
        { id: experimentId },
      );
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      const expected = (await uncached.compare({ experimentId })).map((c) =>
        Object.fromEntries(summaryFields.map((f) => [f, c[f]])),
      );
      assert.deepEqual(res.data!.compare, expected);
      return expected;
    };
    const addPoints = (runId: string, from: number, to: number, offset: number) =>
      server.db.write((m) =>
        m.query(
          `INSERT INTO metric_point (run_id, key, step, value)
           SELECT $1, k, s, sin(s * 0.1) + $4 FROM unnest(ARRAY['train_loss', 'eval_loss']) k,
                  generate_series($2::int, $3::int) s`,
          [runId, from, to, offset],
        ),
      );
    const setStatus = (runId: string, status: string) =>
      server.db.write((m) =>
        m.query(
          `UPDATE run SET status = $2, attempt_count = attempt_count + CASE WHEN $2 = 'RUNNING' THEN 1 ELSE 0 END,
                  finished_at = CASE WHEN $2 IN ('SUCCEEDED', 'FAILED', 'CANCELLED') THEN now() END
            WHERE id = $1`,
          [runId, status],
        ),
      );

    before(async () => {
      // These tests write with SQL behind the server's back, as another process would, to show the series
      // cache checks the database; the answer cache in front of it trusts announced writes only
      // (app/answer-cache), so it is off here.
      server = await startTestServer(driver, { answerCacheBytes: 0 });
      uncached = new MetricsService(server.db); // cachePoints 0: the SQL every time
      const e = await createExperiment(server, await seedPeople(server));
      experimentId = e.id;
      [finished, running] = e.runs.map((r) => r.id) as [string, string];
      await addPoints(finished, 0, 999, 0);
      await addPoints(running, 0, 299, 1);
      await setStatus(finished, "FAILED");
      await setStatus(running, "RUNNING");
    });
    after(() => server.close());

    test("a cached answer equals the uncached one, for given keys and for every key; compare's too", async () => {
      for (const keys of [["train_loss"], null, ["eval_loss", "train_loss", "missing"]]) {
        const expected = await truth([finished, running], keys);
        assert.deepEqual(await served([finished, running], keys), expected); // fills the cache
        assert.deepEqual(await served([finished, running], keys), expected); // from the cache
        assert.deepEqual(await served([running, finished], keys), await truth([running, finished], keys));
      }
      for (let i = 0; i < 2; i++) {
        const rows = await compareAgrees();
        assert.ok(
          rows.every((r) => typeof r.bestTrainLoss === "number"),
          JSON.stringify(rows),
        );
      }
    });

    test("a finished run's series is read once; a running run's new points are never served stale", async () => {
      await served([finished, running], ["train_loss"], 40);
      // Behind the server's back (a finished run gets no points through the API): the cache still
      // answers the old series, which shows it is the cache answering.
      const before = await truth([finished], ["train_loss"], 40);
      await addPoints(finished, 1000, 1099, 0);
      assert.deepEqual((await served([finished], ["train_loss"], 40))[0], before[0]);
      // The running run's points arrive between two reads: the second read has them.
      await addPoints(running, 300, 399, 1);
      const [, live] = await served([finished, running], ["train_loss"], 40);
      assert.equal((live as { totalPoints: number }).totalPoints, 400);
      assert.deepEqual(live, (await truth([running], ["train_loss"], 40))[0]);
    });

    test("a retried run is not served its old series or summaries, before or after it finishes again", async () => {
      await served([finished], null);
      const retried = await server.gql(`mutation($id: ID!) { retryRun(id: $id) { status } }`, {
        id: finished,
      });
      assert.equal(retried.errors, undefined, JSON.stringify(retried.errors));
      assert.deepEqual(await served([finished], null), await truth([finished], null));
      assert.equal((await compareAgrees())[0]!.bestTrainLoss, null);
      assert.deepEqual((await served([finished], ["train_loss"]))[0], {
        runId: finished,
        key: "train_loss",
        totalPoints: 0,
        steps: [],
        values: [],
        points: [],
      });
      await setStatus(finished, "RUNNING");
      await addPoints(finished, 0, 199, 7);
      await setStatus(finished, "SUCCEEDED");
      const expected = await truth([finished], null);
      assert.equal((expected[0] as { totalPoints: number }).totalPoints, 200);
      assert.deepEqual(await served([finished], null), expected);
      assert.deepEqual(await served([finished], null), expected);
      assert.equal((await compareAgrees())[0]!.steps, 199);
      await compareAgrees();
    });

    test("a deleted run's cached series is not served", async () => {
      await served([finished], ["train_loss"]);
      const deleted = await server.gql(
        `mutation($id: ID!) { deleteExperiment(id: $id, cancelActive: true) }`,
        {
          id: experimentId,
        },
      );
      assert.equal(deleted.errors, undefined, JSON.stringify(deleted.errors));
      assert.deepEqual(await served([finished], ["train_loss"]), [
        { runId: finished, key: "train_loss", totalPoints: 0, steps: [], values: [], points: [] },
      ]);
    });
  });
}
