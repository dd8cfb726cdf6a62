import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { buildSchemaShape } from "../app/schema.js";
import { startServer } from "../app/server.js";
import { loadConfig } from "../config.js";
import {
  adminOperations,
  createApiKeyForTest,
  publicOperations,
  registerRunnerForTest,
  runnerOperations,
  sampleOperations,
  tokenOperations,
} from "../testing/auth.js";
import { createThrowawayDatabase } from "../testing/pg.js";
import { type TestServer, drivers, startTestServer } from "../testing/test-server.js";
import { hashSecret } from "./secrets.js";

const codeOf = (res: { errors?: { extensions?: Record<string, unknown> }[] }) =>
  res.errors?.[0]?.extensions?.code;

/** Opens a graphql-ws connection; resolves with the close event once the socket closes. */
function connect(url: string, authorization?: string) {
  let closed!: (e: { code: number; reason: string }) => void;
  const closedEvent = new Promise<{ code: number; reason: string }>((resolve) => {
    closed = resolve;
  });
  let acked!: () => void;
  const ackedEvent = new Promise<void>((resolve) => {
    acked = resolve;
  });
  const client = createClient({
    url: url.replace(/^http/, "ws"),
    webSocketImpl: WebSocket,
    lazy: false,
    retryAttempts: 0,
    connectionParams: authorization ? { authorization } : {},
    on: {
      closed: (e) => {
        const { code, reason } = e as { code: number; reason: string };
        closed({ code, reason: String(reason) });
      },
      connected: () => acked(),
    },
    onNonLazyError: () => {},
  });
  return { client, closedEvent, ackedEvent };
}

/** Runs one operation over graphql-ws and returns its first result or its errors. */
async function wsRun(
  client: ReturnType<typeof createClient>,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<{ data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] }> {
  const it = client.iterate({ query, variables });
  try {
    const first = await it.next();
    return first.value as { data?: unknown };
  } catch (errors) {
    return { errors: errors as { message: string; extensions?: Record<string, unknown> }[] };
  } finally {
    await it.return?.();
  }
}

