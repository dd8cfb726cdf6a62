import assert from "node:assert/strict";
import { test } from "node:test";
import { parse } from "graphql";
import { buildSchemaShape } from "./schema.js";
import { checkQueryLimits, queryDepth } from "./limits.js";

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
