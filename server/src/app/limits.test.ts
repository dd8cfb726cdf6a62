import assert from "node:assert/strict";
import { test } from "node:test";
import { parse } from "graphql";
import { buildSchemaShape } from "./schema.js";
import type { Auth } from "../auth/guards.js";
import { checkQueryLimits, defaultQueryLimits, queryDepth } from "./limits.js";

test("queryDepth follows fragments and inline fragments, skips introspection, survives a fragment cycle", () => {
  const cases: [string, number][] = [
    ["{ a }", 1],
    ["{ a { b { c } } d }", 3],
    ["{ a { ...F } } fragment F on T { b { c { d } } }", 4],
    ["{ a { ... on T { b { c } } } }", 3],
    ["{ __schema { types { fields { type { ofType { ofType { ofType { name } } } } } } } a }", 1],
    ["{ a { ...F } } fragment F on T { b { ...G } } fragment G on T { ...F c }", 3],
    ["query One { a } query Two { a { b { c } } }", 3],
  ];
  for (const [query, depth] of cases) assert.equal(queryDepth(parse(query)), depth, query);
  assert.equal(queryDepth(parse("query One { a } query Two { a { b { c } } }"), "One"), 1);
});

test("checkQueryLimits: depth and complexity (a `first` argument multiplies its children)", async () => {
  const schema = await buildSchemaShape();
  const limits = { maxDepth: 4, maxComplexity: 100 };
  const check = (query: string, variables: Record<string, unknown> = {}) =>
    checkQueryLimits(schema, parse(query), undefined, variables, limits).map((e) => e.extensions.code);
  assert.deepEqual(check("{ datasets(first: 5) { edges { node { id } } } }"), []);
  assert.deepEqual(check("{ datasets { edges { node { rows { text } } } } }"), ["QUERY_TOO_DEEP"]);
  // 1 + 50 × (edges 1 + node 1 + id 1 + name 1) = 201 > 100
  assert.deepEqual(check("{ datasets(first: 50) { edges { node { id name } } } }"), ["QUERY_TOO_COMPLEX"]);
  assert.deepEqual(
    check("query($n: Int) { datasets(first: $n) { edges { node { id name } } } }", { n: 50 }),
    ["QUERY_TOO_COMPLEX"],
  );
  // Without `first` the default page size (20) counts: 1 + 20 × 4 = 81.
  assert.deepEqual(check("{ datasets { edges { node { id name } } } }"), []);
});

test("cost prices what is returned: nested run lists, aliases, metrics points, anonymous calculators, fit by its grid", async () => {
  const schema = await buildSchemaShape();
  const readKey = { kind: "apiKey", keyId: "k", scope: "read" } as const;
  const anonymous = { kind: "anonymous" } as const;
  const check = (query: string, auth: Auth) => {
    const [error] = checkQueryLimits(schema, parse(query), undefined, {}, defaultQueryLimits, auth);
    return error
      ? { code: error.extensions.code, cost: error.extensions.complexity, message: error.message }
      : "ok";
  };
  const ids = '["a", "b", "c"]';
  const metrics = (alias: string) =>
    `${alias}: metrics(runIds: ${ids}, maxPoints: 10000) { key points { step value } }`;
  const estimate = (alias: string) =>
    `${alias}: estimate(model: {}, method: {}, batchSize: 1, seqLen: 8, optimizer: "adamw", dtype: "float32", gradientCheckpointing: false) { memory { total } }`;
  const fitFields =
    "figuresFor budgetBytes methods { name withoutCheckpointing { rows { seqLen largestBatch cells { batchSize peakBytes fits } } } withCheckpointing { rows { seqLen largestBatch cells { batchSize peakBytes fits } } } }";
  const refused = (result: ReturnType<typeof check>) =>
    typeof result === "object" && result.code === "QUERY_TOO_COMPLEX";
  const cases: [string, string, Auth, boolean][] = [
    [
      "runs of runs of runs",
      '{ experiment(id: "x") { runs { experiment { runs { experiment { runs { id } } } } } } }',
      readKey,
      true,
    ],
    ["one experiment's runs", '{ experiment(id: "x") { runs { id name status } } }', readKey, false],
    [
      "100 aliases of metrics over 3 runs × 10,000 points",
      `{ ${Array.from({ length: 100 }, (_, i) => metrics(`m${i}`)).join(" ")} }`,
      readKey,
      true,
    ],
    [
      "the dashboard's metrics read (10 runs, 2 keys, 2,000 points)",
      `{ metrics(runIds: ${JSON.stringify(Array.from({ length: 10 }, (_, i) => `r${i}`))}, keys: ["train_loss", "eval_loss"], maxPoints: 2000) { runId key totalPoints points { step value min max wallTimeMs } } }`,
      readKey,
      false,
    ],
    [
      "5,000 anonymous estimates",
      `{ ${Array.from({ length: 5000 }, (_, i) => estimate(`e${i}`)).join(" ")} }`,
      anonymous,
      true,
    ],
    [
      "100 anonymous estimates",
      `{ ${Array.from({ length: 100 }, (_, i) => estimate(`e${i}`)).join(" ")} }`,
      anonymous,
      true,
    ],
    ["one anonymous estimate", `{ ${estimate("e")} }`, anonymous, false],
    [
      "the fit page's default: every method, 4 batch sizes, 3 lengths (anonymous)",
      `{ fit(input: { model: "SmolLM-135M", budgetBytes: 1e9 }) { ${fitFields} } }`,
      anonymous,
      false,
    ],
    [
      "the largest fit grid: every method × 6 batch sizes × 4 lengths (anonymous)",
      `{ fit(input: { model: "SmolLM-135M", budgetBytes: 1e9, batchSizes: [1, 2, 4, 8, 16, 32], seqLens: [64, 128, 256, 512] }) { ${fitFields} } }`,
      anonymous,
      true,
    ],
    [
      "the largest fit grid with a read key",
      `{ fit(input: { model: "SmolLM-135M", budgetBytes: 1e9, batchSizes: [1, 2, 4, 8, 16, 32], seqLens: [64, 128, 256, 512] }) { ${fitFields} } }`,
      readKey,
      false,
    ],
    [
      "20 aliases of the default fit (anonymous)",
      `{ ${Array.from({ length: 20 }, (_, i) => `f${i}: fit(input: { model: "SmolLM-135M", budgetBytes: 1e9 }) { ${fitFields} }`).join(" ")} }`,
      anonymous,
      true,
    ],
    [
      "fragments are counted where they are spread",
      `{ ${Array.from({ length: 10 }, (_, i) => `e${i}: experiment(id: "x") { ...R }`).join(" ")} } fragment R on Experiment { runs { experiment { runs { id name } } } }`,
      readKey,
      true,
    ],
  ];
  const wrong = cases.filter(([, query, auth, expected]) => refused(check(query, auth)) !== expected);
  assert.deepEqual(
    wrong.map(([name]) => name),
    [],
  );
  const result = check(cases[0]![1], readKey) as { cost: number; message: string };
  assert.match(
    result.message,
    new RegExp(`query cost ${result.cost} exceeds the limit of ${defaultQueryLimits.maxComplexity}`),
  );
  const anon = check(cases[5]![1], anonymous) as { message: string };
  assert.match(anon.message, /limit of 5000 for an anonymous caller/);
});
