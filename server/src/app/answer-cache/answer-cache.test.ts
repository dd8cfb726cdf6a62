import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { hyperparameters, seedPeople } from "../../runs/fixtures.js";
import { createApiKeyForTest, registerRunnerForTest } from "../../testing/auth.js";
import { createRunFixtures } from "../../testing/runs.js";
import { createThrowawayDatabase } from "../../testing/pg.js";
import { drivers, gql, type TestServer, startTestServer } from "../../testing/test-server.js";
import { loadConfig } from "../../config.js";
import { type RunningServer, startServer } from "../server.js";

// What these tests rely on to see a cached answer: a write made behind the server's back (SQL straight
// into the database, announcing nothing) is not in the next answer while the cache holds it; an announced
// write (a mutation, a runner's report, another process's NOTIFY) is. The experiment is inserted with SQL,
// its runs RUNNING on a runner's jobs: nothing QUEUED, so dispatch publishes nothing during a test.

const runsQuery = `query($id: ID!) { experiment(id: $id) { name runs { id name } } }`;
const metricsQuery = `query($runIds: [ID!]!) { metrics(runIds: $runIds, keys: ["train_loss"], maxPoints: 100) { runId steps } }`;

type ExperimentAnswer = { experiment: { name: string; runs: { id: string; name: string }[] } };
type MetricsAnswer = { metrics: { runId: string; steps: number[] }[] };

/** Renames a run in the database directly: a write no mutation or event announces. */
const renameBehindTheServersBack = (server: { db: RunningServer["db"] }, runId: string, name: string) =>
  server.db.write((m) => m.query("UPDATE run SET name = $2 WHERE id = $1", [runId, name]));

/** Asks until the answer is `wanted` (deep-equal) or 3 s have passed; returns the last answer. */
async function eventually<T>(ask: () => Promise<T>, wanted: T): Promise<T> {
  const deadline = Date.now() + 3_000;
  let got = await ask();
  while (JSON.stringify(got) !== JSON.stringify(wanted) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
    got = await ask();
  }
  return got;
}

const cacheCount = async (server: TestServer, result: "hit" | "miss" | "bypass") => {
  const text = await (await fetch(`${server.origin}/metrics`)).text();
  const line = text
    .split("\n")
    .find((l) => l.startsWith(`tunelab_graphql_answer_cache_total{result="${result}"}`));
  return line ? Number(line.split(" ").at(-1)) : 0;
};

