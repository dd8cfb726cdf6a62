import assert from "node:assert/strict";
import { test } from "node:test";
import { type ExpandSweepInput, expandSweep, ValidationError } from "../index.js";

const grid = (parameters: Record<string, unknown[]>) => ({
  strategy: "grid",
  parameters: Object.fromEntries(Object.entries(parameters).map(([k, values]) => [k, { values }])),
});
const expand = (input: Partial<ExpandSweepInput>) =>
  expandSweep({ variants: [{ method: { method: "lora" } }], sweep: null, maxRuns: 100, ...input });

/** The field of the first issue the expansion refuses with. */
function refusal(input: Partial<ExpandSweepInput>): { field: string; message: string } {
  try {
    expand(input);
  } catch (e) {
    if (e instanceof ValidationError) return { field: e.field, message: e.message };
    throw e;
  }
  assert.fail("expected a ValidationError");
}

test("a grid is the product of its values, the last key varying fastest", () => {
  const plan = expand({
    sweep: grid({ r: [4, 8, 16], learningRate: [1e-4, 3e-4], method: ["lora", "qlora"] }),
  });
  assert.equal(plan.combinations, 12);
  assert.deepEqual(
    plan.runs.map((r) => r.name),
    [
      "lora r=4 lr=1e-4",
      "qlora r=4 lr=1e-4",
      "lora r=4 lr=3e-4",
      "qlora r=4 lr=3e-4",
      "lora r=8 lr=1e-4",
      "qlora r=8 lr=1e-4",
      "lora r=8 lr=3e-4",
      "qlora r=8 lr=3e-4",
      "lora r=16 lr=1e-4",
      "qlora r=16 lr=1e-4",
      "lora r=16 lr=3e-4",
      "qlora r=16 lr=3e-4",
    ],
  );
  const first = plan.runs[1]!;
  assert.deepEqual(first.method, { method: "qlora", r: 4 });
  assert.deepEqual(first.hyperparameters, { learningRate: 1e-4 });
  assert.deepEqual(first.sweepValues, { r: 4, learningRate: 1e-4, method: "qlora" });
  assert.equal(first.sources.r, "sweep.parameters.r.values[0]");
  assert.equal(first.sources.method, "sweep.parameters.method.values[1]");
});

test("the grid crosses every variant; a method field skips methods without it; duplicates are dropped", () => {
  const plan = expand({
    variants: [{ method: { method: "full" } }, { method: { method: "lora", lora_alpha: 16 } }],
    sweep: grid({ r: [4, 8], seed: [1, 2] }),
  });
  assert.equal(plan.combinations, 8);
  assert.deepEqual(
    plan.runs.map((r) => [r.name, r.sweepValues]),
    [
      ["full seed=1", { seed: 1 }],
      ["full seed=2", { seed: 2 }],
      ["lora r=4 seed=1", { r: 4, seed: 1 }],
      ["lora r=4 seed=2", { r: 4, seed: 2 }],
      ["lora r=8 seed=1", { r: 8, seed: 1 }],
      ["lora r=8 seed=2", { r: 8, seed: 2 }],
    ],
  );
  assert.deepEqual(plan.runs[2]!.method, { method: "lora", lora_alpha: 16, r: 4 });
});

test("a swept method keeps the variant's fields the new method has, and a value equal to a default is a duplicate", () => {
  const plan = expand({
    variants: [{ method: { method: "lora", r: 8, lora_dropout: 0.1 } }],
    sweep: grid({ method: ["lora", "qlora", "prefix"] }),
  });
  assert.deepEqual(
    plan.runs.map((r) => r.method),
    [
      { method: "lora", r: 8, lora_dropout: 0.1 },
      { method: "qlora", r: 8, lora_dropout: 0.1 },
      { method: "prefix" },
    ],
  );
  // r=8 is LoRA's default: { lora } and { lora, r: 8 } are the same run.
  assert.equal(
    expand({ variants: [{ method: { method: "lora" } }], sweep: grid({ r: [8, 16] }) }).runs.length,
    2,
  );
  assert.equal(
    expand({
      variants: [{ method: { method: "lora" } }, { method: { method: "lora", r: 16 } }],
      sweep: grid({ learningRate: [0.1] }),
    }).runs.length,
    2,
  );
  assert.equal(
    expand({
      variants: [{ method: { method: "lora" } }, { method: { method: "lora", r: 16 } }],
      sweep: grid({ r: [8, 16] }),
    }).runs.length,
    2,
  );
});

