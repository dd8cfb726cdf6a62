import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type TestServer, drivers, startTestServer } from "../testing/test-server.js";

for (const driver of drivers) {
  describe(`server on ${driver}`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(driver);
    });
    after(() => server.close());

    test("healthz answers", async () => {
      const res = await fetch(`${server.origin}/healthz`);
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { status: "ok" });
    });

    test("readyz says the migrated database is ready", async () => {
      const res = await fetch(`${server.origin}/readyz`);
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { status: "ready", database: driver });
    });

    test("a query runs and is counted in /metrics", async () => {
      const res = await server.gql("query ListForMetrics { datasets(first: 5) { totalCount } }");
      assert.deepEqual(res.data, { datasets: { totalCount: 0 } });
      const metrics = await (await fetch(`${server.origin}/metrics`)).text();
      assert.match(
        metrics,
        /tunelab_graphql_requests_total\{operation="ListForMetrics",type="query",outcome="ok"\} 1/,
      );
      assert.match(
        metrics,
        /tunelab_graphql_request_duration_seconds_count\{operation="ListForMetrics",type="query"\} 1/,
      );
      assert.match(metrics, /process_cpu_user_seconds_total/);
    });
  });
}
