import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { buildSchemaShape } from "../app/schema.js";
import {
  publicOperations,
  registerRunnerForTest,
  runnerOperations,
  tokenOperations,
} from "../testing/auth.js";
import { type HostileCase, hostileCases } from "../testing/hostile.js";
import { type TestServer, drivers, startTestServer } from "../testing/test-server.js";

interface Answer {
  errors?: readonly { message: string; extensions?: Record<string, unknown> }[];
}

/** Row counts of every table: what "nothing written" is checked against. */
async function tableCounts(server: TestServer): Promise<Record<string, number>> {
  return server.db.read(async (m) => {
    const tables = (await m.query(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1",
    )) as { table_name: string }[];
    const counts: Record<string, number> = {};
    for (const { table_name } of tables) {
      const [row] = (await m.query(`SELECT count(*)::int AS n FROM "${table_name}"`)) as { n: number }[];
      counts[table_name] = row!.n;
    }
    return counts;
  });
}

/** One subscription over graphql-ws: its first result, or the errors it was refused with. */
async function subscribeOnce(url: string, token: string, c: HostileCase): Promise<Answer> {
  const client = createClient({
    url: url.replace(/^http/, "ws"),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    connectionParams: { authorization: `Bearer ${token}` },
  });
  const it = client.iterate({ query: c.query, variables: c.variables });
  // An accepted subscription waits for events that never come: after a while it counts as accepted.
  const accepted = new Promise<Answer>((resolve) => setTimeout(() => resolve({}), 2_000).unref());
  try {
    return await Promise.race([it.next().then((r) => r.value as Answer), accepted]);
  } catch (errors) {
    return { errors: errors as Answer["errors"] };
  } finally {
    await it.return?.();
    await client.dispose();
  }
}

for (const driver of drivers) {
  describe(`input sanitation on ${driver}`, () => {
    let server: TestServer;
    let runnerSecret: string;
    before(async () => {
      server = await startTestServer(driver);
      runnerSecret = (await registerRunnerForTest(server.db)).secret;
    });
    after(() => server.close());

    test("catalogue: U+0000 in every string, ±1e300 in every number, bad JSON → BAD_USER_INPUT naming the field, nothing written", async () => {
      const cases = hostileCases(await buildSchemaShape());
      // The walk reaches the fields the issue found unguarded (a guard against the walk going blind).
      for (const [operation, field] of [
        ["createDataset", "content"],
        ["createExperiment", "variants[0].name"],
        ["createBaseModel", "config.k"],
        ["heartbeat", "freeMemoryBytes"],
        ["reportMetrics", "points[0].wallTimeMs"],
        ["experiments", "filter.nameContains"],
        ["metrics", "keys[0]"],
      ])
        assert.ok(
          cases.some((c) => c.operation === operation && c.field === field),
          `no case for ${operation} ${field}`,
        );
      const before = await tableCounts(server);
      const wrong: string[] = [];
      for (const c of cases) {
        const token = runnerOperations.has(c.operation)
          ? runnerSecret
          : tokenOperations.has(c.operation) || publicOperations.has(c.operation)
            ? null
            : server.adminKey;
        const answer: Answer =
          c.kind === "subscription"
            ? await subscribeOnce(server.url, token ?? server.adminKey, c)
            : await server.gql(c.query, c.variables, token);
        const error = answer.errors?.[0];
        const field = error?.extensions?.field;
        // graphql-js's own coercion (an Int out of 32 bits) names the leaf; ours names the whole path.
        const named = typeof field === "string" && field !== "" && c.field.endsWith(field);
        if (error?.extensions?.code !== "BAD_USER_INPUT" || !named)
          wrong.push(`${c.operation} ${c.field} ← ${c.sent}: ${JSON.stringify(answer.errors ?? answer)}`);
      }
      assert.deepEqual(wrong, [], `${wrong.length} of ${cases.length} cases`);
      assert.deepEqual(await tableCounts(server), before);
    });
  });
}