test("a variant's own sweep crosses the experiment's; names keep a custom variant name", () => {
  const plan = expand({
    variants: [
      { name: "small", method: { method: "lora" }, sweep: { r: { values: [2, 4] } } },
      { name: "adapter", method: { method: "adapter" } },
    ],
    sweep: grid({ learningRate: [0.01, 0.001] }),
  });
  assert.deepEqual(
    plan.runs.map((r) => r.name),
    [
      "small lr=0.01 r=2",
      "small lr=0.01 r=4",
      "small lr=0.001 r=2",
      "small lr=0.001 r=4",
      "adapter lr=0.01",
      "adapter lr=0.001",
    ],
  );
  assert.equal(plan.runs[1]!.sources.r, "variants[0].sweep.r.values[1]");
  assert.deepEqual(plan.variantParameters, [{ r: { values: [2, 4] } }, {}]);
});

test("one value is a fixed override: applied and recorded, but not in the name", () => {
  const plan = expand({ sweep: grid({ r: [4, 8], dtype: ["bfloat16"] }) });
  assert.deepEqual(
    plan.runs.map((r) => [r.name, r.hyperparameters]),
    [
      ["lora r=4", { dtype: "bfloat16" }],
      ["lora r=8", { dtype: "bfloat16" }],
    ],
  );
});

test("a random sweep is reproducible with its seed, distinct, drawn from the grid and kept in grid order", () => {
  const sweep = (seed: number) => ({
    strategy: "RANDOM",
    count: 5,
    seed,
    parameters: grid({ r: [2, 4, 8, 16, 32], learningRate: [1e-4, 3e-4, 1e-3], lora_dropout: [0, 0.1] })
      .parameters,
  });
  const all = expand({
    sweep: grid({ r: [2, 4, 8, 16, 32], learningRate: [1e-4, 3e-4, 1e-3], lora_dropout: [0, 0.1] }),
  });
  assert.equal(all.runs.length, 30);
  const a = expand({ sweep: sweep(7) }).runs.map((r) => r.name);
  assert.deepEqual(
    expand({ sweep: sweep(7) }).runs.map((r) => r.name),
    a,
  );
  assert.equal(new Set(a).size, 5);
  const gridOrder = all.runs.map((r) => r.name);
  const positions = a.map((name) => gridOrder.indexOf(name));
  assert.ok(positions.every((p) => p >= 0));
  assert.deepEqual(
    positions,
    [...positions].sort((x, y) => x - y),
  );
  const seeds = [1, 2, 3, 4, 5, 6].map((s) =>
    expand({ sweep: sweep(s) })
      .runs.map((r) => r.name)
      .join("|"),
  );
  assert.ok(new Set(seeds).size > 1, "different seeds draw different samples");
  // Drawing every combination is the whole grid, in grid order.
  assert.deepEqual(
    expand({ sweep: { ...sweep(3), count: 30 } }).runs.map((r) => r.name),
    gridOrder,
  );
});

test("a random sample over a large grid draws only what it needs", () => {
  const values = Array.from({ length: 100 }, (_, i) => i + 1);
  const plan = expand({
    sweep: {
      strategy: "random",
      count: 20,
      seed: 1,
      parameters: grid({ r: values, seed: values, steps: values }).parameters,
    },
  });
  assert.equal(plan.combinations, 1_000_000);
  assert.equal(new Set(plan.runs.map((r) => r.name)).size, 20);
});

