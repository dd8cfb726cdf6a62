import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { countParameters, estimateMemory, fromPeftConfig } from "@tunelab/core";
import { createApiKeyForTest } from "../testing/auth.js";
import { drivers, type TestServer, startTestServer } from "../testing/test-server.js";
import {
  createExperiment,
  createExperimentMutation,
  hyperparameters,
  type Seeded,
  seedPeople,
} from "../runs/fixtures.js";

const memoryOptions = { batchSize: 4, seqLen: 32, optimizer: "adamw", dtype: "float32" } as const;

for (const driver of drivers) {
  describe(`experiments on ${driver}`, () => {
    let server: TestServer;
    let seeded: Seeded;
    const counts = async () =>
      (
        (await server.db.read((m) =>
          m.query(
            `SELECT (SELECT count(*) FROM experiment)::int AS experiments, (SELECT count(*) FROM run)::int AS runs,
                    (SELECT count(*) FROM run_status_change)::int AS changes`,
          ),
        )) as { experiments: number; runs: number; changes: number }[]
      )[0]!;

    before(async () => {
      server = await startTestServer(driver);
      seeded = await seedPeople(server);
    });
    after(() => server.close());

    test("queues one run per variant with core's counts and memory stored on it", async () => {
      const e = await createExperiment(server, seeded, [
        { method: { method: "lora", r: 4, target_modules: ["q_proj", "v_proj"] } },
        { method: { method: "full" }, name: "baseline" },
        { method: { method: "lora", r: 8 } },
      ]);
      assert.deepEqual(
        e.runs.map((r) => [r.name, r.status, r.method]),
        [
          ["lora", "QUEUED", "lora"],
          ["baseline", "QUEUED", "full"],
          ["lora-2", "QUEUED", "lora"],
        ],
      );
      assert.deepEqual(e.statusCounts, { queued: 3, total: 3 });
      const methods = [
        { method: "lora", r: 4, target_modules: ["q_proj", "v_proj"] },
        { method: "full" },
        { method: "lora", r: 8 },
      ];
      e.runs.forEach((run, i) => {
        const want = countParameters("tunelab-nano", methods[i]!);
        const memory = estimateMemory("tunelab-nano", methods[i]!, memoryOptions);
        assert.equal(run.trainableParams, want.trainable);
        assert.equal(run.totalParams, want.total);
        assert.equal(run.predictedTotalBytes, memory.total);
        assert.deepEqual(run.predicted.memory, JSON.parse(JSON.stringify(memory)));
        assert.deepEqual(run.statusHistory, [{ from: null, to: "QUEUED", reason: "created", attempt: 0 }]);
      });
      assert.equal(e.runs[2]!.methodConfig.lora_alpha, 8, "defaults filled in (PEFT lora_alpha = 8)");
      assert.equal(e.hyperparameters.optimizer, "adamw");
    });

    // A LORA adapter_config.json as PEFT writes it (LoraConfig.to_dict keys).
    const peftLora = {
      peft_type: "LORA",
      task_type: "CAUSAL_LM",
      r: 4,
      lora_alpha: 8,
      target_modules: ["q_proj", "v_proj"],
      bias: "none",
      use_dora: true,
      rank_pattern: { "model.layers.0.self_attn.q_proj": 8 },
      alpha_pattern: {},
      layers_to_transform: null,
      layers_pattern: null,
      fan_in_fan_out: false,
      init_lora_weights: true,
      modules_to_save: null,
      lora_bias: false,
      inference_mode: true,
    };

    test("a pasted PEFT adapter_config.json trains as PEFT would, alone or over an NF4 base", async () => {
      const e = await createExperiment(server, seeded, [
        { peftConfig: peftLora },
        { peftConfig: peftLora, method: { method: "qlora", bnb_4bit_use_double_quant: false } },
      ]);
      assert.deepEqual(
        e.runs.map((r) => [r.name, r.method, r.methodConfig.use_dora, r.methodConfig.rank_pattern]),
        [
          ["lora", "lora", true, peftLora.rank_pattern],
          ["qlora", "qlora", true, peftLora.rank_pattern],
        ],
      );
      assert.equal(e.runs[1]!.methodConfig.bnb_4bit_use_double_quant, false);
      const want = countParameters("tunelab-nano", fromPeftConfig(peftLora));
      assert.equal(e.runs[0]!.trainableParams, want.trainable);
    });

    const invalid: [string, (input: Record<string, unknown>) => void][] = [
      ["variants[0].method", (i) => (i.variants = [{ name: "nothing" }])],
      [
        "variants[0].peftConfig.peft_type",
        (i) => (i.variants = [{ peftConfig: { ...peftLora, peft_type: "ADALORA" } }]),
      ],
      [
        "variants[0].peftConfig.fan_in_fan_out",
        (i) => (i.variants = [{ peftConfig: { ...peftLora, fan_in_fan_out: true } }]),
      ],
      [
        "variants[0].peftConfig.init_lora_weights",
        (i) => (i.variants = [{ peftConfig: { ...peftLora, init_lora_weights: "pissa" } }]),
      ],
      [
        "variants[0].peftConfig.target_modules",
        (i) => (i.variants = [{ peftConfig: { ...peftLora, target_modules: ["wq"], rank_pattern: {} } }]),
      ],
      [
        "variants[0].peftConfig.rank_pattern",
        (i) => (i.variants = [{ peftConfig: { ...peftLora, rank_pattern: { o_proj: 4 } } }]),
      ],
      [
        "variants[0].method.r",
        (i) => (i.variants = [{ peftConfig: peftLora, method: { method: "qlora", r: 16 } }]),
      ],
      ["name", (i) => (i.name = "  ")],
      ["kind", (i) => (i.kind = "EVALUATION")],
      ["datasetId", (i) => (i.datasetId = "00000000-0000-4000-8000-000000000000")],
      ["datasetId", (i) => (i.datasetId = "not-a-uuid")],
      ["baseModelId", (i) => (i.baseModelId = "00000000-0000-4000-8000-000000000000")],
      ["variants", (i) => (i.variants = [])],
      [
        "variants[1].method.r",
        (i) => (i.variants = [{ method: { method: "lora" } }, { method: { method: "lora", r: -1 } }]),
      ],
      [
        "variants[0].method.target_modules",
        (i) => (i.variants = [{ method: { method: "lora", target_modules: ["wq"] } }]),
      ],
      ["variants[0].method", (i) => (i.variants = [{ method: { method: "bogus" } }])],
      ["variants[0].method.foo", (i) => (i.variants = [{ method: { method: "ia3", foo: 1 } }])],
      [
        "variants[1].name",
        (i) =>
          (i.variants = [
            { method: { method: "full" }, name: "x" },
            { method: { method: "lora" }, name: "x" },
          ]),
      ],
      [
        "variants[0].requiredLabels[0]",
        (i) => (i.variants = [{ method: { method: "full" }, requiredLabels: ["a b"] }]),
      ],
      ["hyperparameters.steps", (i) => ((i.hyperparameters as Record<string, unknown>).steps = 0)],
      [
        "hyperparameters.learningRate",
        (i) => ((i.hyperparameters as Record<string, unknown>).learningRate = 0),
      ],
      ["hyperparameters.seqLen", (i) => ((i.hyperparameters as Record<string, unknown>).seqLen = 100_000)],
      [
        "hyperparameters.optimizer",
        (i) => ((i.hyperparameters as Record<string, unknown>).optimizer = "lion"),
      ],
      ["hyperparameters.dtype", (i) => ((i.hyperparameters as Record<string, unknown>).dtype = "int8")],
      [
        "hyperparameters.generalDatasetId",
        (i) =>
          ((i.hyperparameters as Record<string, unknown>).generalDatasetId =
            "00000000-0000-4000-8000-000000000000"),
      ],
    ];
    for (const [field, mutate] of invalid) {
      test(`BAD_USER_INPUT naming ${field}, nothing created`, async () => {
        const input: Record<string, unknown> = {
          name: "bad",
          datasetId: seeded.datasetId,
          baseModelId: seeded.baseModelId,
          hyperparameters: { ...hyperparameters },
          variants: [{ method: { method: "lora" } }, { method: { method: "full" } }],
        };
        mutate(input);
        const before = await counts();
        const res = await server.gql(createExperimentMutation, { input });
        assert.equal(res.errors?.[0]?.extensions?.code, "BAD_USER_INPUT", JSON.stringify(res.errors));
        assert.equal(res.errors?.[0]?.extensions?.field, field, JSON.stringify(res.errors));
        assert.deepEqual(await counts(), before);
      });
    }

    test("a PENDING base model is refused on baseModelId", async () => {
      const p = await server.gql<{
        pretrainBaseModel: {
          id: string;
          status: string;
          source: string;
          pretrainRun: Record<string, unknown>;
        };
      }>(
        `mutation($input: PretrainBaseModelInput!) { pretrainBaseModel(input: $input) {
           id status source pretrainRun { kind method status trainableParams totalParams statusHistory { to } } } }`,
        { input: { name: "scratch", preset: "tunelab-nano", datasetId: seeded.datasetId, steps: 10 } },
      );
      assert.equal(p.errors, undefined, JSON.stringify(p.errors));
      const model = p.data!.pretrainBaseModel;
      assert.equal(model.status, "PENDING");
      assert.equal(model.source, "PRETRAINED");
      const full = countParameters("tunelab-nano", { method: "full" });
      assert.deepEqual(model.pretrainRun, {
        kind: "PRETRAIN",
        method: "full",
        status: "QUEUED",
        trainableParams: full.trainable,
        totalParams: full.total,
        statusHistory: [{ to: "QUEUED" }],
      });
      const res = await server.gql(createExperimentMutation, {
        input: {
          name: "x",
          datasetId: seeded.datasetId,
          baseModelId: model.id,
          hyperparameters,
          variants: [{ method: { method: "full" } }],
        },
      });
      assert.equal(res.errors?.[0]?.extensions?.field, "baseModelId");
    });

    test("createBaseModel names the bad field; baseModels lists newest first", async () => {
      const create = `mutation($input: CreateBaseModelInput!) { createBaseModel(input: $input) { id name source config } }`;
      const cases: [Record<string, unknown>, string, RegExp?][] = [
        [{ name: "a", preset: "nope" }, "preset"],
        [{ name: "a", config: { model_type: "llama", hidden_size: -1 } }, "config.vocab_size"],
        [{ name: "a" }, "preset"],
        [{ name: "a", preset: "tunelab-nano", config: {} }, "config"],
        [
          {
            name: "a",
            config: {
              model_type: "llama",
              vocab_size: 64,
              hidden_size: 32,
              intermediate_size: 64,
              num_hidden_layers: 1,
              num_attention_heads: 4,
              rope_scaling: { rope_type: "ntk-by-parts", factor: 2 },
            },
          },
          "config.rope_scaling.rope_type",
        ],
        [{ name: "nano", preset: "tunelab-nano" }, "name"],
        [{ name: "a", preset: "tunelab-nano", hostPath: " " }, "hostPath"],
        [{ name: "a", hostPath: "/models/x" }, "config", /^a hostPath needs its config/],
      ];
      for (const [input, field, message] of cases) {
        const res = await server.gql(create, { input });
        assert.equal(res.errors?.[0]?.extensions?.code, "BAD_USER_INPUT", JSON.stringify(input));
        assert.equal(res.errors?.[0]?.extensions?.field, field, JSON.stringify(res.errors));
        if (message) assert.match(res.errors![0]!.message, message);
      }
      const ok = await server.gql<{ createBaseModel: { source: string; config: { hidden_size: number } } }>(
        create,
        {
          input: {
            name: "host",
            config: {
              model_type: "llama",
              vocab_size: 10,
              hidden_size: 8,
              intermediate_size: 16,
              num_hidden_layers: 1,
              num_attention_heads: 2,
            },
            hostPath: "/models/x",
          },
        },
      );
      assert.equal(ok.errors, undefined, JSON.stringify(ok.errors));
      assert.equal(ok.data!.createBaseModel.source, "HOST_PATH");
      const list = await server.gql<{
        baseModels: { totalCount: number; edges: { node: { name: string } }[] };
      }>(`{ baseModels(first: 2) { totalCount edges { node { name } } } }`);
      assert.deepEqual(
        list.data!.baseModels.edges.map((e) => e.node.name),
        ["host", "scratch"],
      );
    });

    test("experiments filter by name and page; a read key may read but not create", async () => {
      await createExperiment(server, seeded, undefined, "Alpha sweep");
      await createExperiment(server, seeded, undefined, "beta");
      const q = `query($f: ExperimentFilter, $after: String) { experiments(first: 1, after: $after, filter: $f) {
        totalCount edges { node { name runs { name } } } pageInfo { hasNextPage endCursor } } }`;
      const res = await server.gql<{
        experiments: { totalCount: number; edges: { node: { name: string } }[] };
      }>(q, {
        f: { nameContains: "ALPHA" },
      });
      assert.equal(res.data!.experiments.totalCount, 1);
      assert.equal(res.data!.experiments.edges[0]!.node.name, "Alpha sweep");
      const read = await createApiKeyForTest(server.db, "read");
      assert.equal((await server.gql(q, {}, read)).errors, undefined);
      const denied = await server.gql(createExperimentMutation, { input: {} }, read);
      assert.ok(denied.errors?.length);
      const create = await server.gql(
        createExperimentMutation,
        {
          input: {
            name: "r",
            datasetId: seeded.datasetId,
            baseModelId: seeded.baseModelId,
            hyperparameters,
            variants: [{ method: { method: "full" } }],
          },
        },
        read,
      );
      assert.equal(create.errors?.[0]?.extensions?.code, "FORBIDDEN");
      assert.equal((await server.gql(q, {}, null)).errors?.[0]?.extensions?.code, "UNAUTHENTICATED");
    });
  });
}
