import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { until } from "./test-kit.js";
import { Stack } from "./test-stack.js";

/**
 * EVALUATE jobs through a real server and a real runner process: a LoRA run trains here, then
 * evaluateAdapters measures its adapter (and the base alone). The evaluation loads the uploaded folder and
 * must reproduce what the training run measured at its end with the same eval rows and general set: eval
 * loss, forgetting and the greedy samples. And a result the server refuses ends the run FAILED with the
 * server's message at once (not a lease left to expire).
 */

// biome-ignore lint/suspicious/noExplicitAny: GraphQL answers are read loosely in these assertions.
type Loose = any;

const FINISHED = ["SUCCEEDED", "FAILED", "CANCELLED"];
const PROMPTS = ["Translate 'dog 1' to French ->"];
const RUN_FIELDS = `id name kind status error method trainableParams bestEvalLoss measuredPeakBytes result
  inputAdapterId samples { prompt output step } artifacts { kind }`;

describe("EVALUATE jobs on a runner", () => {
  let stack: Stack;
  before(async () => {
    stack = await Stack.start();
    const { path } = await stack.runnerConfig("evaluator");
    stack.start(path);
  });
  after(async () => {
    await stack.close();
  });

  const finished = (id: string, ms = 180_000) =>
    until(async () => {
      const { run } = await stack.gql<{ run: Loose }>(`query($id: ID!) { run(id: $id) { ${RUN_FIELDS} } }`, {
        id,
      });
      return FINISHED.includes(run.status) ? run : null;
    }, ms);

  test("a trained adapter evaluated gives its training run's eval loss, forgetting and samples", async () => {
    const datasetId = await stack.dataset(8, 0.25);
    const general = await stack.textDataset(4);
    const baseModelId = await stack.baseModel("evaluated nano");
    // seed 42: a preset base is a seeded fresh model, and the evaluation's seed is 42
    const trained = await stack.experiment(
      "train one",
      datasetId,
      baseModelId,
      { steps: 6, seed: 42, samplePrompts: PROMPTS, generalDatasetId: general },
      [{ method: "lora", r: 4, target_modules: ["q_proj", "v_proj"] }],
    );
    const train = await finished(trained.runIds[0]!);
    assert.equal(train.status, "SUCCEEDED", train.error ?? "");
    const { run } = await stack.gql<{ run: { adapter: { id: string } } }>(
      `query($id: ID!) { run(id: $id) { adapter { id } } }`,
      { id: train.id },
    );
    const adapterId = run.adapter.id;

    const { evaluateAdapters: e } = await stack.gql<{ evaluateAdapters: Loose }>(
      `mutation($input: EvaluateAdaptersInput!) { evaluateAdapters(input: $input) { id kind runs { id method } } }`,
      {
        input: {
          adapterIds: [adapterId],
          datasetId,
          generalDatasetId: general,
          samplePrompts: PROMPTS,
          seqLen: 32, // the training run's
        },
      },
    );
    assert.equal(e.kind, "EVALUATION");
    const [base, evaluated] = await Promise.all(e.runs.map((r: { id: string }) => finished(r.id)));
    for (const r of [base, evaluated]) {
      assert.equal(r.status, "SUCCEEDED", r.error ?? "");
      assert.equal(r.kind, "EVALUATE");
      assert.deepEqual(r.artifacts, [], "an evaluation uploads nothing");
      assert.equal(r.result.steps, 0);
      assert.equal(r.result.evaluated, true);
      assert.ok(r.measuredPeakBytes > 0);
    }
    const close = (a: number, b: number, what: string) =>
      assert.ok(Math.abs(a - b) <= 1e-5 * Math.abs(b), `${what}: evaluated ${a}, trained ${b}`);
    assert.equal(evaluated.inputAdapterId, adapterId);
    assert.equal(evaluated.method, "lora");
    assert.equal(evaluated.trainableParams, train.trainableParams);
    close(evaluated.bestEvalLoss, train.bestEvalLoss, "eval loss");
    const f = evaluated.result.forgetting;
    const t = train.result.forgetting;
    close(f.generalLossBefore, t.generalLossBefore, "general loss of the base");
    close(f.generalLossAfter, t.generalLossAfter, "general loss with the adapter");
    const last = Math.max(...train.samples.map((s: { step: number }) => s.step));
    assert.deepEqual(
      evaluated.samples.map((s: Loose) => [s.prompt, s.output]),
      train.samples.filter((s: Loose) => s.step === last).map((s: Loose) => [s.prompt, s.output]),
      "greedy completions",
    );

    assert.equal(base.method, "base");
    assert.equal(base.inputAdapterId, null);
    assert.equal(base.result.forgetting.delta, 0);
    close(base.result.forgetting.generalLossBefore, t.generalLossBefore, "the base's general loss");
    assert.notEqual(base.bestEvalLoss, evaluated.bestEvalLoss);

    // the trained run and its evaluation side by side
    const { compare } = await stack.gql<{ compare: Loose[] }>(
      `query($ids: [ID!]) { compare(runIds: $ids) { kind method bestEvalLoss finalEvalLoss forgettingDelta
         trainableParams samples { prompt } } }`,
      { ids: [train.id, evaluated.id, base.id] },
    );
    assert.deepEqual(
      compare.map((r) => [r.kind, r.method, r.trainableParams]),
      [
        ["TRAIN", "lora", train.trainableParams],
        ["EVALUATE", "lora", train.trainableParams],
        ["EVALUATE", "base", 0],
      ],
    );
    for (const r of compare.slice(1)) {
      assert.equal(r.finalEvalLoss, r.bestEvalLoss, "the eval_loss point fills the final eval loss");
      assert.equal(r.samples.length, 1);
      assert.notEqual(r.forgettingDelta, null);
    }
    // a small difference of two losses: compared against the losses' scale, not its own
    assert.ok(
      Math.abs(compare[1].forgettingDelta - compare[0].forgettingDelta) <= 1e-5 * t.generalLossBefore,
      `forgetting delta: evaluated ${compare[1].forgettingDelta}, trained ${compare[0].forgettingDelta}`,
    );
  });

  test("a result the server refuses (BAD_USER_INPUT) fails the run with the server's message at once", async () => {
    const datasetId = await stack.dataset(8, 0.25);
    const baseModelId = await stack.baseModel("refused nano");
    const { runIds } = await stack.experiment("refused", datasetId, baseModelId, { steps: 60 }, [
      { method: "lora", r: 2 },
    ]);
    const runId = runIds[0]!;
    await until(async () => {
      const { run } = await stack.gql<{ run: { status: string } }>(
        `query($id: ID!) { run(id: $id) { status } }`,
        {
          id: runId,
        },
      );
      return run.status === "RUNNING" || FINISHED.includes(run.status) ? run : null;
    }, 60_000);
    // the server's rules change under the running job: a PROFILE run cannot succeed without a costProfile
    await stack.server.db.write((m) => m.query(`UPDATE run SET kind = 'PROFILE' WHERE id = $1`, [runId]));
    const run = await finished(runId, 120_000);
    assert.equal(run.status, "FAILED");
    assert.match(run.error, /the server refused the result: result\.costProfile/);
    const { run: attempts } = await stack.gql<{ run: { attempts: { status: string }[] } }>(
      `query($id: ID!) { run(id: $id) { attempts { status } } }`,
      { id: runId },
    );
    assert.deepEqual(
      attempts.attempts.map((a) => a.status),
      ["FAILED"],
      "one attempt, failed by the runner, not expired",
    );
  });
});
