import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createExperiment, seedPeople } from "../runs/fixtures.js";
import { drivers, type TestServer, startTestServer } from "../testing/test-server.js";
import { downsampleMinMax, type Point } from "./downsample.js";

const metricsQuery = `query($runIds: [ID!]!, $keys: [String!], $maxPoints: Int!) {
  metrics(runIds: $runIds, keys: $keys, maxPoints: $maxPoints) {
    runId key totalPoints steps values wallTimesMs points { step value wallTimeMs }
  }
}`;

interface Series {
  runId: string;
  key: string;
  totalPoints: number;
  steps: number[];
  values: number[];
  wallTimesMs: number[];
  points: (Point & { wallTimeMs: number })[];
}

for (const driver of drivers) {
  describe(`metrics and compare on ${driver}`, () => {
    let server: TestServer;
    let runA: string;
    let runB: string;
    const all = async (runId: string, key: string): Promise<Point[]> =>
      (await stored(runId, key)).map(({ step, value }) => ({ step, value }));
    /** Every stored point of a series with its wall time in ms, as the database has them. */
    const stored = async (runId: string, key: string) =>
      (
        (await server.db.read((m) =>
          m.query(
            `SELECT step, value, (extract(epoch FROM wall_time) * 1000)::text AS wall
               FROM metric_point WHERE run_id = $1 AND key = $2 ORDER BY step`,
            [runId, key],
          ),
        )) as { step: number; value: number; wall: string }[]
      ).map((r) => ({ step: r.step, value: r.value, wallTimeMs: Number(r.wall) }));

    before(async () => {
      server = await startTestServer(driver);
      const seeded = await seedPeople(server);
      const e = await createExperiment(server, seeded);
      [runA, runB] = e.runs.map((r) => r.id) as [string, string];
      // 100k points of a noisy curve with spikes, a 5k-point series and a 3-point one; B has only eval_loss.
      await server.db.write(async (m) => {
        await m.query(
          `INSERT INTO metric_point (run_id, key, step, value)
           SELECT $1, 'train_loss', s, 3 * exp(-s / 20000.0) + 0.1 * sin(s * 0.37) + CASE WHEN s % 9973 = 0 THEN 5 ELSE 0 END
             FROM generate_series(0, 99999) s`,
          [runA],
        );
        await m.query(
          `INSERT INTO metric_point (run_id, key, step, value)
           SELECT $1, 'learning_rate', s * 2, (s % 17) * 0.001 FROM generate_series(1, 5000) s`,
          [runA],
        );
        await m.query(
          `INSERT INTO metric_point (run_id, key, step, value) VALUES ($1, 'eval_loss', 10, 2.0), ($1, 'eval_loss', 20, 1.5), ($1, 'eval_loss', 30, 1.6)`,
          [runB],
        );
      });
      // In-process PGlite blocked the event loop for the inserts: let the HTTP keep-alive timers that
      // expired meanwhile close their sockets before the next request picks one from the pool.
      await new Promise((resolve) => setTimeout(resolve, 100));
    });
    after(() => server.close());

    test("every series in one query: each bucket's min and max, first and last point, as downsampleMinMax", async () => {
      const maxPoints = 200;
      const res = await server.gql<{ metrics: Series[] }>(metricsQuery, {
        runIds: [runA, runB],
        keys: ["train_loss", "eval_loss", "learning_rate"],
        maxPoints,
      });
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      const series = res.data!.metrics;
      assert.deepEqual(
        series.map((s) => [s.runId, s.key, s.totalPoints]),
        [
          [runA, "eval_loss", 0],
          [runA, "learning_rate", 5000],
          [runA, "train_loss", 100_000],
          [runB, "eval_loss", 3],
          [runB, "learning_rate", 0],
          [runB, "train_loss", 0],
        ],
      );
      for (const s of series.filter((s) => s.totalPoints > 0)) {
        const full = await all(s.runId, s.key);
        assert.ok(s.points.length <= maxPoints);
        assert.deepEqual(
          s.points.map(({ step, value }) => ({ step, value })),
          downsampleMinMax(full, maxPoints),
          `${s.key} equals the reference`,
        );
        // The columns are the same points, index by index, wall times included.
        const withWall = new Map((await stored(s.runId, s.key)).map((p) => [p.step, p]));
        assert.deepEqual(
          s.steps.map((step, i) => ({ step, value: s.values[i], wallTimeMs: s.wallTimesMs[i] })),
          s.points.map((p) => withWall.get(p.step)),
          `${s.key}: columns equal the stored points`,
        );
        assert.deepEqual(
          s.points,
          s.steps.map((step, i) => ({ step, value: s.values[i], wallTimeMs: s.wallTimesMs[i] })),
        );
        assert.deepEqual(s.steps.at(-1), full.at(-1)!.step, "the last point is kept");
        assert.deepEqual(s.steps[0], full[0]!.step);
      }
      // Independently of the reference: every bucket's min and max are there.
      const train = series.find((s) => s.key === "train_loss")!.points;
      const full = await all(runA, "train_loss");
      const buckets = Math.floor((maxPoints - 2) / 2);
      const inner = full.length - 2;
      const kept = new Set(train.map((p) => p.step));
      for (let b = 0; b < buckets; b++) {
        const slice = full.slice(
          1 + Math.floor((b * inner) / buckets),
          1 + Math.floor(((b + 1) * inner) / buckets),
        );
        const min = Math.min(...slice.map((p) => p.value));
        const max = Math.max(...slice.map((p) => p.value));
        assert.ok(
          slice.some((p) => p.value === min && kept.has(p.step)),
          `bucket ${b} min`,
        );
        assert.ok(
          slice.some((p) => p.value === max && kept.has(p.step)),
          `bucket ${b} max`,
        );
      }
      assert.equal(
        Math.max(...train.map((p) => p.value)),
        Math.max(...full.map((p) => p.value)),
        "spikes survive",
      );
    });

    test("without keys: every key of each run; bad arguments name their field", async () => {
      const res = await server.gql<{ metrics: Series[] }>(metricsQuery, { runIds: [runB], maxPoints: 4 });
      assert.deepEqual(
        res.data!.metrics.map((s) => [s.key, s.points.map((p) => p.step)]),
        [["eval_loss", [10, 20, 30]]],
      );
      for (const [vars, field] of [
        [{ runIds: [runA], maxPoints: 3 }, "maxPoints"],
        [{ runIds: [], maxPoints: 10 }, "runIds"],
        [{ runIds: ["x"], maxPoints: 10 }, "runIds[0]"],
      ] as const) {
        const bad = await server.gql(metricsQuery, vars);
        assert.equal(bad.errors?.[0]?.extensions?.field, field);
      }
    });

    test("compare returns what was stored, and falls back to metric points without a result", async () => {
      await server.db.write(async (m) => {
        await m.query(
          `UPDATE run SET status = 'SUCCEEDED', measured_peak_bytes = 1000, final_train_loss = 0.75, best_eval_loss = 1.25,
                  tokens_per_second = 321.5, started_at = '2026-01-01T00:00:00Z', finished_at = '2026-01-01T00:01:30Z',
                  result = '{"forgetting": {"generalLossBefore": 2.0, "generalLossAfter": 2.5}, "steps": 20}'
            WHERE id = $1`,
          [runA],
        );
        await m.query(
          `INSERT INTO sample (run_id, step, prompt, output) VALUES ($1, 5, 'q', 'old'), ($1, 10, 'q', 'new'), ($1, 10, 'p', 'x')`,
          [runA],
        );
      });
      const res = await server.gql<{ compare: Record<string, unknown>[] }>(
        `query($ids: [ID!]) { compare(runIds: $ids) {
          runId method trainableParams totalParams trainablePercent predictedTotalBytes measuredPeakBytes peakOverPredicted
          finalTrainLoss bestTrainLoss finalEvalLoss bestEvalLoss tokensPerSecond durationMs steps forgettingDelta
          predictedMemory samples { step prompt output } } }`,
        { ids: [runB, runA] },
      );
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      const [b, a] = res.data!.compare;
      const stored = (await server.db.read((m) =>
        m.query(
          `SELECT id, trainable_params, total_params, predicted_total_bytes, predicted FROM run WHERE id = ANY($1)`,
          [[runA, runB]],
        ),
      )) as {
        id: string;
        trainable_params: string;
        total_params: string;
        predicted_total_bytes: string;
        predicted: { memory: unknown };
      }[];
      const sa = stored.find((r) => r.id === runA)!;
      const full = await all(runA, "train_loss");
      assert.deepEqual(
        {
          runId: a!.runId,
          trainableParams: a!.trainableParams,
          totalParams: a!.totalParams,
          predictedTotalBytes: a!.predictedTotalBytes,
          predictedMemory: a!.predictedMemory,
          measuredPeakBytes: a!.measuredPeakBytes,
          peakOverPredicted: a!.peakOverPredicted,
          finalTrainLoss: a!.finalTrainLoss,
          bestTrainLoss: a!.bestTrainLoss,
          bestEvalLoss: a!.bestEvalLoss,
          tokensPerSecond: a!.tokensPerSecond,
          durationMs: a!.durationMs,
          steps: a!.steps,
          forgettingDelta: a!.forgettingDelta,
          samples: a!.samples,
        },
        {
          runId: runA,
          trainableParams: Number(sa.trainable_params),
          totalParams: Number(sa.total_params),
          predictedTotalBytes: Number(sa.predicted_total_bytes),
          predictedMemory: sa.predicted.memory,
          measuredPeakBytes: 1000,
          peakOverPredicted: 1000 / Number(sa.predicted_total_bytes),
          finalTrainLoss: 0.75,
          bestTrainLoss: Math.min(...full.map((p) => p.value)),
          bestEvalLoss: 1.25,
          tokensPerSecond: 321.5,
          durationMs: 90_000,
          steps: 99_999,
          forgettingDelta: 0.5,
          samples: [
            { step: 10, prompt: "p", output: "x" },
            { step: 10, prompt: "q", output: "new" },
          ],
        },
      );
      assert.equal(a!.trainablePercent, (100 * Number(sa.trainable_params)) / Number(sa.total_params));
      // B has no result: eval losses come from its points.
      assert.deepEqual(
        [b!.finalEvalLoss, b!.bestEvalLoss, b!.finalTrainLoss, b!.measuredPeakBytes],
        [1.6, 1.5, null, null],
      );
      const bad = await server.gql(`{ compare { runId } }`);
      assert.equal(bad.errors?.[0]?.extensions?.code, "BAD_USER_INPUT");
    });
  });
}
