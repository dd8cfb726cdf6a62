import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { registerRunnerForTest } from "../testing/auth.js";
import { ScriptedRunner } from "../testing/runner-client.js";
import { drivers, startTestServer, type TestServer } from "../testing/test-server.js";
import { type Seeded, seedPeople } from "../runs/fixtures.js";

// Cost profiles through the real protocol: a PROFILE experiment queues PROFILE runs, the runner's report
// is validated field by field (a malformed one is refused, naming the field, and nothing is stored), and a
// profile that fits no runner says so in its status reason.

// biome-ignore lint/suspicious/noExplicitAny: GraphQL answers are read loosely in these assertions.
type Loose = any;

const profile = {
  peakBytes: 1000,
  frozenBytes: 400,
  trainableBytes: 100,
  gradientBytes: 100,
  optimizerBytes: 200,
  activationBytes: 200,
  msPerStep: 12.5,
  tokensPerSecond: 80,
  steps: 5,
  randomWeights: true,
};
const costProfileFields =
  "peakBytes frozenBytes trainableBytes gradientBytes optimizerBytes activationBytes msPerStep tokensPerSecond steps randomWeights";

async function eventually(what: string, check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

for (const driver of drivers) {
  describe(`cost profiles (${driver})`, () => {
    let server: TestServer;
    let seeded: Seeded;
    const runners: ScriptedRunner[] = [];

    before(async () => {
      server = await startTestServer(driver, { leaseMs: 2_000 });
      seeded = await seedPeople(server, "profiled");
    });
    after(async () => {
      await Promise.all(runners.map((r) => r.close()));
      await server.close();
    });

    const createProfile = async (
      baseModelId: string,
      label: string,
      methods: object[],
      datasetId: string | null = null,
    ) => {
      const res = await server.gql<Loose>(
        `mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { id kind runs { id kind status } } }`,
        {
          input: {
            name: `profile ${label}`,
            kind: "PROFILE",
            datasetId,
            baseModelId,
            hyperparameters: { steps: 5, learningRate: 1e-4, batchSize: 1, seqLen: 16 },
            variants: methods.map((method) => ({ method, requiredLabels: [label] })),
          },
        },
      );
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      return res.data.createExperiment;
    };
    const runRow = async (runId: string) =>
      (
        (await server.db.read((m) =>
          m.query(`SELECT status, cost_profile, measured_peak_bytes FROM run WHERE id = $1`, [runId]),
        )) as Loose[]
      )[0];

    test("a malformed report is refused naming the field; a valid one is stored as Run.costProfile", async () => {
      const e = await createProfile(seeded.baseModelId, "profile-report", [{ method: "lora", r: 4 }]);
      assert.equal(e.kind, "PROFILE");
      assert.deepEqual(
        e.runs.map((r: Loose) => [r.kind, r.status]),
        [["PROFILE", "QUEUED"]],
      );
      const r = await registerRunnerForTest(server.db, { labels: ["profile-report"] });
      const runner = await ScriptedRunner.connect(server.url, r.secret, r.runnerId);
      runners.push(runner);
      await runner.waitFor((events) => events.length > 0, 10_000, "the assignment");
      const job = runner.events[0]!.job;
      assert.equal((job.spec as Loose).kind, "PROFILE");
      assert.equal((job.spec as Loose).dataset, null, "no dataset: random tokens");
      await runner.start(job.id);

      const refused = async (result: Record<string, unknown>, field: string) => {
        const res = await runner.request(
          `mutation($j: ID!, $r: JSON!) { completeJob(jobId: $j, result: $r) { id } }`,
          { j: job.id, r: result },
        );
        const ext = res.errors?.[0]?.extensions as Loose;
        assert.equal(ext?.code, "BAD_USER_INPUT", JSON.stringify(res.errors));
        assert.equal(ext?.field, field);
        const row = await runRow(job.runId);
        assert.equal(row.status, "RUNNING", "nothing stored");
        assert.equal(row.cost_profile, null);
      };
      const { gradientBytes: _g, ...withoutGradients } = profile;
      await refused({ measuredPeakBytes: 1000 }, "result.costProfile");
      await refused(
        { measuredPeakBytes: 1000, costProfile: withoutGradients },
        "result.costProfile.gradientBytes",
      );
      await refused({ costProfile: { ...profile, optimizerBytes: -8 } }, "result.costProfile.optimizerBytes");
      await refused({ costProfile: { ...profile, msPerStep: "fast" } }, "result.costProfile.msPerStep");
      await refused({ costProfile: { ...profile, randomWeights: 1 } }, "result.costProfile.randomWeights");
      await refused({ costProfile: { ...profile, peakBytes: 999 } }, "result.costProfile.peakBytes");

      await runner.complete(job.id, { measuredPeakBytes: 1000, tokensPerSecond: 80, costProfile: profile });
      const read = await server.gql<Loose>(
        `query($id: ID!) { run(id: $id) { status kind measuredPeakBytes costProfile { ${costProfileFields} } } }`,
        { id: job.runId },
      );
      assert.equal(read.errors, undefined, JSON.stringify(read.errors));
      assert.deepEqual(read.data.run, {
        status: "SUCCEEDED",
        kind: "PROFILE",
        measuredPeakBytes: 1000,
        costProfile: profile,
      });
    });

    test("only a PROFILE experiment may leave out the dataset: a TRAIN one is refused naming datasetId", async () => {
      const before = await server.db.read((m) => m.query(`SELECT count(*)::int AS n FROM run`));
      const res = await server.gql<Loose>(
        `mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { id } }`,
        {
          input: {
            name: "no data",
            baseModelId: seeded.baseModelId,
            hyperparameters: { steps: 5, learningRate: 1e-4, batchSize: 1, seqLen: 16 },
            variants: [{ method: { method: "lora" } }],
          },
        },
      );
      assert.equal(res.errors?.[0]?.extensions?.code, "BAD_USER_INPUT");
      assert.equal(res.errors?.[0]?.extensions?.field, "datasetId");
      const after = await server.db.read((m) => m.query(`SELECT count(*)::int AS n FROM run`));
      assert.deepEqual(after, before, "nothing stored");
    });

    test("a profile that fits no runner stays queued and says why", async () => {
      const big = await server.gql<Loose>(
        `mutation($input: CreateBaseModelInput!) { createBaseModel(input: $input) { id } }`,
        { input: { name: "eight billion", preset: "Llama-3-8B" } },
      );
      assert.equal(big.errors, undefined, JSON.stringify(big.errors));
      const r = await registerRunnerForTest(server.db, {
        labels: ["profile-fit"],
        maxDeviceMemoryBytes: 16e9,
      });
      const runner = await ScriptedRunner.connect(server.url, r.secret, r.runnerId);
      runners.push(runner);
      runner.keepAlive(500);
      const e = await createProfile(
        big.data.createBaseModel.id,
        "profile-fit",
        [{ method: "full" }],
        seeded.datasetId, // a profile may name one (it is not read)
      );
      const runId = e.runs[0].id;
      let reason = "";
      await eventually("the status reason", async () => {
        const res = await server.gql<Loose>(`query($id: ID!) { run(id: $id) { status statusReason } }`, {
          id: runId,
        });
        reason = res.data?.run?.statusReason ?? "";
        return res.data?.run?.status === "QUEUED" && reason.includes("largest online runner");
      });
      // the figures' format is placement.ts's business; that it names the need and the largest runner is ours
      assert.match(reason, /^needs \d[^;]*; largest online runner with labels profile-fit has \d/);
      assert.equal(runner.events.length, 0, "never assigned");
    });
  });
}
