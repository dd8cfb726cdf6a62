import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { chromium } from "playwright-core";
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

    test("a GraphQL answer is not hashed into an ETag (express's default, a SHA-1 per answer)", async () => {
      const res = await fetch(server.url, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${server.adminKey}` },
        body: JSON.stringify({ query: "{ experiments(first: 1) { totalCount } }" }),
      });
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { data: { experiments: { totalCount: 0 } } });
      assert.equal(res.headers.get("etag"), null);
    });

    test("readyz says the migrated database is ready", async () => {
      const res = await fetch(`${server.origin}/readyz`);
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { status: "ready", database: driver });
    });

    test("a query runs and is counted in /metrics under its root field; client operation names never become labels", async () => {
      const res = await server.gql("query ListForMetrics { datasets(first: 5) { totalCount } }");
      assert.deepEqual(res.data, { datasets: { totalCount: 0 } });
      for (let i = 0; i < 20; i += 1) await server.gql(`query Name${i} { __typename }`, {}, null);
      await server.gql("query Bad { noSuchField }", {}, null);
      const metrics = await (await fetch(`${server.origin}/metrics`)).text();
      assert.match(
        metrics,
        /tunelab_graphql_requests_total\{operation="datasets",type="query",outcome="ok"\} 1/,
      );
      assert.match(
        metrics,
        /tunelab_graphql_request_duration_seconds_count\{operation="datasets",type="query"\} 1/,
      );
      assert.match(
        metrics,
        /tunelab_graphql_requests_total\{operation="other",type="query",outcome="ok"\} 20/,
      );
      assert.match(
        metrics,
        /tunelab_graphql_requests_total\{operation="other",type="unknown",outcome="error"\} 1/,
      );
      assert.doesNotMatch(metrics, /ListForMetrics|Name\d|Bad/);
      assert.match(metrics, /process_cpu_user_seconds_total/);
    });
  });
}

describe("GraphQL IDE", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer("pglite");
  });
  after(() => server.close());

  test("a browser GET /graphql gets GraphiQL, and every asset it references is served by us", async () => {
    const page = await fetch(server.url, {
      headers: { accept: "text/html,application/xhtml+xml,*/*;q=0.8" },
    });
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-type") ?? "", /text\/html/);
    const html = await page.text();
    assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//, "no asset from another origin");
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    assert.deepEqual(assets.sort(), ["/icon.svg", "/ide/main.css", "/ide/main.js"]);
    for (const asset of assets) {
      const res = await fetch(`${server.origin}${asset}`);
      if (asset === "/icon.svg") continue; // the dashboard's icon, served with the dashboard (web.test.ts)
      assert.equal(res.status, 200, asset);
      const body = await res.text();
      assert.ok(body.length > 10_000, `${asset} is the real bundle`);
      if (asset.endsWith(".js")) {
        assert.match(res.headers.get("content-type") ?? "", /javascript/);
        assert.ok(body.includes("graphiql"), "the bundle contains GraphiQL");
        assert.doesNotMatch(body, /\bimport\s*\(\s*["']https?:/, "no runtime import from the network");
      }
    }
  });

  test("non-browser GETs still reach the GraphQL endpoint", async () => {
    const res = await fetch(`${server.url}?query=${encodeURIComponent("{ datasets { totalCount } }")}`, {
      headers: {
        accept: "application/json",
        "apollo-require-preflight": "true",
        authorization: `Bearer ${server.adminKey}`,
      },
    });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { data: { datasets: { totalCount: 0 } } });
  });

  test("the IDE renders in Chromium with no request leaving the server", async () => {
    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--no-first-run",
      ],
    });
    try {
      const page = await browser.newPage();
      const elsewhere: string[] = [];
      page.on("request", (r) => {
        if (!r.url().startsWith(server.origin)) elsewhere.push(r.url());
      });
      await page.goto(server.url);
      await page.waitForSelector(".graphiql-container .graphiql-query-editor", { timeout: 20_000 });
      assert.deepEqual(elsewhere, []);
    } finally {
      await browser.close();
    }
  });
});
