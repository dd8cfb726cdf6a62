import assert from "node:assert/strict";
import { test } from "node:test";
import type { GraphQLError } from "graphql";
import { decodeCursor, encodeCursor, pageRequest, toConnection } from "./connection.js";

function rejects(fn: () => unknown, field: string) {
  assert.throws(
    fn,
    (e: GraphQLError) => e.extensions.code === "BAD_USER_INPUT" && e.extensions.field === field,
  );
}

test("a cursor round-trips its key and is opaque", () => {
  const key = ["2026-01-02T03:04:05.678Z", "0b7e…id", 3];
  const cursor = encodeCursor(key);
  assert.match(cursor, /^[A-Za-z0-9_-]+$/);
  assert.deepEqual(decodeCursor(cursor, 3), key);
});

test("foreign or tampered cursors are BAD_USER_INPUT on after", () => {
  rejects(() => decodeCursor("not base64 json", 2), "after");
  rejects(() => decodeCursor(encodeCursor(["a"]), 2), "after");
  rejects(() => decodeCursor(Buffer.from('[{"x":1},2]').toString("base64url"), 2), "after");
});

test("first defaults to 20 and must be 1..100", () => {
  assert.deepEqual(pageRequest({}, 2), { first: 20, after: null });
  assert.equal(pageRequest({ first: 100 }, 2).first, 100);
  for (const first of [0, -1, 101, 1.5]) rejects(() => pageRequest({ first }, 2), "first");
});

test("toConnection trims the look-ahead row and fills pageInfo", () => {
  const rows = [{ id: 1 }, { id: 2 }, { id: 3 }];
  const page = pageRequest({ first: 2, after: encodeCursor([0]) }, 1);
  const connection = toConnection(rows, page, 10, (r) => [r.id]);
  assert.deepEqual(
    connection.edges.map((e) => e.node.id),
    [1, 2],
  );
  assert.deepEqual(connection.pageInfo, {
    hasNextPage: true,
    hasPreviousPage: true,
    startCursor: encodeCursor([1]),
    endCursor: encodeCursor([2]),
  });
  assert.equal(connection.totalCount, 10);

  const last = toConnection([{ id: 3 }], pageRequest({ first: 2 }, 1), 1, (r) => [r.id]);
  assert.equal(last.pageInfo.hasNextPage, false);
  assert.equal(last.pageInfo.hasPreviousPage, false);
  const empty = toConnection([], pageRequest({}, 1), 0, () => []);
  assert.deepEqual(empty.pageInfo, {
    hasNextPage: false,
    hasPreviousPage: false,
    startCursor: null,
    endCursor: null,
  });
});
