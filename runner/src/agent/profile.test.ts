import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { until } from "./test-kit.js";
import { Stack } from "./test-stack.js";

/**
 * A PROFILE experiment end to end through a real runner process: each run reports a cost profile whose
 * parts sum to its peak, with 4 B of trainable weights and 8 B of AdamW state per trainable parameter,
 * and nothing else (no samples, no adapter).
 */

interface ProfiledRun {
  status: string;
  kind: string;
  method: string;
  error: string | null;
  trainableParams: number;
  measuredPeakBytes: number | null;
  samples: unknown[];
  adapter: unknown;
  costProfile: Record<string, number | boolean> | null;
}

describe("cost profiles on a runner", () => {
  let stack: Stack;
  before(async () => {
    stack = await Stack.start();
  });
  after(async () => {
    await stack.close();
  });

  test("full and LoRA profiles: measured breakdowns that add up and match the trainable parameters", async () => {
    const baseModelId = await stack.baseModel("profiled nano");
    const created = await stack.gql<{ createExperiment: { runs: { id: string }[] } }>(
      `mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { runs { id } } }`,
      {
        input: {
          name: "profile",
          kind: "PROFILE", // no dataset: random tokens
          baseModelId,
          hyperparameters: { steps: 3, learningRate: 1e-4, batchSize: 1, seqLen: 16 },
          variants: [{ method: { method: "full" } }, { method: { method: "lora", r: 4 } }],
        },
      },
    );
    const { path } = await stack.runnerConfig("profiler");
    stack.start(path);
    const runs = await Promise.all(
      created.createExperiment.runs.map(({ id }) =>
        until(async () => {
          const { run } = await stack.gql<{ run: ProfiledRun }>(
            `query($id: ID!) { run(id: $id) { status kind method error trainableParams measuredPeakBytes
               samples { prompt } adapter { id }
               costProfile { peakBytes frozenBytes trainableBytes gradientBytes optimizerBytes activationBytes
                             msPerStep tokensPerSecond steps randomWeights } } }`,
            { id },
          );
          return ["SUCCEEDED", "FAILED", "CANCELLED"].includes(run.status) ? run : null;
        }, 120_000),
      ),
    );
    for (const run of runs) {
      assert.equal(run.status, "SUCCEEDED", run.error ?? "");
      assert.equal(run.kind, "PROFILE");
      const p = run.costProfile!;
      const n = (k: string) => p[k] as number;
      const parts = ["frozenBytes", "trainableBytes", "gradientBytes", "optimizerBytes", "activationBytes"];
      assert.equal(
        parts.reduce((s, k) => s + n(k), 0),
        n("peakBytes"),
        `${run.method}: parts sum to the peak`,
      );
      assert.equal(n("peakBytes"), run.measuredPeakBytes);
      assert.equal(n("trainableBytes"), 4 * run.trainableParams, `${run.method}: 4 B per trainable param`);
      assert.equal(n("optimizerBytes"), 8 * run.trainableParams, `${run.method}: AdamW 8 B per param`);
      assert.equal(p.randomWeights, true);
      assert.equal(p.steps, 3);
      assert.deepEqual(run.samples, []);
      assert.equal(run.adapter, null);
    }
    const [full, lora] = runs;
    assert.equal(full!.costProfile!.frozenBytes, 0);
    assert.ok((lora!.costProfile!.frozenBytes as number) > 0);
  });
});
