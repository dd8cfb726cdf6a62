import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createEvents } from "../app/events.js";
import { registerRunnerForTest } from "../testing/auth.js";
import { openTestDatabase, type TestDatabase } from "../testing/database.js";
import { drivers, type TestServer, startTestServer } from "../testing/test-server.js";
import { createExperiment, type Seeded, seedPeople } from "./fixtures.js";
import { RunService } from "./run.service.js";

const runQuery = `query($id: ID!) { run(id: $id) {
  id status statusReason cancelRequestedAt cancelReason attemptCount maxAttempts
  statusHistory { from to reason attempt }
  attempts { jobId attempt runnerId runnerName status }
  metricKeys
  runner { id name }
  predictedTotalBytes predictedMemory { total frozenWeights trainableWeights gradients optimizerState activations }
} }`;
const cancel = `mutation($id: ID!, $reason: String!) { cancelRun(id: $id, reason: $reason) { id status cancelRequestedAt cancelReason } }`;
const retry = `mutation($id: ID!) { retryRun(id: $id) { id status attemptCount maxAttempts statusHistory { from to } } }`;
const remove = `mutation($id: ID!, $cancel: Boolean) { deleteExperiment(id: $id, cancelActive: $cancel) }`;

interface RunView {
  status: string;
  statusReason: string | null;
  cancelRequestedAt: string | null;
  cancelReason: string | null;
  attemptCount: number;
  maxAttempts: number;
  statusHistory: { from: string | null; to: string; reason: string | null; attempt: number }[];
  attempts: { jobId: string; attempt: number; runnerId: string; runnerName: string; status: string }[];
  metricKeys: string[];
  runner: { id: string; name: string } | null;
  predictedTotalBytes: number;
  predictedMemory: Record<string, number>;
}

/** What dispatch does when a runner takes a run: a job row and the run RUNNING on it. */
async function startOnRunner(
  server: { db: TestServer["db"] },
  runId: string,
  runnerId: string,
): Promise<string> {
  return server.db.write(async (m) => {
    const [job] = (await m.query(
      `INSERT INTO job (run_id, attempt, runner_id, status, lease_expires_at, started_at)
       VALUES ($1, 1, $2, 'RUNNING', now() + interval '30 seconds', now()) RETURNING id`,
      [runId, runnerId],
    )) as { id: string }[];
    await m.query(
      `UPDATE run SET status = 'RUNNING', attempt_count = 1, runner_id = $2, started_at = now() WHERE id = $1`,
      [runId, runnerId],
    );
    return job!.id;
  });
}

