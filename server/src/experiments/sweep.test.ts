import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { countParameters, estimateMemory } from "@tunelab/core";
import { hyperparameters, type Seeded, seedPeople } from "../runs/fixtures.js";
import { drivers, type TestServer, startTestServer } from "../testing/test-server.js";

const create = `mutation($input: CreateExperimentInput!) { createExperiment(input: $input) {
  id sweep { strategy parameters count seed variantParameters fields }
  runs { name method methodConfig hyperparameters sweepValues trainableParams predictedTotalBytes } } }`;
const plan = `query($input: CreateExperimentInput!) { planExperiment(input: $input) {
  combinations sweep { seed } runs { name method sweepValues } } }`;

interface SweepRun {
  name: string;
  method: string;
  methodConfig: Record<string, unknown>;
  hyperparameters: Record<string, unknown>;
  sweepValues: Record<string, unknown> | null;
  trainableParams: number;
  predictedTotalBytes: number;
}
interface Created {
  createExperiment: {
    id: string;
    sweep: {
      strategy: string;
      parameters: unknown;
      count: number | null;
      seed: number | null;
      fields: string[];
    };
    runs: SweepRun[];
  };
}

const values = (v: unknown[]) => ({ values: v });

for (const driver of drivers) {
  describe(`sweeps on ${driver}`, () => {
    let server: TestServer;
    let seeded: Seeded;
    const input = (extra: Record<string, unknown>) => ({
      name: "sweep",
      datasetId: seeded.datasetId,
      baseModelId: seeded.baseModelId,
      hyperparameters,
      variants: [{ method: { method: "lora" } }],
      ...extra,
    });
    const stored = async () =>
      (
        (await server.db.read((m) =>
          m.query(`SELECT (SELECT count(*) FROM experiment)::int AS e, (SELECT count(*) FROM run)::int AS r`),
        )) as { e: number; r: number }[]
      )[0]!;

    before(async () => {
      server = await startTestServer(driver);
      seeded = await seedPeople(server);
    });
    after(() => server.close());

    test("a grid over r × learning rate × method queues every combination, named by what varies", async () => {
      const sweep = {
        strategy: "GRID",
        parameters: {
          r: values([4, 8, 16]),
          learningRate: values([1e-4, 3e-4]),
          method: values(["lora", "qlora"]),
        },
      };
      const res = await server.gql<Created>(create, { input: input({ sweep }) });
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      const e = res.data!.createExperiment;
      assert.deepEqual(e.sweep, {
        ...sweep,
        count: null,
        seed: null,
        variantParameters: [{}],
        fields: ["r", "learningRate", "method"],
      });
      assert.equal(e.runs.length, 12);
      const expected = [4, 8, 16].flatMap((r) =>
        [1e-4, 3e-4].flatMap((lr) => ["lora", "qlora"].map((method) => ({ r, lr, method }))),
      );
      e.runs.forEach((run, i) => {
        const { r, lr, method } = expected[i]!;
        assert.equal(run.name, `${method} r=${r} lr=${lr === 1e-4 ? "1e-4" : "3e-4"}`);
        assert.equal(run.method, method);
        assert.equal(run.methodConfig.r, r);
        assert.equal(run.methodConfig.lora_alpha, 8, "the rest is PEFT's defaults");
        assert.equal(run.hyperparameters.learningRate, lr);
        assert.equal(run.hyperparameters.batchSize, hyperparameters.batchSize);
        assert.deepEqual(run.sweepValues, { r, learningRate: lr, method });
        const config = { method, r };
        assert.equal(run.trainableParams, countParameters("tunelab-nano", config).trainable);
        assert.equal(
          run.predictedTotalBytes,
          estimateMemory("tunelab-nano", config, {
            batchSize: 4,
            seqLen: 32,
            optimizer: "adamw",
            dtype: "float32",
          }).total,
        );
      });
      // The comparison carries each run's swept values, for grouping and facets.
      const compare = await server.gql<{ compare: { name: string; sweepValues: unknown }[] }>(
        `query($id: ID) { compare(experimentId: $id) { name sweepValues } }`,
        { id: e.id },
      );
      assert.deepEqual(
        compare.data!.compare.map((c) => [c.name, c.sweepValues]),
        e.runs.map((r) => [r.name, r.sweepValues]),
      );
    });

    test("variants cross the grid; fields a method lacks skip it; duplicates are dropped; planExperiment stores nothing", async () => {
      const sweepInput = input({
        variants: [
          { method: { method: "full" } },
          { method: { method: "lora" }, sweep: { lora_alpha: values([8, 32]) } },
        ],
        sweep: { strategy: "GRID", parameters: { r: values([4, 8]), seqLen: values([16, 32]) } },
      });
      const before = await stored();
      const planned = await server.gql<{
        planExperiment: { combinations: number; runs: { name: string; sweepValues: unknown }[] };
      }>(plan, { input: sweepInput });
      assert.equal(planned.errors, undefined, JSON.stringify(planned.errors));
      assert.deepEqual(await stored(), before);
      assert.equal(planned.data!.planExperiment.combinations, 4 + 8);
      const names = [
        "full seq=16",
        "full seq=32",
        "lora r=4 seq=16 alpha=8",
        "lora r=4 seq=16 alpha=32",
        "lora r=4 seq=32 alpha=8",
        "lora r=4 seq=32 alpha=32",
        "lora r=8 seq=16 alpha=8",
        "lora r=8 seq=16 alpha=32",
        "lora r=8 seq=32 alpha=8",
        "lora r=8 seq=32 alpha=32",
      ];
      assert.deepEqual(
        planned.data!.planExperiment.runs.map((r) => r.name),
        names,
      );
      const res = await server.gql<Created>(create, { input: sweepInput });
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      const runs = res.data!.createExperiment.runs;
      assert.deepEqual(
        runs.map((r) => r.name),
        names,
      );
      assert.deepEqual(runs[0]!.sweepValues, { seqLen: 16 });
      assert.equal(runs[0]!.hyperparameters.seqLen, 16);
      assert.deepEqual(runs[3]!.methodConfig, { ...runs[3]!.methodConfig, r: 4, lora_alpha: 32 });
      assert.deepEqual(res.data!.createExperiment.sweep.fields, ["r", "seqLen", "lora_alpha"]);
    });

    test("a random sweep draws count distinct runs, again with the stored seed", async () => {
      const parameters = { r: values([2, 4, 8, 16]), learningRate: values([0.01, 0.001, 0.0001]) };
      const draw = async (seed?: number) => {
        const res = await server.gql<Created>(create, {
          input: input({
            sweep: { strategy: "RANDOM", count: 5, parameters, ...(seed === undefined ? {} : { seed }) },
          }),
        });
        assert.equal(res.errors, undefined, JSON.stringify(res.errors));
        return res.data!.createExperiment;
      };
      const first = await draw();
      assert.equal(first.runs.length, 5);
      assert.equal(new Set(first.runs.map((r) => r.name)).size, 5);
      assert.equal(typeof first.sweep.seed, "number", "a drawn seed is stored");
      const again = await draw(first.sweep.seed!);
      assert.deepEqual(
        again.runs.map((r) => r.name),
        first.runs.map((r) => r.name),
      );
    });

    const refused: [string, Record<string, unknown>, RegExp][] = [
      ["sweep.parameters.r.values[2]", { parameters: { r: values([4, 8, 0]) } }, /r must be/],
      [
        "sweep.parameters.learningRate.values[1]",
        { parameters: { learningRate: values([0.01, 2]) } },
        /learningRate must be in \(0, 1\]/,
      ],
      ["sweep.parameters.seqLen.values[1]", { parameters: { seqLen: values([32, 100_000]) } }, /seqLen/],
      [
        "sweep.parameters.target_modules.values[1]",
        { parameters: { target_modules: values([["q_proj"], ["wq"]]) } },
        /wq/,
      ],
      [
        "sweep.parameters.gradientCheckpointing.values[0]",
        { parameters: { gradientCheckpointing: values(["yes"]) } },
        /true or false/,
      ],
      ["sweep.parameters.rank", { parameters: { rank: values([4]) } }, /cannot be swept/],
      [
        "sweep",
        {
          parameters: {
            r: values([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]),
            seed: values([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
          },
        },
        /more than 100 runs/,
      ],
      [
        "sweep.count",
        { strategy: "RANDOM", count: 3, seed: 1, parameters: { r: values([4, 16]) } },
        /only 2 distinct runs/,
      ],
      [
        "sweep.parameters.learningRate.values[1]",
        { strategy: "RANDOM", count: 1, seed: 1, parameters: { learningRate: values([0.01, 0]) } },
        /learningRate/,
      ],
    ];
    for (const [field, sweep, message] of refused) {
      test(`BAD_USER_INPUT naming ${field}, nothing stored`, async () => {
        const before = await stored();
        const res = await server.gql(create, { input: input({ sweep: { strategy: "GRID", ...sweep } }) });
        assert.equal(res.errors?.[0]?.extensions?.code, "BAD_USER_INPUT", JSON.stringify(res.errors));
        assert.equal(res.errors?.[0]?.extensions?.field, field, JSON.stringify(res.errors));
        assert.match(res.errors![0]!.message, message);
        assert.ok(res.errors![0]!.message.startsWith(`${field}: `), res.errors![0]!.message);
        assert.deepEqual(await stored(), before);
      });
    }

    test("a variant's own sweep may only vary its method's fields", async () => {
      const res = await server.gql(create, {
        input: input({
          variants: [{ method: { method: "lora" }, sweep: { num_virtual_tokens: values([4]) } }],
        }),
      });
      assert.equal(res.errors?.[0]?.extensions?.field, "variants[0].sweep.num_virtual_tokens");
    });
  });
}
