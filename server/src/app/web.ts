import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import express, { type Request, type Response, Router } from "express";

/** The dashboard's static export (`npm run build -w @tunelab/web` → web/out); TUNELAB_WEB_DIR overrides. */
export const defaultWebDir = resolve(__dirname, "..", "..", "..", "web", "out");

/** Paths other routers own: never answered with the dashboard. */
const API_PREFIXES = [
  "/graphql",
  "/export/",
  "/artifacts/",
  "/ide/",
  "/api/",
  "/healthz",
  "/readyz",
  "/metrics",
];

export interface WebOptions {
  /** Where the static export is (default web/out). */
  dir?: string;
  /** `<dataDir>/admin-key` on the embedded database: offered to pages opened from this machine. */
  adminKeyFile?: string;
}

const LOOPBACK_ADDRESSES = new Set(["127.0.0.1", "::1", "::ffff:127.0.0.1"]);
const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * Whether a request comes from a browser on this machine to this machine by a loopback name: the TCP peer
 * is loopback, no proxy forwarded it, the Host header is a loopback name (a DNS-rebinding page has its
 * own name in Host) and the browser does not call it cross-site.
 */
export function isLocalRequest(req: Request): boolean {
  const peer = req.socket.remoteAddress ?? "";
  if (!LOOPBACK_ADDRESSES.has(peer)) return false;
  if (req.headers["x-forwarded-for"] || req.headers.forwarded) return false;
  const host = (req.headers.host ?? "").replace(/:\d+$/, "").toLowerCase();
  if (!LOOPBACK_HOSTS.has(host)) return false;
  const site = req.headers["sec-fetch-site"];
  if (site !== undefined && site !== "same-origin" && site !== "none") return false;
  return true;
}

/**
 * Serves the dashboard on the GraphQL server's origin (one URL) and GET /api/local-key.
 *
 * /api/local-key trade-off: on the embedded default (PGlite) the first start writes the admin key to
 * `<dataDir>/admin-key` (0600). Handing it to a browser on the same machine lets `npm start` open a working
 * dashboard with no step, but any local process or user that can reach the port can read the admin key
 * through it (the file itself is owner-only). So it answers only loopback requests by a loopback Host name
 * (no proxy headers, not cross-site, never with CORS headers), and only on the embedded database; with
 * DATABASE_URL (shared, deployed servers) it answers 200 `{ key: null }` and users paste a key on the API keys
 * page. Having no key to give is an answer, not an error: a 404 would be logged by every browser that asks.
 */
export function webRoutes(options: WebOptions = {}): Router {
  const dir = options.dir ?? process.env.TUNELAB_WEB_DIR ?? defaultWebDir;
  const router = Router();

  router.get("/api/local-key", (req: Request, res: Response) => {
    res.set("cache-control", "no-store");
    const file = options.adminKeyFile;
    if (!file || !existsSync(file)) {
      res.json({ key: null });
      return;
    }
    if (!isLocalRequest(req)) {
      res.status(403).json({ message: "the local admin key is only given to a browser on this machine" });
      return;
    }
    res.json({ key: readFileSync(file, "utf8").trim() });
  });

  // Browsers ask for /favicon.ico on pages without an icon link (the IDE, JSON answers): the dashboard's.
  router.get("/favicon.ico", (_req: Request, res: Response) => res.redirect(301, "/icon.svg"));

  // Shareable paths (printed by `npm start`) → the static pages, which take ids from the query string.
  router.get("/experiments/:id", (req: Request, res: Response, next) => {
    if (req.params.id === "new") return next();
    res.redirect(302, `/compare?experiment=${encodeURIComponent(String(req.params.id))}`);
  });
  router.get("/runs/:id", (req: Request, res: Response) => {
    res.redirect(302, `/run?id=${encodeURIComponent(String(req.params.id))}`);
  });
  router.get("/adapters/:id", (req: Request, res: Response) => {
    res.redirect(302, `/adapter?id=${encodeURIComponent(String(req.params.id))}`);
  });

  // /datasets → datasets.html (the export also has a datasets/ folder of RSC payloads, which static would pick).
  router.get(/^\/[A-Za-z0-9/_-]+$/, (req: Request, res: Response, next) => {
    const page = join(dir, `${req.path.replace(/\/$/, "")}.html`);
    if (!page.startsWith(dir) || !existsSync(page)) return next();
    res.sendFile(page);
  });
  router.use(express.static(dir, { extensions: ["html"], index: "index.html", redirect: false }));

  // Client routes without their own file (and unknown pages) get the app shell; the app routes on the client.
  router.get(/.*/, (req: Request, res: Response, next) => {
    if (API_PREFIXES.some((p) => req.path === p.replace(/\/$/, "") || req.path.startsWith(p))) return next();
    if (req.accepts(["text/html", "application/json"]) !== "text/html") return next();
    const shell = join(dir, "index.html");
    if (!existsSync(shell)) {
      res.status(503).type("html").send(notBuiltPage(dir));
      return;
    }
    const notFound = join(dir, "404.html");
    if (req.path.includes(".") && existsSync(notFound)) {
      res.status(404).sendFile(notFound);
      return;
    }
    res.sendFile(shell);
  });
  return router;
}

function notBuiltPage(dir: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Tunelab: dashboard not built</title>
<style>body{font-family:system-ui,sans-serif;max-width:680px;margin:48px auto;padding:0 16px;line-height:1.5}
code{background:#f4f5f7;padding:2px 4px}</style></head><body>
<h1>The dashboard is not built</h1>
<p>This server serves the dashboard from <code>${escapeHtml(dir)}</code>, which has no build yet.</p>
<p>Build it from the repository root with <code>npm run build</code> (or only the dashboard:
<code>npm run build -w @tunelab/web</code>), then reload this page.</p>
<p>The GraphQL API works without it: <a href="/graphql">/graphql</a>.</p>
</body></html>`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