for (const driver of drivers) {
  describe(`auth on ${driver}`, () => {
    let server: TestServer;
    let readKey: string;
    let runnerSecret: string;
    before(async () => {
      server = await startTestServer(driver);
      readKey = await createApiKeyForTest(server.db, "read");
      runnerSecret = (await registerRunnerForTest(server.db)).secret;
    });
    after(() => server.close());

    test("the first start created one admin key; on PGlite it is also in <dataDir>/admin-key (0600)", async () => {
      assert.match(server.adminKey, /^tlk_/);
      const [row] = (await server.db.read((m) =>
        m.query("SELECT name, scope, key_hash FROM api_key WHERE name = 'admin'"),
      )) as { name: string; scope: string; key_hash: string }[];
      assert.deepEqual(row, { name: "admin", scope: "ADMIN", key_hash: hashSecret(server.adminKey) });
      if (driver === "pglite") {
        assert.ok(server.adminKeyFile);
        assert.equal(readFileSync(server.adminKeyFile, "utf8").trim(), server.adminKey);
        assert.equal(statSync(server.adminKeyFile).mode & 0o777, 0o600);
      } else {
        assert.equal(server.adminKeyFile, undefined);
      }
    });

    test("every people operation: none → UNAUTHENTICATED, runner secret → FORBIDDEN, read key → FORBIDDEN on mutations, read-write key → FORBIDDEN on key and runner management", async () => {
      const ops = sampleOperations(await buildSchemaShape()).filter(
        (op) =>
          op.kind !== "subscription" &&
          !runnerOperations.has(op.name) &&
          !tokenOperations.has(op.name) &&
          !publicOperations.has(op.name),
      );
      assert.ok(
        ops.some((op) => op.name === "createDataset") && ops.some((op) => op.name === "revokeRunner"),
      );
      const writeKey = await createApiKeyForTest(server.db, "read-write");
      const refusals: string[] = [];
      for (const op of ops) {
        const cases: [string, string | null, string | undefined][] = [
          ["no credential", null, "UNAUTHENTICATED"],
          ["runner secret", runnerSecret, "FORBIDDEN"],
          [
            "read key",
            readKey,
            op.kind === "mutation" || adminOperations.has(op.name) ? "FORBIDDEN" : undefined,
          ],
          ["read-write key", writeKey, adminOperations.has(op.name) ? "FORBIDDEN" : undefined],
          ["admin key", server.adminKey, undefined],
        ];
        for (const [who, token, expected] of cases) {
          const res = await server.gql(op.query, op.variables, token);
          const code = codeOf(res);
          if (
            expected !== undefined ? code !== expected : code === "UNAUTHENTICATED" || code === "FORBIDDEN"
          ) {
            refusals.push(
              `${op.kind} ${op.name} with ${who}: got ${String(code)}, expected ${expected ?? "not refused"}`,
            );
          }
        }
      }
      assert.deepEqual(refusals, []);
    });

    test("runner operations refuse API keys (FORBIDDEN) and no credential (UNAUTHENTICATED)", async () => {
      const ops = sampleOperations(await buildSchemaShape()).filter(
        (op) => op.kind !== "subscription" && runnerOperations.has(op.name),
      );
      const wrong: string[] = [];
      for (const op of ops) {
        for (const [who, token, expected] of [
          ["no credential", null, "UNAUTHENTICATED"],
          ["read key", readKey, "FORBIDDEN"],
          ["admin key", server.adminKey, "FORBIDDEN"],
        ] as const) {
          const code = codeOf(await server.gql(op.query, op.variables, token));
          if (code !== expected) wrong.push(`${op.name} with ${who}: got ${String(code)}`);
        }
      }
      assert.deepEqual(wrong, []);
    });

    test("a read key queries; a bad or revoked credential is a 401 UNAUTHENTICATED saying why", async () => {
      const ok = await server.gql("{ datasets { totalCount } }", {}, readKey);
      assert.deepEqual(ok.data, { datasets: { totalCount: 0 } });
      for (const [header, message] of [
        ["tlk_nope", /unknown API key/],
        ["tlr_nope", /unknown runner secret/],
        ["tlt_nope", /registration token is not a credential/],
        ["hello", /unknown credential/],
      ] as const) {
        const res = await server.gql("{ __typename }", {}, header);
        assert.equal(res.status, 401, header);
        assert.equal(codeOf(res), "UNAUTHENTICATED");
        assert.match(res.errors![0]!.message, message);
      }
      const malformed = await fetch(server.url, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: "Basic abc" },
        body: JSON.stringify({ query: "{ __typename }" }),
      });
      assert.equal(malformed.status, 401);
    });

    test("createApiKey shows the key once, stores its hash; revokeApiKey stops it at once", async () => {
      const created = await server.gql<{
        createApiKey: { key: string; apiKey: { id: string; name: string; scope: string; keyHint: string } };
      }>(
        `mutation { createApiKey(input: { name: " ci ", scope: READ_WRITE }) {
          key apiKey { id name scope keyHint revokedAt } } }`,
      );
      const { key, apiKey } = created.data!.createApiKey;
      assert.match(key, /^tlk_[A-Za-z0-9_-]{43}$/);
      assert.deepEqual(
        [apiKey.name, apiKey.scope, apiKey.keyHint],
        ["ci", "READ_WRITE", `${key.slice(0, 8)}…`],
      );
      const stored = (await server.db.read((m) =>
        m.query("SELECT * FROM api_key WHERE id = $1", [apiKey.id]),
      )) as Record<string, unknown>[];
      assert.equal(stored[0]!.key_hash, hashSecret(key));
      assert.ok(!JSON.stringify(stored).includes(key), "the key itself is not stored");

      const listed = await server.gql<{ apiKeys: { edges: { node: { id: string } }[] } }>(
        "{ apiKeys(first: 100) { totalCount edges { node { id } } } }",
      );
      assert.ok(listed.data!.apiKeys.edges.some((e) => e.node.id === apiKey.id));

      const revoked = await server.gql<{ revokeApiKey: { revokedAt: string | null } }>(
        "mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }",
        { id: apiKey.id },
      );
      assert.ok(revoked.data!.revokeApiKey.revokedAt);
      const after = await server.gql("{ datasets { totalCount } }", {}, key);
      assert.equal(after.status, 401);
      assert.match(after.errors![0]!.message, /revoked/);
    });

    test("the last ADMIN key cannot be revoked (CONFLICT saying why); another admin key can be", async () => {
      const second = await server.gql<{ createApiKey: { key: string; apiKey: { id: string } } }>(
        `mutation { createApiKey(input: { name: "second admin", scope: ADMIN }) { key apiKey { id } } }`,
      );
      const { key, apiKey } = second.data!.createApiKey;
      const [own] = (await server.db.read((m) =>
        m.query("SELECT id FROM api_key WHERE key_hash = $1", [hashSecret(server.adminKey)]),
      )) as { id: string }[];
      const revoke = "mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }";
      // Two admin keys: the second may revoke itself.
      const self = await server.gql<{ revokeApiKey: { revokedAt: string | null } }>(
        revoke,
        { id: apiKey.id },
        key,
      );
      assert.ok(self.data?.revokeApiKey.revokedAt, JSON.stringify(self.errors));
      const last = await server.gql(revoke, { id: own!.id });
      assert.equal(codeOf(last), "CONFLICT");
      assert.match(last.errors![0]!.message, /the key you are using is the last ADMIN key/);
      assert.equal((await server.gql("{ apiKeys { totalCount } }")).errors, undefined, "still usable");
    });

    test("createApiKey validates its name", async () => {
      for (const name of ["", " ", "x".repeat(101), "a\u0007b"]) {
        const res = await server.gql("mutation($n: String!) { createApiKey(input: { name: $n }) { key } }", {
          n: name,
        });
        assert.equal(codeOf(res), "BAD_USER_INPUT", JSON.stringify(name));
        assert.equal(res.errors![0]!.extensions!.field, "name");
      }
    });

    test("graphql-ws: no credential may connect but not subscribe; a bad one is refused on connect", async () => {
      const anon = connect(server.url);
      await anon.ackedEvent;
      const res = await wsRun(anon.client, "subscription { datasetCreated { id } }");
      assert.equal(res.errors?.[0]?.extensions?.code, "UNAUTHENTICATED");
      await anon.client.dispose();

      const bad = connect(server.url, "Bearer tlk_nope");
      const event = await bad.closedEvent;
      assert.equal(event.code, 4401);
      assert.match(event.reason, /unknown API key/);
      await bad.client.dispose();

      const reader = connect(server.url, `Bearer ${readKey}`);
      const ok = await wsRun(reader.client, "{ datasets { totalCount } }");
      assert.deepEqual(ok.data, { datasets: { totalCount: 0 } });
      const mutation = await wsRun(
        reader.client,
        `mutation { createDataset(input: { name: "n", format: JSONL, content: "{\\"text\\":\\"a\\"}" }) { id } }`,
      );
      assert.equal(mutation.errors?.[0]?.extensions?.code, "FORBIDDEN");
      await reader.client.dispose();
    });

    test("every subscription: none → UNAUTHENTICATED; the wrong kind of credential → FORBIDDEN", async () => {
      const subs = sampleOperations(await buildSchemaShape()).filter((op) => op.kind === "subscription");
      assert.ok(subs.some((op) => op.name === "jobs") && subs.some((op) => op.name === "datasetCreated"));
      const sockets = {
        none: connect(server.url),
        runner: connect(server.url, `Bearer ${runnerSecret}`),
        key: connect(server.url, `Bearer ${readKey}`),
      };
      const wrong: string[] = [];
      for (const op of subs) {
        const isRunnerOp = runnerOperations.has(op.name);
        const cases: [keyof typeof sockets, string][] = [
          ["none", "UNAUTHENTICATED"],
          [isRunnerOp ? "key" : "runner", "FORBIDDEN"],
        ];
        for (const [who, expected] of cases) {
          await sockets[who].ackedEvent;
          const res = await wsRun(sockets[who].client, op.query, op.variables);
          const code = res.errors?.[0]?.extensions?.code;
          if (code !== expected) wrong.push(`${op.name} with ${who}: ${JSON.stringify(res).slice(0, 200)}`);
        }
      }
      await Promise.all(Object.values(sockets).map((s) => s.client.dispose()));
      assert.deepEqual(wrong, []);
    });

    test("revoking an API key closes its open socket; last_used_at is recorded", async () => {
      const key = await createApiKeyForTest(server.db, "read", "to revoke");
      const socket = connect(server.url, `Bearer ${key}`);
      await socket.ackedEvent;
      const [row] = (await server.db.read((m) =>
        m.query("SELECT id, last_used_at FROM api_key WHERE key_hash = $1", [hashSecret(key)]),
      )) as { id: string; last_used_at: Date | null }[];
      assert.ok(row!.last_used_at, "connecting used the key");
      await server.gql("mutation($id: ID!) { revokeApiKey(id: $id) { id } }", { id: row!.id });
      const closed = await socket.closedEvent;
      assert.deepEqual(closed, { code: 4403, reason: "API key revoked" });
      await socket.client.dispose();
    });

    test("query cost: the issue's nesting, alias and metrics queries are refused before execution (HTTP 400, cost and limit said)", async () => {
      const ids = JSON.stringify([
        "00000000-0000-4000-8000-000000000001",
        "00000000-0000-4000-8000-000000000002",
        "00000000-0000-4000-8000-000000000003",
      ]);
      const estimate = (i: number) =>
        `e${i}: estimate(model: {}, method: {}, batchSize: 1, seqLen: 8, optimizer: "adamw", dtype: "float32", gradientCheckpointing: false) { memory { total } }`;
      const cases: [string, string, string | null, RegExp][] = [
        [
          "rows of datasets",
          "{ datasets(first: 100) { edges { node { id rows(first: 200) { index text prompt completion } } } } }",
          readKey,
          /query cost \d+ exceeds the limit of 50000/,
        ],
        [
          "runs of runs of runs",
          '{ experiment(id: "x") { runs { experiment { runs { experiment { runs { id } } } } } } }',
          readKey,
          /exceeds the limit of 50000/,
        ],
        [
          "100 aliases of metrics",
          `{ ${Array.from({ length: 100 }, (_, i) => `m${i}: metrics(runIds: ${ids}, maxPoints: 10000) { key points { step value } }`).join(" ")} }`,
          readKey,
          /exceeds the limit of 50000/,
        ],
        [
          "100 anonymous estimates",
          `{ ${Array.from({ length: 100 }, (_, i) => estimate(i)).join(" ")} }`,
          null,
          /exceeds the limit of 5000 for an anonymous caller/,
        ],
        [
          "300 anonymous estimates",
          `{ ${Array.from({ length: 300 }, (_, i) => estimate(i)).join(" ")} }`,
          null,
          /exceeds the limit of 5000 for an anonymous caller/,
        ],
      ];
      for (const [name, query, token, message] of cases) {
        const res = await server.gql(query, {}, token);
        assert.equal(res.status, 400, name);
        assert.equal(codeOf(res), "QUERY_TOO_COMPLEX", name);
        assert.match(res.errors![0]!.message, message, name);
        assert.equal(res.data, undefined, `${name}: nothing executed`);
      }
      // 5,000 aliases do not even fit an anonymous body (the 17 s of CPU).
      const flood = `{ ${Array.from({ length: 5000 }, (_, i) => estimate(i)).join(" ")} }`;
      assert.equal((await server.gql(flood, {}, null)).status, 413);
    });
  });
}

