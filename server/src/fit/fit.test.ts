import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createApiKeyForTest, registerRunnerForTest } from "../testing/auth.js";
import { drivers, type TestServer, startTestServer } from "../testing/test-server.js";

const GiB = 1024 ** 3;

const fitQuery = `query Fit($input: FitInput!) {
  fit(input: $input) {
    figuresFor model modelName parameters budgetBytes budgetSource optimizer dtype batchSizes seqLens maxSearchBatch
    methods {
      method name dtype note trainableParameters
      withoutCheckpointing { ...grid }
      withCheckpointing { ...grid }
    }
  }
}
fragment grid on FitGrid {
  gradientCheckpointing
  rows { seqLen unavailable largestBatch largestBatchPeakBytes nextBatchPeakBytes reachedCap cells { batchSize peakBytes fits } }
}`;

interface Row {
  seqLen: number;
  unavailable: string | null;
  largestBatch: number | null;
  largestBatchPeakBytes: number | null;
  nextBatchPeakBytes: number | null;
  reachedCap: boolean;
  cells: { batchSize: number; peakBytes: number; fits: boolean }[];
}
interface Grid {
  gradientCheckpointing: boolean;
  rows: Row[];
}
interface FitMethod {
  method: Record<string, unknown>;
  name: string;
  dtype: string;
  note: string | null;
  trainableParameters: number;
  withoutCheckpointing: Grid;
  withCheckpointing: Grid;
}
interface FitData {
  fit: {
    figuresFor: string;
    model: Record<string, unknown>;
    modelName: string | null;
    parameters: number;
    budgetBytes: number;
    budgetSource: string;
    optimizer: string;
    dtype: string;
    batchSizes: number[];
    seqLens: number[];
    maxSearchBatch: number;
    methods: FitMethod[];
  };
}

/** One `estimate` call the fit's figures must match. */
interface EstimateAsk {
  method: Record<string, unknown>;
  batchSize: number;
  seqLen: number;
  dtype: string;
  optimizer: string;
  gradientCheckpointing: boolean;
}

/** `estimate`'s memory.total for each ask, over GraphQL, fifty aliases per request. */
async function estimateTotals(server: TestServer, model: unknown, asks: EstimateAsk[]): Promise<number[]> {
  const totals: number[] = [];
  for (let start = 0; start < asks.length; start += 50) {
    const chunk = asks.slice(start, start + 50);
    const decl = chunk.map((_, i) => `$m${i}: JSONObject!`).join(", ");
    const fields = chunk
      .map(
        (a, i) =>
          `e${i}: estimate(model: $model, method: $m${i}, batchSize: ${a.batchSize}, seqLen: ${a.seqLen}, dtype: "${a.dtype}", optimizer: "${a.optimizer}", gradientCheckpointing: ${a.gradientCheckpointing}) { memory { total } }`,
      )
      .join("\n");
    const res = await server.gql<Record<string, { memory: { total: number } }>>(
      `query($model: JSON!, ${decl}) { ${fields} }`,
      { model, ...Object.fromEntries(chunk.map((a, i) => [`m${i}`, a.method])) },
    );
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    totals.push(...chunk.map((_, i) => res.data![`e${i}`]!.memory.total));
  }
  return totals;
}

/**
 * Every figure of a fit answer beside `estimate` for the same inputs: each cell, and the largest batch and
 * the one above it (the boundary: the first within the budget, the second over it).
 */