for (const driver of drivers) {
  describe(`run transitions on ${driver}`, () => {
    let server: TestServer;
    let seeded: Seeded;
    let runner: { runnerId: string };
    const view = async (id: string) => {
      const res = await server.gql<{ run: RunView }>(runQuery, { id });
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      return res.data!.run;
    };

    before(async () => {
      server = await startTestServer(driver);
      seeded = await seedPeople(server);
      runner = await registerRunnerForTest(server.db, { name: "gpu-box" });
    });
    after(() => server.close());

    test("cancel: QUEUED → CANCELLED now; RUNNING → cancel requested; finished → CONFLICT", async () => {
      const e = await createExperiment(server, seeded);
      const [queued, running] = e.runs;
      const c1 = await server.gql(cancel, { id: queued!.id, reason: "not needed" });
      assert.equal(c1.errors, undefined);
      const q = await view(queued!.id);
      assert.equal(q.status, "CANCELLED");
      assert.equal(q.cancelReason, "not needed");
      assert.deepEqual(
        q.statusHistory.map((h) => [h.from, h.to, h.reason]),
        [
          [null, "QUEUED", "created"],
          ["QUEUED", "CANCELLED", "not needed"],
        ],
      );

      const jobId = await startOnRunner(server, running!.id, runner.runnerId);
      await server.gql(cancel, { id: running!.id, reason: "too slow" });
      const r = await view(running!.id);
      assert.equal(r.status, "RUNNING", "the runner finishes the cancellation");
      assert.deepEqual(r.runner, { id: runner.runnerId, name: "gpu-box" });
      const m = r.predictedMemory;
      assert.equal(m.total, r.predictedTotalBytes);
      assert.equal(
        m.total,
        m.frozenWeights! + m.trainableWeights! + m.gradients! + m.optimizerState! + m.activations!,
      );
      assert.ok(r.cancelRequestedAt);
      assert.equal(r.cancelReason, "too slow");
      assert.deepEqual(
        r.attempts.map((a) => [a.jobId, a.attempt, a.runnerId, a.runnerName, a.status]),
        [[jobId, 1, runner.runnerId, "gpu-box", "RUNNING"]],
      );

      const again = await server.gql(cancel, { id: queued!.id, reason: "x" });
      assert.equal(again.errors?.[0]?.extensions?.code, "CONFLICT");
      const missing = await server.gql(cancel, { id: "00000000-0000-4000-8000-000000000000", reason: "x" });
      assert.equal(missing.errors?.[0]?.extensions?.code, "NOT_FOUND");
    });

    test("retry: only FAILED/CANCELLED; back to QUEUED with history and attempts kept, old points dropped", async () => {
      const e = await createExperiment(server, seeded, [{ method: { method: "lora" } }]);
      const id = e.runs[0]!.id;
      assert.equal((await server.gql(retry, { id })).errors?.[0]?.extensions?.code, "CONFLICT");
      await startOnRunner(server, id, runner.runnerId);
      assert.equal((await server.gql(retry, { id })).errors?.[0]?.extensions?.code, "CONFLICT");
      await server.db.write(async (m) => {
        await m.query(
          `UPDATE job SET status = 'FAILED', error = 'oom', finished_at = now() WHERE run_id = $1`,
          [id],
        );
        await m.query(`UPDATE run SET status = 'FAILED', error = 'oom', finished_at = now() WHERE id = $1`, [
          id,
        ]);
        await m.query(
          `INSERT INTO metric_point (run_id, key, step, value) VALUES ($1, 'train_loss', 1, 2.5)`,
          [id],
        );
      });
      const res = await server.gql(retry, { id });
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      const r = await view(id);
      assert.equal(r.status, "QUEUED");
      assert.equal(r.attemptCount, 1, "attempt numbers keep counting: job (run, attempt) stays unique");
      assert.equal(r.maxAttempts, 4);
      assert.deepEqual(r.metricKeys, []);
      assert.deepEqual(
        r.attempts.map((a) => a.status),
        ["FAILED"],
      );
      assert.deepEqual(r.statusHistory.at(-1), {
        from: "FAILED",
        to: "QUEUED",
        reason: "retried",
        attempt: 1,
      });
    });

    test("deleteExperiment refuses while runs are active unless cancelActive", async () => {
      const e = await createExperiment(server, seeded);
      const refused = await server.gql(remove, { id: e.id });
      assert.equal(refused.errors?.[0]?.extensions?.code, "CONFLICT");
      assert.deepEqual(
        [...((refused.errors?.[0]?.extensions?.activeRuns ?? []) as string[])].sort(),
        e.runs.map((r) => r.id).sort(),
      );
      assert.equal((await view(e.runs[0]!.id)).status, "QUEUED", "nothing changed");

      await startOnRunner(server, e.runs[1]!.id, runner.runnerId);
      const done = await server.gql(remove, { id: e.id, cancel: true });
      assert.equal(done.errors, undefined, JSON.stringify(done.errors));
      const left = (await server.db.read((m) =>
        m.query(`SELECT count(*)::int AS n FROM run WHERE experiment_id = $1`, [e.id]),
      )) as { n: number }[];
      assert.equal(left[0]!.n, 0);
      assert.equal(
        (await server.gql(`query($id: ID!) { experiment(id: $id) { id } }`, { id: e.id })).errors?.[0]
          ?.extensions?.code,
        "NOT_FOUND",
      );

      const finished = await createExperiment(server, seeded, [{ method: { method: "full" } }]);
      await server.gql(cancel, { id: finished.runs[0]!.id, reason: "x" });
      assert.equal(
        (await server.gql(remove, { id: finished.id })).errors,
        undefined,
        "no active runs: deleted",
      );
    });

    test("a PRETRAIN run's model follows it: cancelled → FAILED, retried → PENDING", async () => {
      const p = await server.gql<{ pretrainBaseModel: { id: string; pretrainRun: { id: string } } }>(
        `mutation($input: PretrainBaseModelInput!) { pretrainBaseModel(input: $input) { id pretrainRun { id } } }`,
        { input: { name: "from-scratch", preset: "tunelab-nano", datasetId: seeded.datasetId, steps: 5 } },
      );
      const { id, pretrainRun } = p.data!.pretrainBaseModel;
      const status = async () =>
        (
          await server.gql<{ baseModel: { status: string } }>(
            `query($id: ID!) { baseModel(id: $id) { status } }`,
            {
              id,
            },
          )
        ).data!.baseModel.status;
      await server.gql(cancel, { id: pretrainRun.id, reason: "x" });
      assert.equal(await status(), "FAILED");
      await server.gql(retry, { id: pretrainRun.id });
      assert.equal(await status(), "PENDING");
    });

    test("runs filter by experiment and status, newest first, with cursors", async () => {
      const e = await createExperiment(server, seeded, [
        { method: { method: "lora" } },
        { method: { method: "ia3" } },
        { method: { method: "full" } },
      ]);
      await server.gql(cancel, { id: e.runs[1]!.id, reason: "x" });
      const q = `query($f: RunFilter, $after: String, $order: ListOrder) { runs(first: 1, after: $after, filter: $f, order: $order) {
        totalCount edges { node { name } } pageInfo { hasNextPage endCursor } } }`;
      type Page = {
        runs: {
          totalCount: number;
          edges: { node: { name: string } }[];
          pageInfo: { hasNextPage: boolean; endCursor: string };
        };
      };
      const p1 = await server.gql<Page>(q, { f: { experimentId: e.id, status: "QUEUED" } });
      assert.equal(p1.data!.runs.totalCount, 2);
      const p2 = await server.gql<Page>(q, {
        f: { experimentId: e.id, status: "QUEUED" },
        after: p1.data!.runs.pageInfo.endCursor,
      });
      assert.deepEqual(
        [
          p1.data!.runs.edges[0]!.node.name,
          p2.data!.runs.edges[0]!.node.name,
          p2.data!.runs.pageInfo.hasNextPage,
        ],
        ["full", "lora", false],
      );
      const f = { experimentId: e.id, status: "QUEUED" };
      const o1 = await server.gql<Page>(q, { f, order: "OLDEST_FIRST" });
      const o2 = await server.gql<Page>(q, {
        f,
        order: "OLDEST_FIRST",
        after: o1.data!.runs.pageInfo.endCursor,
      });
      assert.deepEqual(
        [o1.data!.runs.edges[0]!.node.name, o2.data!.runs.edges[0]!.node.name],
        ["lora", "full"],
      );
    });
  });

  describe(`run events on ${driver}`, () => {
    let t: TestDatabase;
    before(async () => {
      t = await openTestDatabase(driver);
    });
    after(() => t.dispose());

    test("cancelling a RUNNING run publishes RUN_CANCEL_REQUESTED with its job and runner", async () => {
      const events = createEvents();
      const runs = new RunService(t.db, events);
      const [ids] = (await t.db.write((m) =>
        m.query(`
          WITH d AS (INSERT INTO dataset (name, format, kind, content_hash, size_bytes, row_count, train_row_count,
                       eval_row_count, char_count, eval_fraction, split_seed)
                     VALUES ('d', 'JSONL', 'TEXT', 'h', 1, 0, 0, 0, 0, 0, 1) RETURNING id),
               b AS (INSERT INTO base_model (name, config, source, status) VALUES ('b', '{}', 'PRESET', 'READY') RETURNING id),
               rn AS (INSERT INTO runner (name, backend, max_device_memory_bytes, secret_hash) VALUES ('r', 'cpu', 1, 'x') RETURNING id),
               r AS (INSERT INTO run (name, base_model_id, dataset_id, method, method_config, hyperparameters, status,
                       trainable_params, total_params, predicted_total_bytes, predicted, runner_id, attempt_count)
                     SELECT 'run', b.id, d.id, 'full', '{}', '{}', 'RUNNING', 1, 1, 1, '{}', rn.id, 1 FROM b, d, rn RETURNING id, runner_id)
          INSERT INTO job (run_id, attempt, runner_id, status, lease_expires_at)
          SELECT r.id, 1, r.runner_id, 'RUNNING', now() FROM r RETURNING id AS job_id, run_id, runner_id`),
      )) as { job_id: string; run_id: string; runner_id: string }[];
      const received = events.subscribe("RUN_CANCEL_REQUESTED")[Symbol.asyncIterator]();
      const next = received.next();
      await runs.cancel(ids!.run_id, "stop");
      assert.deepEqual((await next).value, {
        runId: ids!.run_id,
        jobId: ids!.job_id,
        runnerId: ids!.runner_id,
        reason: "stop",
      });
      await received.return?.();
    });
  });
}
