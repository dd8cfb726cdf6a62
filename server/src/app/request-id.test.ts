import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type TestServer, startTestServer } from "../testing/test-server.js";

describe("error bodies carry no stack or path, whatever NODE_ENV is (PGlite)", () => {
  let server: TestServer;
  const nodeEnv = process.env.NODE_ENV;
  before(async () => {
    delete process.env.NODE_ENV; // the documented way to run: NODE_ENV unset
    server = await startTestServer("pglite");
  });
  after(async () => {
    await server.close();
    if (nodeEnv !== undefined) process.env.NODE_ENV = nodeEnv;
  });

  const artifact = "00000000-0000-4000-8000-000000000000";
  const cases: [string, string, RequestInit & { token?: "admin" }, number, string][] = [
    [
      "a malformed % in an artifact file name",
      `/artifacts/${artifact}/files/%ZZ`,
      { token: "admin" },
      400,
      "BAD_REQUEST",
    ],
    [
      "U+0000 in an artifact file name",
      `/artifacts/${artifact}/files/a%00b`,
      { token: "admin" },
      400,
      "BAD_USER_INPUT",
    ],
    [
      "an artifact file name, anonymously: no lookup",
      `/artifacts/${artifact}/files/a%00b`,
      {},
      401,
      "UNAUTHENTICATED",
    ],
    [
      "a body that is not JSON",
      "/graphql",
      { method: "POST", headers: { "content-type": "application/json" }, body: '{"query": ' },
      400,
      "BAD_REQUEST",
    ],
  ];
  for (const [name, path, init, status, code] of cases) {
    test(name, async () => {
      const headers = new Headers(init.headers);
      if (init.token === "admin") headers.set("authorization", `Bearer ${server.adminKey}`);
      const res = await fetch(`${server.origin}${path}`, { ...init, headers });
      const text = await res.text();
      assert.equal(res.status, status, text);
      assert.doesNotMatch(text, /\bat \w|\/work\/|node_modules|<html|Error:/, "no stack, path or HTML page");
      const body = JSON.parse(text) as {
        errors?: { extensions: { code: string; requestId?: string } }[];
        error?: { code: string };
      };
      assert.equal(body.errors?.[0]?.extensions.code ?? body.error?.code, code);
      if (code === "BAD_REQUEST")
        assert.equal(body.errors?.[0]?.extensions.requestId, res.headers.get("x-request-id"));
    });
  }
});