const refusals: [string, Partial<ExpandSweepInput>, string, RegExp][] = [
  ["a bad rank", { sweep: grid({ r: [4, 8, 0] }) }, "sweep.parameters.r.values[2]", /r must be .*got 0/],
  ["an unknown key", { sweep: grid({ rank: [4] }) }, "sweep.parameters.rank", /cannot be swept/],
  ["a repeated value", { sweep: grid({ r: [4, 4] }) }, "sweep.parameters.r.values[1]", /repeats values\[0\]/],
  ["no values", { sweep: grid({ r: [] }) }, "sweep.parameters.r", /at least one value/],
  ["an object value", { sweep: grid({ r: [{}] }) }, "sweep.parameters.r.values[0]", /number, string/],
  [
    "an unknown method",
    { sweep: grid({ method: ["lora", "loha"] }) },
    "sweep.parameters.method.values[1]",
    /method must be one of/,
  ],
  [
    "a field no method has",
    { sweep: grid({ num_virtual_tokens: [4, 8] }) },
    "sweep.parameters.num_virtual_tokens",
    /none of the methods/,
  ],
  [
    "a variant sweeping a field its method lacks",
    { variants: [{ method: { method: "lora" }, sweep: { num_virtual_tokens: { values: [1] } } }] },
    "variants[0].sweep.num_virtual_tokens",
    /not a field of method "lora"/,
  ],
  [
    "a variant sweeping a hyperparameter",
    { variants: [{ method: { method: "lora" }, sweep: { learningRate: { values: [1] } } }] },
    "variants[0].sweep.learningRate",
    /cannot be swept here/,
  ],
  [
    "a key swept in two places",
    { variants: [{ method: { method: "lora" }, sweep: { r: { values: [2] } } }], sweep: grid({ r: [4] }) },
    "variants[0].sweep.r",
    /one place/,
  ],
  [
    "a bad variant field",
    { variants: [{ method: { method: "lora", r: -1 } }], sweep: grid({ seed: [1, 2] }) },
    "variants[0].method.r",
    /r must be/,
  ],
  [
    "too many runs",
    { sweep: grid({ r: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], seed: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] }) },
    "sweep",
    /more than 100 runs \(110 combinations\)/,
  ],
  [
    "a huge grid",
    {
      sweep: grid({
        r: Array.from({ length: 1001 }, (_, i) => i + 1),
        seed: Array.from({ length: 1000 }, (_, i) => i),
      }),
    },
    "sweep.parameters",
    /1001000 combinations/,
  ],
  ["a grid with a count", { sweep: { ...grid({ r: [4] }), count: 2 } }, "sweep.count", /RANDOM/],
  [
    "a random sweep without count",
    { sweep: { ...grid({ r: [4] }), strategy: "random", seed: 1 } },
    "sweep.count",
    /needs count/,
  ],
  [
    "a random sweep without seed",
    { sweep: { ...grid({ r: [4] }), strategy: "random", count: 1 } },
    "sweep.seed",
    /seed must be/,
  ],
  [
    "a count above the cap",
    { sweep: { ...grid({ r: [4] }), strategy: "random", count: 101, seed: 1 } },
    "sweep.count",
    /at most 100/,
  ],
  [
    "a count above the grid",
    { sweep: { ...grid({ r: [4, 16] }), strategy: "random", count: 3, seed: 1 } },
    "sweep.count",
    /only 2 distinct runs/,
  ],
  [
    "a bad strategy",
    { sweep: { ...grid({ r: [4] }), strategy: "bayes" } },
    "sweep.strategy",
    /"grid" or "random"/,
  ],
];
for (const [what, input, field, message] of refusals) {
  test(`refuses ${what}, naming ${field}`, () => {
    const e = refusal(input);
    assert.equal(e.field, field);
    assert.match(e.message, message);
  });
}

test("a bad value a random sample would skip is still refused", () => {
  const e = refusal({
    sweep: { strategy: "random", count: 1, seed: 1, parameters: grid({ r: [8, 0] }).parameters },
  });
  assert.equal(e.field, "sweep.parameters.r.values[1]");
});