async function assertFitEqualsEstimate(server: TestServer, model: unknown, fit: FitData["fit"]) {
  const asks: EstimateAsk[] = [];
  const figures: { where: string; value: number | null; fits?: boolean }[] = [];
  for (const m of fit.methods) {
    for (const grid of [m.withoutCheckpointing, m.withCheckpointing]) {
      for (const row of grid.rows) {
        const ask = (batchSize: number) => ({
          method: m.method,
          batchSize,
          seqLen: row.seqLen,
          dtype: m.dtype,
          optimizer: fit.optimizer,
          gradientCheckpointing: grid.gradientCheckpointing,
        });
        const at = `${m.method.method} ckpt=${grid.gradientCheckpointing} seqLen=${row.seqLen}`;
        if (row.unavailable !== null) continue;
        for (const cell of row.cells) {
          asks.push(ask(cell.batchSize));
          figures.push({ where: `${at} batch=${cell.batchSize}`, value: cell.peakBytes, fits: cell.fits });
        }
        if (row.largestBatch === null) {
          asks.push(ask(1));
          figures.push({ where: `${at}: batch 1 over the budget`, value: row.nextBatchPeakBytes });
          assert.ok(row.nextBatchPeakBytes! > fit.budgetBytes, at);
          continue;
        }
        asks.push(ask(row.largestBatch));
        figures.push({
          where: `${at} largest=${row.largestBatch}`,
          value: row.largestBatchPeakBytes,
          fits: true,
        });
        if (row.reachedCap) assert.equal(row.largestBatch, fit.maxSearchBatch, at);
        else {
          asks.push(ask(row.largestBatch + 1));
          figures.push({ where: `${at} largest+1`, value: row.nextBatchPeakBytes, fits: false });
        }
      }
    }
  }
  for (const m of fit.methods) {
    const res = await server.gql<{ estimate: { parameters: { trainable: number; base: number } } }>(
      "query($model: JSON!, $method: JSONObject!) { estimate(model: $model, method: $method) { parameters { trainable base } } }",
      { model, method: m.method },
    );
    assert.equal(m.trainableParameters, res.data!.estimate.parameters.trainable, `${m.name}: trainable`);
    assert.equal(fit.parameters, res.data!.estimate.parameters.base, "base parameters");
  }
  const totals = await estimateTotals(server, model, asks);
  figures.forEach((f, i) => {
    assert.equal(f.value, totals[i], f.where);
    if (f.fits !== undefined) assert.equal(f.fits, totals[i]! <= fit.budgetBytes, `${f.where}: fits`);
  });
  return figures.length;
}

async function fit(server: TestServer, input: Record<string, unknown>, token?: string | null) {
  return server.gql<FitData>(fitQuery, { input }, token);
}

