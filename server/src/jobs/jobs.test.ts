import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { createApiKeyForTest, registerRunnerForTest } from "../testing/auth.js";
import { ScriptedRunner } from "../testing/runner-client.js";
import { createRunFixtures, queueRunsForTest } from "../testing/runs.js";
import { drivers, startTestServer, type TestServer } from "../testing/test-server.js";

// biome-ignore lint/suspicious/noExplicitAny: GraphQL answers and rows are read loosely in these assertions.
type Loose = any;

const codeOf = (r: { errors?: readonly { extensions?: Record<string, unknown> }[] }) =>
  r.errors?.[0]?.extensions?.code;

for (const driver of drivers) {
  describe(`runner protocol over graphql-ws (${driver})`, () => {
    let server: TestServer;
    let apiKey: string;
    const runners: ScriptedRunner[] = [];
    const connect = async (secret: string | null, runnerId = "") => {
      const r = await ScriptedRunner.connect(server.url, secret, runnerId);
      runners.push(r);
      return r;
    };

    before(async () => {
      server = await startTestServer(driver, { leaseMs: 10_000, retryBaseMs: 100 });
      apiKey = await createApiKeyForTest(server.db, "admin");
    });
    after(async () => {
      await Promise.all(runners.map((r) => r.close()));
      await server.close();
    });

    test("register → job → start → metrics → adapter upload → complete", async () => {
      const token = await server.gql<{ createRegistrationToken: { token: string } }>(
        `mutation { createRegistrationToken(input: { description: "lifecycle" }) { token } }`,
        {},
        apiKey,
      );
      assert.equal(token.errors, undefined, JSON.stringify(token.errors));
      const registered = await server.gql<{ registerRunner: { runnerId: string; secret: string } }>(
        `mutation($input: RegisterRunnerInput!) { registerRunner(input: $input) { runnerId secret } }`,
        {
          input: {
            token: token.data!.createRegistrationToken.token,
            name: "lifecycle-runner",
            backend: "cpu",
            devices: [{ name: "cpu", memoryBytes: 16e9 }],
          },
        },
        null,
      );
      assert.equal(registered.errors, undefined, JSON.stringify(registered.errors));
      const { runnerId, secret } = registered.data!.registerRunner;
      const [runId] = await queueRunsForTest(server);
      const runner = await connect(secret, runnerId);
      await runner.waitFor((e) => e.length > 0, 10_000, "the assignment");
      const [event] = runner.events;
      assert.equal(event!.kind, "ASSIGNED");
      const job = event!.job;
      assert.equal(job.runId, runId);
      assert.equal(job.attempt, 1);
      assert.equal(job.status, "ASSIGNED");
      const spec = job.spec as Record<string, Loose>;
      assert.equal(spec.runId, runId);
      assert.equal(spec.kind, "TRAIN");
      assert.equal(spec.method.method, "lora");
      assert.equal(spec.method.r, 8);
      assert.equal(spec.dataset.rowCount, 3);
      assert.equal(spec.generalDataset, null);
      assert.equal(spec.baseModel.preset, "tunelab-nano");
      assert.equal(spec.baseModel.weights, null);
      assert.equal(spec.resumeFrom, null);
      assert.equal(spec.predicted.trainable, 1000);
      assert.equal(spec.hyperparameters.steps, 10);

      assert.equal(((await runner.start(job.id)) as Loose).startJob.status, "RUNNING");
      const hb = await runner.heartbeat([job.id], 8e9);
      assert.deepEqual(hb.heartbeat.cancelJobIds, []);
      assert.ok(new Date(hb.heartbeat.leaseExpiresAt).getTime() > Date.now());

      const points = [0, 1, 2].map((step) => ({
        key: "train_loss",
        step,
        value: 3 - step * 0.5,
        wallTimeMs: Date.now(),
      }));
      const first = await runner.reportMetrics(job.id, points);
      assert.deepEqual(first.data?.reportMetrics, { accepted: 3, duplicates: 0 });
      const retried = await runner.reportMetrics(job.id, [
        ...points,
        { key: "train_loss", step: 3, value: 1 },
      ]);
      assert.deepEqual(retried.data?.reportMetrics, { accepted: 1, duplicates: 3 });

      const rows = await runner.mutate<Loose>(
        `query($j: ID!, $d: ID!) { jobDatasetRows(jobId: $j, datasetId: $d, first: 2) {
           totalCount edges { node { index split text } } pageInfo { hasNextPage endCursor } } }`,
        { j: job.id, d: spec.dataset.id },
      );
      assert.equal(rows.jobDatasetRows.totalCount, 3);
      assert.deepEqual(
        rows.jobDatasetRows.edges.map((e: Loose) => e.node.text),
        ["hello", "world"],
      );
      assert.equal(rows.jobDatasetRows.pageInfo.hasNextPage, true);

      const samples = await runner.mutate<Loose>(
        `mutation($j: ID!) { reportSamples(jobId: $j, samples: [{prompt: "hi", output: "there", step: 2}]) }`,
        { j: job.id },
      );
      assert.equal(samples.reportSamples, 1);

      const bytes = Buffer.from("safetensors bytes");
      const adapter = await runner.mutate<Loose>(
        `mutation($j: ID!, $f: [FileUploadInput!]!) { uploadAdapter(jobId: $j, files: $f) { id kind sizeBytes } }`,
        {
          j: job.id,
          f: [
            { name: "adapter_config.json", base64: Buffer.from("{}").toString("base64") },
            { name: "adapter_model.safetensors", base64: bytes.toString("base64") },
          ],
        },
      );
      assert.equal(adapter.uploadAdapter.kind, "ADAPTER");
      assert.equal(adapter.uploadAdapter.sizeBytes, bytes.length + 2);
      const stored: { sha256: string; content: Buffer }[] = await server.db.read((m) =>
        m.query(
          `SELECT sha256, content FROM artifact_file WHERE artifact_id = $1 AND name = 'adapter_model.safetensors'`,
          [adapter.uploadAdapter.id],
        ),
      );
      assert.equal(stored[0]!.sha256, createHash("sha256").update(bytes).digest("hex"));
      assert.deepEqual(Buffer.from(stored[0]!.content), bytes);

      const done = await runner.complete(job.id, {
        finalTrainLoss: 1.25,
        bestEvalLoss: 1.5,
        measuredPeakBytes: 123456,
        tokensPerSecond: 99.5,
        steps: 10,
      });
      assert.equal(done.completeJob.status, "SUCCEEDED");
      const [run] = (await server.db.read((m) =>
        m.query(
          `SELECT status, final_train_loss, best_eval_loss, measured_peak_bytes::float8 AS peak, tokens_per_second, result
             FROM run WHERE id = $1`,
          [runId],
        ),
      )) as Loose[];
      assert.equal(run.status, "SUCCEEDED");
      assert.equal(run.final_train_loss, 1.25);
      assert.equal(run.best_eval_loss, 1.5);
      assert.equal(run.peak, 123456);
      assert.equal(run.tokens_per_second, 99.5);
      assert.equal(run.result.steps, 10);
      // The uploaded folder is the run's Adapter: its method and count, its files, the run's eval loss.
      const people = await server.gql<Loose>(
        `query($id: ID!) { run(id: $id) { trainableParams adapter { method source runId trainableParams sizeBytes
           evalLoss artifact { id } files { name sha256 } } } }`,
        { id: runId },
        apiKey,
      );
      assert.equal(people.errors, undefined, JSON.stringify(people.errors));
      const runAdapter = people.data.run.adapter;
      assert.equal(runAdapter.method, "lora");
      assert.equal(runAdapter.source, "RUN");
      assert.equal(runAdapter.runId, runId);
      assert.equal(runAdapter.trainableParams, people.data.run.trainableParams);
      assert.equal(runAdapter.sizeBytes, bytes.length + 2);
      assert.equal(runAdapter.evalLoss, 1.5);
      assert.equal(runAdapter.artifact.id, adapter.uploadAdapter.id);
      assert.deepEqual(
        runAdapter.files.map((f: Loose) => [f.name, f.sha256]),
        [
          ["adapter_config.json", createHash("sha256").update("{}").digest("hex")],
          ["adapter_model.safetensors", createHash("sha256").update(bytes).digest("hex")],
        ],
      );
      const history = (await server.db.read((m) =>
        m.query(`SELECT from_status, to_status FROM run_status_change WHERE run_id = $1 ORDER BY seq`, [
          runId,
        ]),
      )) as { from_status: string | null; to_status: string }[];
      assert.deepEqual(
        history.map((h) => h.to_status),
        ["QUEUED", "ASSIGNED", "RUNNING", "SUCCEEDED"],
      );
      // A finished job takes no more reports.
      assert.equal(codeOf(await runner.reportMetrics(job.id, [{ key: "x", step: 9, value: 1 }])), "CONFLICT");
    });

    test("cancelRun mid-run reaches the runner on the subscription and in heartbeats; the run ends CANCELLED", async () => {
      const { runnerId, secret } = await registerRunnerForTest(server.db, { labels: ["cancel-test"] });
      const runner = await connect(secret, runnerId);
      const [runId] = await queueRunsForTest(server, { requiredLabels: ["cancel-test"] });
      await runner.waitFor((e) => e.some((x) => x.job.runId === runId), 10_000, "the assignment");
      const job = runner.assigned().find((j) => j.runId === runId)!;
      await runner.start(job.id);
      const cancel = await server.gql(
        `mutation($id: ID!) { cancelRun(id: $id, reason: "enough") { status } }`,
        { id: runId },
        apiKey,
      );
      assert.equal(cancel.errors, undefined, JSON.stringify(cancel.errors));
      await runner.waitFor(
        (e) => e.some((x) => x.kind === "CANCEL" && x.job.id === job.id),
        10_000,
        "the CANCEL",
      );
      assert.equal(runner.events.find((x) => x.kind === "CANCEL")!.reason, "enough");
      assert.deepEqual((await runner.heartbeat([job.id])).heartbeat.cancelJobIds, [job.id]);
      const failed = await runner.mutate<Loose>(
        `mutation($j: ID!) { failJob(jobId: $j, error: "aborted on cancel", retryable: true) { status } }`,
        { j: job.id },
      );
      assert.equal(failed.failJob.status, "CANCELLED");
      const [run] = (await server.db.read((m) =>
        m.query(`SELECT status FROM run WHERE id = $1`, [runId]),
      )) as Loose[];
      assert.equal(run.status, "CANCELLED");
    });

    test("authorization: another runner's secret → FORBIDDEN, an API key → FORBIDDEN, nothing → UNAUTHENTICATED", async () => {
      const owner = await registerRunnerForTest(server.db, { labels: ["owner-only"] });
      const other = await registerRunnerForTest(server.db);
      const ownerClient = await connect(owner.secret, owner.runnerId);
      const [runId] = await queueRunsForTest(server, { requiredLabels: ["owner-only"] });
      await ownerClient.waitFor((e) => e.some((x) => x.job.runId === runId), 10_000, "the assignment");
      const job = ownerClient.assigned().find((j) => j.runId === runId)!;
      const datasetId = (job.spec as Loose).dataset.id;
      const operations: [string, Record<string, unknown>][] = [
        [`mutation($j: ID!) { startJob(jobId: $j) { id } }`, { j: job.id }],
        [
          `mutation($j: ID!) { reportMetrics(jobId: $j, points: [{key: "a", step: 1, value: 1}]) { accepted } }`,
          { j: job.id },
        ],
        [
          `mutation($j: ID!) { reportSamples(jobId: $j, samples: [{prompt: "a", output: "b", step: 1}]) }`,
          { j: job.id },
        ],
        [
          `mutation($j: ID!) { uploadCheckpoint(jobId: $j, step: 1, files: [{name: "a.bin", base64: "AA=="}]) { id } }`,
          { j: job.id },
        ],
        [
          `mutation($j: ID!) { uploadAdapter(jobId: $j, files: [{name: "a.bin", base64: "AA=="}]) { id } }`,
          { j: job.id },
        ],
        [`mutation($j: ID!) { completeJob(jobId: $j, result: {}) { id } }`, { j: job.id }],
        [`mutation($j: ID!) { failJob(jobId: $j, error: "x", retryable: false) { id } }`, { j: job.id }],
        [
          `query($j: ID!, $d: ID!) { jobDatasetRows(jobId: $j, datasetId: $d) { totalCount } }`,
          { j: job.id, d: datasetId },
        ],
        [`mutation { heartbeat(input: {runningJobIds: []}) { cancelJobIds } }`, {}],
      ];
      const otherClient = await connect(other.secret, other.runnerId);
      for (const [query, variables] of operations) {
        if (!query.includes("heartbeat")) {
          assert.equal(
            codeOf(await otherClient.request(query, variables)),
            "FORBIDDEN",
            `other runner: ${query}`,
          );
        }
        assert.equal(codeOf(await server.gql(query, variables, apiKey)), "FORBIDDEN", `API key: ${query}`);
        assert.equal(
          codeOf(await server.gql(query, variables, null)),
          "UNAUTHENTICATED",
          `anonymous: ${query}`,
        );
      }
      // A heartbeat from the other runner cannot renew the owner's job: it is told to drop it instead.
      assert.deepEqual((await otherClient.heartbeat([job.id])).heartbeat.cancelJobIds, [job.id]);
      // Nothing happened to the job.
      const [row] = (await server.db.read((m) =>
        m.query(`SELECT status FROM job WHERE id = $1`, [job.id]),
      )) as Loose[];
      assert.equal(row.status, "ASSIGNED");
      const stored = await server.db.read((m) =>
        m.query(`SELECT 1 FROM metric_point WHERE run_id = $1`, [runId]),
      );
      assert.equal(stored.length, 0);
      // An API key cannot subscribe to jobs.
      const keyClient = await connect(apiKey);
      await assert.rejects(
        keyClient.waitFor(() => false, 5_000),
        /FORBIDDEN/,
      );
    });

    test("failJob: retryable → requeued after a backoff as attempt 2; attempts used up → FAILED", async () => {
      const { runnerId, secret } = await registerRunnerForTest(server.db, { labels: ["retry"] });
      const runner = await connect(secret, runnerId);
      const [runId] = await queueRunsForTest(server, { requiredLabels: ["retry"], maxAttempts: 2 });
      await runner.waitFor((e) => e.length > 0, 10_000, "attempt 1");
      const job1 = runner.assigned()[0]!;
      const fail = (jobId: string) =>
        runner.mutate<{ failJob: { status: string } }>(
          `mutation($j: ID!) { failJob(jobId: $j, error: "out of memory", retryable: true) { status } }`,
          { j: jobId },
        );
      assert.equal((await fail(job1.id)).failJob.status, "FAILED");
      await runner.waitFor((e) => e.length > 1, 10_000, "attempt 2");
      const job2 = runner.assigned()[1]!;
      assert.equal(job2.runId, runId);
      assert.equal(job2.attempt, 2);
      await fail(job2.id);
      const [run] = (await server.db.read((m) =>
        m.query(`SELECT status, error, attempt_count FROM run WHERE id = $1`, [runId]),
      )) as { status: string; error: string; attempt_count: number }[];
      assert.deepEqual(run, { status: "FAILED", error: "out of memory", attempt_count: 2 });
      const history = (await server.db.read((m) =>
        m.query(`SELECT to_status FROM run_status_change WHERE run_id = $1 ORDER BY seq`, [runId]),
      )) as { to_status: string }[];
      assert.deepEqual(
        history.map((h) => h.to_status),
        ["QUEUED", "ASSIGNED", "QUEUED", "ASSIGNED", "FAILED"],
      );
    });

    test("a PRETRAIN run's uploaded model folder (kind MODEL) becomes its base model's weights (READY)", async () => {
      const { runnerId, secret } = await registerRunnerForTest(server.db, { labels: ["pretrain"] });
      const runner = await connect(secret, runnerId);
      const fixtures = await createRunFixtures(server.db);
      const [runId] = await queueRunsForTest(server, {
        requiredLabels: ["pretrain"],
        kind: "PRETRAIN",
        method: "full",
        fixtures,
      });
      const [{ id: pendingId }] = (await server.db.write((m) =>
        m.query(
          `INSERT INTO base_model (name, config, source, status, pretrain_run_id)
           VALUES ('pretrained-' || $1, '{}', 'PRETRAINED', 'PENDING', $1::uuid) RETURNING id`,
          [runId],
        ),
      )) as { id: string }[];
      await runner.waitFor((e) => e.length > 0, 10_000, "the pretraining job");
      const job = runner.assigned()[0]!;
      assert.equal((job.spec as { kind: string }).kind, "PRETRAIN");
      await runner.start(job.id);
      const upload = await runner.mutate<{ uploadAdapter: { id: string; kind: string } }>(
        `mutation($j: ID!) { uploadAdapter(jobId: $j, files: [{name: "model.safetensors", base64: "AAEC"}]) { id kind } }`,
        { j: job.id },
      );
      assert.equal(upload.uploadAdapter.kind, "MODEL");
      await runner.complete(job.id, { finalTrainLoss: 2 });
      const [model] = (await server.db.read((m) =>
        m.query(`SELECT status, weights_artifact_id FROM base_model WHERE id = $1`, [pendingId]),
      )) as { status: string; weights_artifact_id: string }[];
      assert.deepEqual(model, { status: "READY", weights_artifact_id: upload.uploadAdapter.id });
    });

    test("bad input names the field and stores nothing", async () => {
      const { runnerId, secret } = await registerRunnerForTest(server.db, { labels: ["bad-input"] });
      const runner = await connect(secret, runnerId);
      const fixtures = await createRunFixtures(server.db);
      const [runId] = await queueRunsForTest(server, { requiredLabels: ["bad-input"], fixtures });
      await runner.waitFor((e) => e.some((x) => x.job.runId === runId), 10_000, "the assignment");
      const job = runner.assigned().find((j) => j.runId === runId)!;
      const cases: [Record<string, unknown>[], string][] = [
        [
          [
            { key: "a", step: 1, value: 1 },
            { key: "a", step: -1, value: 1 },
          ],
          "points[1].step",
        ],
        [[{ key: "", step: 1, value: 1 }], "points[0].key"],
        [
          [
            { key: "a", step: 1, value: 1 },
            { key: "b", step: 1, value: 1 },
            { key: "c", step: 2, value: 1, wallTimeMs: -5 },
          ],
          "points[2].wallTimeMs",
        ],
      ];
      for (const [points, field] of cases) {
        const r = await runner.reportMetrics(job.id, points as never);
        assert.equal(codeOf(r), "BAD_USER_INPUT");
        assert.equal(r.errors?.[0]?.extensions?.field, field);
      }
      const upload = await runner.request(
        `mutation($j: ID!) { uploadCheckpoint(jobId: $j, step: 1, files: [{name: "../etc", base64: "AA=="}]) { id } }`,
        { j: job.id },
      );
      assert.equal(upload.errors?.[0]?.extensions?.field, "files[0].name");
      const result = await runner.request(
        `mutation($j: ID!) { completeJob(jobId: $j, result: {finalTrainLoss: "low"}) { id } }`,
        {
          j: job.id,
        },
      );
      assert.equal(result.errors?.[0]?.extensions?.field, "result.finalTrainLoss");
      const stored = await server.db.read((m) =>
        m.query(`SELECT 1 FROM metric_point WHERE run_id = $1`, [runId]),
      );
      assert.equal(stored.length, 0);
    });
  });
}