for (const driver of drivers) {
  test(`depth limit on HTTP and graphql-ws (${driver}, maxDepth 3)`, async () => {
    const server = await startTestServer(driver, { queryLimits: { maxDepth: 3, maxComplexity: 20_000 } });
    try {
      const deep = "{ datasets { edges { node { id } } } }";
      const res = await server.gql(deep);
      assert.equal(res.status, 400);
      assert.equal(codeOf(res), "QUERY_TOO_DEEP");
      assert.match(res.errors![0]!.message, /4 levels deep; the limit is 3/);
      assert.equal(codeOf(await server.gql("{ datasets { totalCount } }")), undefined);
      const ws = connect(server.url, `Bearer ${server.adminKey}`);
      const overWs = await wsRun(ws.client, deep);
      assert.equal(overWs.errors?.[0]?.extensions?.code, "QUERY_TOO_DEEP");
      await ws.client.dispose();
    } finally {
      await server.close();
    }
  });
}

test("PGlite: a second start on the same data folder creates no second admin key", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tunelab-admin-"));
  const config = { ...loadConfig({ PORT: "0", LOG_LEVEL: "silent" }), databaseUrl: undefined, dataDir: dir };
  try {
    const first = await startServer(config);
    const key = first.adminKey;
    await first.close();
    assert.match(key ?? "", /^tlk_/);
    const second = await startServer(config);
    try {
      assert.equal(second.adminKey, undefined);
      assert.equal(readFileSync(join(dir, "admin-key"), "utf8").trim(), key);
      const [row] = (await second.db.read((m) => m.query("SELECT count(*)::int AS n FROM api_key"))) as {
        n: number;
      }[];
      assert.equal(row!.n, 1);
    } finally {
      await second.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("PostgreSQL: three servers starting together on an empty database create exactly one admin key", async () => {
  const pg = await createThrowawayDatabase();
  const config = { ...loadConfig({ PORT: "0", LOG_LEVEL: "silent" }), databaseUrl: pg.url };
  try {
    // Migrate first: concurrent migration is not what this test is about.
    const migrator = await startServer(config);
    await migrator.db.write((m) => m.query("DELETE FROM api_key"));
    await migrator.close();
    const servers = await Promise.all([startServer(config), startServer(config), startServer(config)]);
    try {
      assert.equal(servers.filter((s) => s.adminKey !== undefined).length, 1);
      const [row] = (await servers[0]!.db.read((m) => m.query("SELECT count(*)::int AS n FROM api_key"))) as {
        n: number;
      }[];
      assert.equal(row!.n, 1);
    } finally {
      await Promise.all(servers.map((s) => s.close()));
    }
  } finally {
    await pg.drop();
  }
});