// fit reads stored data only for baseModelId/runnerId: the arithmetic runs on one driver, those on both.
describe("fit: what fits a budget, over GraphQL", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer("pglite");
  });
  after(() => server.close());

  test("every method's cells, largest batch and the batch above it equal estimate's total (SmolLM-135M, 4 GiB)", async () => {
    const input = {
      model: "SmolLM-135M",
      budgetBytes: 4 * GiB,
      batchSizes: [1, 4, 16],
      seqLens: [1024, 2048],
    };
    const res = await fit(server, input, null);
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    const f = res.data!.fit;
    assert.match(f.figuresFor, /Tunelab's engine/);
    assert.equal(f.modelName, "SmolLM-135M");
    assert.equal(f.budgetSource, "typed");
    const catalog = await server.gql<{ methods: { method: string }[] }>("{ methods { method } }");
    assert.deepEqual(
      f.methods.map((m) => m.method.method),
      catalog.data!.methods.map((m) => m.method),
      "default: every method",
    );
    const compared = await assertFitEqualsEstimate(server, "SmolLM-135M", f);
    assert.ok(compared > 100, `${compared} figures compared`);

    const byMethod = Object.fromEntries(f.methods.map((m) => [m.method.method as string, m]));
    // Prompt tuning's 20 virtual tokens are positions too: 2048 + 20 > max_position_embeddings.
    const prompt2048 = byMethod.prompt!.withoutCheckpointing.rows.find((r) => r.seqLen === 2048)!;
    assert.match(prompt2048.unavailable!, /max_position_embeddings/);
    assert.deepEqual(prompt2048.cells, []);
    // The budget splits the grid: full fine-tuning at 1024 tokens does not fit even one example, and
    // checkpointing (activations recomputed per layer) makes batch 1 fit; LoRA with it fits batch 4 too.
    const row1024 = (m: FitMethod, g: "withoutCheckpointing" | "withCheckpointing") =>
      m[g].rows.find((r) => r.seqLen === 1024)!;
    assert.equal(row1024(byMethod.full!, "withoutCheckpointing").largestBatch, null);
    assert.deepEqual(
      row1024(byMethod.full!, "withCheckpointing").cells.map((c) => c.fits),
      [true, false, false],
    );
    assert.deepEqual(
      row1024(byMethod.lora!, "withCheckpointing").cells.map((c) => c.fits),
      [true, true, false],
    );
    for (const m of f.methods) {
      m.withoutCheckpointing.rows.forEach((row, i) => {
        const with_ = m.withCheckpointing.rows[i]!;
        if (row.unavailable) return;
        assert.ok((with_.largestBatch ?? 0) >= (row.largestBatch ?? 0), `${m.name} ${row.seqLen}`);
      });
    }
  });

  test("the largest batch is exact at the boundary: a budget of exactly estimate(b) answers b, one byte less b − 1", async () => {
    const method = { method: "lora", r: 16 };
    const base = { model: "tunelab-small", methods: [method], batchSizes: [1], seqLens: [128] };
    const [peak5] = await estimateTotals(server, "tunelab-small", [
      {
        method,
        batchSize: 5,
        seqLen: 128,
        dtype: "float32",
        optimizer: "adamw",
        gradientCheckpointing: false,
      },
    ]);
    for (const [budgetBytes, largest] of [
      [peak5!, 5],
      [peak5! - 1, 4],
    ] as const) {
      const res = await fit(server, { ...base, budgetBytes });
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      const row = res.data!.fit.methods[0]!.withoutCheckpointing.rows[0]!;
      assert.equal(row.largestBatch, largest, `budget ${budgetBytes}`);
      await assertFitEqualsEstimate(server, "tunelab-small", res.data!.fit);
    }
    // A budget nothing fits, and one everything up to the search's cap fits.
    const none = (await fit(server, { ...base, budgetBytes: 1000 })).data!.fit.methods[0]!
      .withoutCheckpointing.rows[0]!;
    assert.equal(none.largestBatch, null);
    assert.equal(none.cells[0]!.fits, false);
    const all = (await fit(server, { ...base, budgetBytes: 1e15 })).data!.fit;
    const capped = all.methods[0]!.withoutCheckpointing.rows[0]!;
    assert.deepEqual([capped.largestBatch, capped.reachedCap, capped.nextBatchPeakBytes], [4096, true, null]);
    await assertFitEqualsEstimate(server, "tunelab-small", all);
  });

  test("a config.json in bfloat16: full fine-tuning's figures are float32 and say so; they still equal estimate", async () => {
    const presets = await server.gql<{ modelPresets: { name: string; config: Record<string, unknown> }[] }>(
      "{ modelPresets { name config } }",
    );
    const config = presets.data!.modelPresets.find((p) => p.name === "TinyLlama-1.1B")!.config;
    const res = await fit(server, {
      model: config,
      budgetBytes: 24 * GiB,
      methods: [{ method: "full" }, { method: "qlora", r: 16, target_modules: "all-linear" }],
      batchSizes: [1, 8],
      seqLens: [512],
      dtype: "bfloat16",
    });
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    const f = res.data!.fit;
    assert.equal(f.modelName, null);
    const [full, qlora] = f.methods;
    assert.deepEqual([full!.dtype, qlora!.dtype], ["float32", "bfloat16"]);
    assert.match(full!.note!, /float32/);
    assert.equal(qlora!.note, null);
    await assertFitEqualsEstimate(server, config, f);
  });

  test("bad inputs are coded errors naming the field", async () => {
    const ok = { model: "tunelab-nano", budgetBytes: GiB };
    const cases: [Record<string, unknown>, string, string, RegExp][] = [
      [{ budgetBytes: GiB }, "BAD_USER_INPUT", "model", /exactly one of model/],
      [
        { ...ok, baseModelId: "00000000-0000-4000-8000-000000000000" },
        "BAD_USER_INPUT",
        "model",
        /exactly one/,
      ],
      [{ ...ok, model: "no-such-model" }, "BAD_USER_INPUT", "model", /unknown model preset/],
      [{ ...ok, model: { hidden_size: -1 } }, "BAD_USER_INPUT", "model.", /./],
      [{ model: "tunelab-nano" }, "BAD_USER_INPUT", "budgetBytes", /exactly one of budgetBytes/],
      [{ ...ok, budgetBytes: -5 }, "BAD_USER_INPUT", "budgetBytes", /positive/],
      [{ ...ok, budgetBytes: 0 }, "BAD_USER_INPUT", "budgetBytes", /positive/],
      [
        { ...ok, methods: [{ method: "full" }, { method: "lora", r: 0 }] },
        "BAD_USER_INPUT",
        "methods[1].r",
        /r/,
      ],
      [{ ...ok, methods: [{ method: "fancy" }] }, "BAD_USER_INPUT", "methods[0].method", /fancy/],
      [{ ...ok, methods: [] }, "BAD_USER_INPUT", "methods", /1 to 8/],
      [{ ...ok, methods: Array(9).fill({ method: "lora" }) }, "BAD_USER_INPUT", "methods", /1 to 8/],
      [{ ...ok, batchSizes: [1, 0] }, "BAD_USER_INPUT", "batchSizes[1]", /1 to 4096/],
      [{ ...ok, batchSizes: [4097] }, "BAD_USER_INPUT", "batchSizes[0]", /1 to 4096/],
      [{ ...ok, batchSizes: [2, 4, 2] }, "BAD_USER_INPUT", "batchSizes[2]", /already/],
      [{ ...ok, batchSizes: [1, 2, 3, 4, 5, 6, 7] }, "BAD_USER_INPUT", "batchSizes", /1 to 6/],
      [{ ...ok, seqLens: [] }, "BAD_USER_INPUT", "seqLens", /1 to 4/],
      [{ ...ok, seqLens: [64, 129] }, "BAD_USER_INPUT", "seqLens[1]", /max_position_embeddings/],
      [{ ...ok, dtype: "int8" }, "BAD_USER_INPUT", "dtype", /float32/],
      [{ ...ok, optimizer: "lion" }, "BAD_USER_INPUT", "optimizer", /adamw/],
      [
        { model: "tunelab-nano", runnerId: "00000000-0000-4000-8000-000000000000" },
        "NOT_FOUND",
        "id",
        /runner/,
      ],
    ];
    for (const [input, code, field, message] of cases) {
      const res = await fit(server, input);
      const error = res.errors?.[0];
      const at = JSON.stringify(input);
      assert.equal(error?.extensions?.code, code, `${at}: ${JSON.stringify(res.errors)}`);
      const named = String(error?.extensions?.field);
      assert.ok(field.endsWith(".") ? named.startsWith(field) : named === field, `${at}: field ${named}`);
      assert.match(error!.message, message, at);
      assert.equal(res.data ?? null, null);
    }
  });

  test("gpuMemorySizes: common GPUs, smallest first, with the sizes vendors sell them as", async () => {
    const res = await server.gql<{ gpuMemorySizes: { name: string; memoryBytes: number }[] }>(
      "{ gpuMemorySizes { name memoryBytes } }",
      {},
      null,
    );
    const sizes = res.data!.gpuMemorySizes;
    const byName = Object.fromEntries(sizes.map((g) => [g.name, g.memoryBytes]));
    assert.equal(byName["T4 16 GB"], 16 * GiB);
    assert.equal(byName["L4 24 GB"], 24 * GiB);
    assert.equal(byName["A100 40 GB"], 40 * GiB);
    assert.equal(byName["A100 80 GB"], 80 * GiB);
    assert.equal(byName["H100 80 GB"], 80 * GiB);
    const bytes = sizes.map((g) => g.memoryBytes);
    assert.deepEqual(
      bytes,
      [...bytes].sort((a, b) => a - b),
    );
  });
});