for (const driver of drivers) {
  describe(`answer cache on ${driver}`, () => {
    let server: TestServer;
    let experiment: { id: string; runs: { id: string; jobId: string }[] };
    let runnerSecret: string;
    let readKey: string;

    before(async () => {
      server = await startTestServer(driver);
      readKey = await createApiKeyForTest(server.db, "read", "answer cache test");
      const fixtures = await createRunFixtures(server.db);
      const { runnerId, secret } = await registerRunnerForTest(server.db, { name: "reporter", maxJobs: 2 });
      runnerSecret = secret;
      experiment = await server.db.write(async (m) => {
        const [{ id }] = (await m.query(
          `INSERT INTO experiment (name, dataset_id, base_model_id, hyperparameters) VALUES ('cached', $1, $2, $3)
           RETURNING id`,
          [fixtures.datasetId, fixtures.baseModelId, hyperparameters],
        )) as { id: string }[];
        const runs = (await m.query(
          `INSERT INTO run (experiment_id, name, base_model_id, dataset_id, method, method_config, hyperparameters,
                            status, max_attempts, attempt_count, trainable_params, total_params,
                            predicted_total_bytes, predicted, started_at)
           SELECT $1, 'run ' || n, $2, $3, 'lora', '{"method":"lora","r":4}', $4, 'RUNNING', 3, 1, 10, 100, 1e6,
                  '{"memory":{"total":1e6}}', now()
             FROM generate_series(1, 2) AS n ORDER BY n RETURNING id`,
          [id, fixtures.baseModelId, fixtures.datasetId, hyperparameters],
        )) as { id: string }[];
        const jobs = (await m.query(
          `INSERT INTO job (run_id, attempt, runner_id, status, lease_expires_at, started_at)
           SELECT r, 1, $2, 'RUNNING', now() + interval '1 hour', now() FROM unnest($1::uuid[]) WITH ORDINALITY AS u(r, i)
            ORDER BY i RETURNING id`,
          [runs.map((r) => r.id), runnerId],
        )) as { id: string }[];
        return { id, runs: runs.map((r, i) => ({ id: r.id, jobId: jobs[i]!.id })) };
      });
    });
    after(() => server.close());

    const runName = async (token: string, index = 0) => {
      const res = await server.gql<ExperimentAnswer>(runsQuery, { id: experiment.id }, token);
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      return res.data!.experiment.runs[index]!.name;
    };

    test("a repeated query is answered from the cache until a mutation: then the new data at once", async () => {
      const [run] = experiment.runs;
      const before = await runName(readKey);
      const hits = await cacheCount(server, "hit");
      await renameBehindTheServersBack(server, run!.id, "renamed quietly");
      assert.equal(await runName(readKey), before, "the second answer is the kept one");
      assert.equal(await cacheCount(server, "hit"), hits + 1);
      // Any mutation (here ones that change something else) makes every kept answer stale before it returns.
      await seedPeople(server, "other");
      assert.equal(await runName(readKey), "renamed quietly");
    });

    test("answers are kept per scope and per body: another scope or another query computes its own", async () => {
      const [run] = experiment.runs;
      await runName(readKey);
      await renameBehindTheServersBack(server, run!.id, "scoped");
      // the admin key's scope has no kept answer for this body yet
      assert.equal(await runName(server.adminKey), "scoped");
      assert.notEqual(await runName(readKey), "scoped");
      // the same query with other whitespace is another body
      const res = await server.gql<ExperimentAnswer>(`${runsQuery} `, { id: experiment.id }, readKey);
      assert.equal(res.data!.experiment.runs[0]!.name, "scoped");
    });

    test("errors are never kept; mutations and volatile types are never cached", async () => {
      const missing = "00000000-0000-4000-8000-000000000000";
      const compare = `query($id: ID) { compare(experimentId: $id) { runId } }`;
      const first = await server.gql(compare, { id: missing }, readKey);
      assert.equal(first.errors?.[0]?.extensions?.code, "BAD_USER_INPUT");
      const second = await server.gql(compare, { id: missing }, readKey);
      assert.equal(second.errors?.[0]?.extensions?.code, "BAD_USER_INPUT");
      // A runner's last heartbeat changes with no mutation by a person: runners are never answered from the cache.
      const { runnerId } = await registerRunnerForTest(server.db, { name: "volatile" });
      const runnerQuery = `query($id: ID!) { runner(id: $id) { name } }`;
      const bypass = await cacheCount(server, "bypass");
      assert.equal(
        (await server.gql<{ runner: { name: string } }>(runnerQuery, { id: runnerId })).data!.runner.name,
        "volatile",
      );
      await server.db.write((m) => m.query("UPDATE runner SET name = 'renamed' WHERE id = $1", [runnerId]));
      assert.equal(
        (await server.gql<{ runner: { name: string } }>(runnerQuery, { id: runnerId })).data!.runner.name,
        "renamed",
      );
      assert.equal(await cacheCount(server, "bypass"), bypass + 2);
    });

    test("a runner's metric report makes that run's answers stale, not other runs'", async () => {
      const [a, b] = experiment.runs.map((r) => r.id) as [string, string];
      const job = { id: experiment.runs[0]!.jobId };
      const secret = runnerSecret;
      const steps = async (runId: string) => {
        const res = await server.gql<MetricsAnswer>(metricsQuery, { runIds: [runId] }, readKey);
        assert.equal(res.errors, undefined, JSON.stringify(res.errors));
        return res.data!.metrics[0]!.steps;
      };
      assert.deepEqual(await steps(a), []);
      assert.deepEqual(await steps(b), []);
      // points written behind the server's back for both runs: neither answer changes...
      await server.db.write((m) =>
        m.query(
          `INSERT INTO metric_point (run_id, key, step, value) SELECT id, 'train_loss', 1, 1.0 FROM unnest($1::uuid[]) id`,
          [[a, b]],
        ),
      );
      assert.deepEqual(await steps(a), []);
      assert.deepEqual(await steps(b), []);
      // ...until the runner reports a point of run a: a's answer is computed again (in the background, the
      // kept one served meanwhile, so within a few requests it has both points); b's is kept.
      const report = await server.gql(
        `mutation($j: ID!) { reportMetrics(jobId: $j, points: [{key: "train_loss", step: 2, value: 0.5}]) { accepted } }`,
        { j: job!.id },
        secret,
      );
      assert.equal(report.errors, undefined, JSON.stringify(report.errors));
      assert.deepEqual(await eventually(() => steps(a), [1, 2]), [1, 2]);
      assert.deepEqual(await steps(b), []);
      // the experiments list reads no metric point: a report leaves it kept
      await renameBehindTheServersBack(server, a, "after the report");
      await server.gql(
        `mutation($j: ID!) { reportMetrics(jobId: $j, points: [{key: "train_loss", step: 3, value: 0.4}]) { accepted } }`,
        { j: job!.id },
        secret,
      );
      assert.notEqual(await runName(readKey), "after the report");
    });

    test("a revoked key is refused by the next request, though its credential was resolved a moment ago", async () => {
      const key = await createApiKeyForTest(server.db, "read", "to revoke");
      await runName(key);
      const [{ id }] = (await server.db.read((m) =>
        m.query("SELECT id FROM api_key WHERE name = 'to revoke'"),
      )) as { id: string }[];
      const revoked = await server.gql(`mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, { id });
      assert.equal(revoked.errors, undefined, JSON.stringify(revoked.errors));
      const after = await server.gql(runsQuery, { id: experiment.id }, key);
      assert.equal(after.status, 401);
      assert.equal(after.errors?.[0]?.extensions?.code, "UNAUTHENTICATED");
    });
  });
}

describe("answer cache: an answer older than its max age is computed again", () => {
  let server: TestServer;
  after(() => server?.close());

  test("a write no event announced shows once the kept answer is older than answerMaxAgeMs", async () => {
    server = await startTestServer("pglite", { answerMaxAgeMs: 300 });
    const { datasetId } = await createRunFixtures(server.db);
    const name = async () =>
      (
        await server.gql<{ dataset: { name: string } }>(`query($id: ID!) { dataset(id: $id) { name } }`, {
          id: datasetId,
        })
      ).data!.dataset.name;
    const before = await name();
    await server.db.write((m) => m.query("UPDATE dataset SET name = 'renamed' WHERE id = $1", [datasetId]));
    assert.equal(await name(), before);
    await new Promise((r) => setTimeout(r, 350));
    // the old answer may be served once more while its successor is computed in the background
    assert.equal(await eventually(name, "renamed"), "renamed");
  });
});

describe("answer cache across server processes on PostgreSQL", () => {
  const servers: RunningServer[] = [];
  let drop: () => Promise<void>;

  before(async () => {
    const db = await createThrowawayDatabase();
    drop = db.drop;
    const config = { ...loadConfig({ PORT: "0", LOG_LEVEL: "silent" }), databaseUrl: db.url };
    servers.push(await startServer(config), await startServer(config));
  });
  after(async () => {
    for (const s of servers) await s.close();
    await drop();
  });

  test("a mutation on one server makes the other's kept answers stale (DATA_CHANGED over NOTIFY)", async () => {
    const [a, b] = servers as [RunningServer, RunningServer];
    const key = await createApiKeyForTest(a.db, "read-write", "two servers");
    const names = async (server: RunningServer) => {
      const res = await gql<{ experiments: { edges: { node: { name: string } }[] } }>(
        server.url,
        `{ experiments(first: 50) { edges { node { name } } } }`,
        {},
        key,
      );
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      return res.data!.experiments.edges.map((e) => e.node.name).sort();
    };
    assert.deepEqual(await names(b), []);
    const content = `{"prompt": "q", "completion": "a"}\n{"prompt": "r", "completion": "b"}`;
    const dataset = await gql<{ createDataset: { id: string } }>(
      a.url,
      `mutation($input: CreateDatasetInput!) { createDataset(input: $input) { id } }`,
      { input: { name: "d", format: "JSONL", content } },
      key,
    );
    const base = await gql<{ createBaseModel: { id: string } }>(
      a.url,
      `mutation { createBaseModel(input: { name: "nano", preset: "tunelab-nano" }) { id } }`,
      {},
      key,
    );
    // kept on b before the experiment exists
    assert.deepEqual(await names(b), []);
    const created = await gql(
      a.url,
      `mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { id } }`,
      {
        input: {
          name: "made on a",
          datasetId: dataset.data!.createDataset.id,
          baseModelId: base.data!.createBaseModel.id,
          hyperparameters,
          variants: [{ method: { method: "full" } }],
        },
      },
      key,
    );
    assert.equal(created.errors, undefined, JSON.stringify(created.errors));
    // b hears it through PostgreSQL, a moment later
    const deadline = Date.now() + 5_000;
    let seen = await names(b);
    while (seen.length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      seen = await names(b);
    }
    assert.deepEqual(seen, ["made on a"]);
  });
});
