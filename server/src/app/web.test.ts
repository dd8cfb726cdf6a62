import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import express from "express";
import { webRoutes } from "./web.js";

/** GET with any headers (Host included, which fetch forbids). */
function get(
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; location?: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, path, headers }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, location: res.headers.location }));
    });
    req.on("error", reject);
    req.end();
  });
}

async function serve(options: Parameters<typeof webRoutes>[0]): Promise<{ port: number; close: () => void }> {
  const app = express();
  app.use(webRoutes(options));
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  return { port: (server.address() as AddressInfo).port, close: () => server.close() };
}

describe("web routes (the dashboard's static export on the server's origin)", () => {
  let dir: string;
  let built: { port: number; close: () => void };
  let bare: { port: number; close: () => void };
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "tunelab-web-"));
    const out = join(dir, "out");
    mkdirSync(join(out, "datasets"), { recursive: true });
    mkdirSync(join(out, "_next", "static"), { recursive: true });
    writeFileSync(join(out, "index.html"), "<html>experiments</html>");
    writeFileSync(join(out, "icon.svg"), "<svg/>");
    writeFileSync(join(out, "datasets.html"), "<html>datasets</html>");
    writeFileSync(join(out, "datasets", "__next.datasets.txt"), "rsc");
    writeFileSync(join(out, "_next", "static", "app.js"), "console.log(1)");
    writeFileSync(join(dir, "admin-key"), "tlk_local_admin\n");
    built = await serve({ dir: out, adminKeyFile: join(dir, "admin-key") });
    bare = await serve({ dir: join(dir, "missing") });
  });
  after(() => {
    built.close();
    bare.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const html = { accept: "text/html" };

  test("pages, their assets, client routes and shareable paths", async () => {
    const cases: [string, number, string][] = [
      ["/", 200, "experiments"],
      ["/datasets", 200, "datasets"], // the page, not the RSC folder of the same name
      ["/datasets?id=1", 200, "datasets"],
      ["/_next/static/app.js", 200, "console.log(1)"],
      ["/some/client/route", 200, "experiments"],
    ];
    for (const [path, status, body] of cases) {
      const res = await get(built.port, path, html);
      assert.equal(res.status, status, path);
      assert.ok(res.body.includes(body), `${path}: ${res.body}`);
    }
    assert.equal((await get(built.port, "/experiments/abc", html)).location, "/compare?experiment=abc");
    assert.equal((await get(built.port, "/runs/r1", html)).location, "/run?id=r1");
    assert.equal((await get(built.port, "/adapters/a1", html)).location, "/adapter?id=a1");
    // the favicon every browser asks for (the IDE's page has no icon link of its own)
    const favicon = await get(built.port, "/favicon.ico");
    assert.equal(favicon.location, "/icon.svg");
    assert.equal((await get(built.port, "/icon.svg")).status, 200);
  });

  test("API paths are never answered with the dashboard", async () => {
    for (const path of ["/graphql", "/export/compare.csv", "/artifacts/a/files/b", "/healthz"]) {
      const res = await get(built.port, path, html);
      assert.equal(res.status, 404, path);
      assert.doesNotMatch(res.body, /experiments/, path);
    }
  });

  test("without a build: a page saying how to build it", async () => {
    const res = await get(bare.port, "/", html);
    assert.equal(res.status, 503);
    assert.match(res.body, /npm run build/);
  });

  test("/api/local-key: only to a loopback browser by a loopback name; without a key file, no key", async () => {
    const ok = await get(built.port, "/api/local-key", { host: `localhost:${built.port}` });
    assert.equal(ok.status, 200);
    assert.deepEqual(JSON.parse(ok.body), { key: "tlk_local_admin" });
    assert.equal((await get(built.port, "/api/local-key", { host: `127.0.0.1:${built.port}` })).status, 200);
    const refused: Record<string, string>[] = [
      { host: "evil.example" }, // DNS rebinding: the page's own name in Host
      { host: "localhost", "x-forwarded-for": "203.0.113.9" }, // through a proxy
      { host: "localhost", forwarded: "for=203.0.113.9" },
      { host: "localhost", "sec-fetch-site": "cross-site" },
    ];
    for (const headers of refused) {
      const res = await get(built.port, "/api/local-key", headers);
      assert.equal(res.status, 403, JSON.stringify(headers));
      assert.doesNotMatch(res.body, /tlk_/);
    }
    // no key file (PostgreSQL): an answer saying there is none, not a 404 the browser logs as a failed load
    const none = await get(bare.port, "/api/local-key", { host: "localhost" });
    assert.equal(none.status, 200);
    assert.deepEqual(JSON.parse(none.body), { key: null });
  });
});