for (const driver of drivers) {
  describe(`fit with a registered base model and runner (${driver})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(driver);
    });
    after(() => server.close());

    test("a base model's config and a runner's largest device answer as the same model and budget typed in", async () => {
      const created = await server.gql<{ createBaseModel: { id: string } }>(
        `mutation { createBaseModel(input: { name: "small", preset: "tunelab-small" }) { id } }`,
      );
      assert.equal(created.errors, undefined);
      const baseModelId = created.data!.createBaseModel.id;
      const { runnerId } = await registerRunnerForTest(server.db, {
        name: "gpu-box",
        maxDeviceMemoryBytes: 3 * GiB,
      });
      const grid = {
        methods: [{ method: "full" }, { method: "lora" }],
        batchSizes: [1, 64],
        seqLens: [256, 512],
      };
      const readKey = await createApiKeyForTest(server.db, "read");
      const stored = await fit(server, { ...grid, baseModelId, runnerId }, readKey);
      assert.equal(stored.errors, undefined, JSON.stringify(stored.errors));
      const typed = await fit(server, { ...grid, model: "tunelab-small", budgetBytes: 3 * GiB }, null);
      const s = stored.data!.fit;
      const t = typed.data!.fit;
      assert.equal(s.modelName, "small");
      assert.equal(s.budgetBytes, 3 * GiB);
      assert.equal(s.budgetSource, "runner gpu-box: test-device");
      assert.deepEqual(s.model, t.model);
      assert.deepEqual(s.methods, t.methods);

      // Stored data needs a key: without one the same call is refused, and an unknown base model is NOT_FOUND.
      for (const input of [
        { ...grid, baseModelId, budgetBytes: GiB },
        { ...grid, model: "tunelab-small", runnerId },
      ]) {
        const refused = await fit(server, input, null);
        assert.equal(refused.errors?.[0]?.extensions?.code, "UNAUTHENTICATED");
      }
      const missing = await fit(server, {
        ...grid,
        baseModelId: "00000000-0000-4000-8000-000000000000",
        budgetBytes: GiB,
      });
      assert.equal(missing.errors?.[0]?.extensions?.code, "NOT_FOUND");
    });
  });
}
