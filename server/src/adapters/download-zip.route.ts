import type { Router } from "express";
import type { AuthenticateHeader } from "../artifacts/download.route.js";
import { folderZipRoute } from "../artifacts/folder-zip.js";
import type { Database } from "../db/database.js";
import { folderForDownload } from "./adapter.repository.js";

/** Where GET /adapters/:id/download.zip serves an adapter's folder (relative to the server's origin). */
export function zipPath(adapterId: string): string {
  return `/adapters/${adapterId}/download.zip`;
}

/**
 * GET /adapters/:id/download.zip — the adapter's files (adapter_config.json and its weights) as one zip:
 * any API key (read scope), or a runner that held an attempt of the adapter's run.
 */
export function adapterZipRoutes(db: Database, authenticate: AuthenticateHeader): Router {
  return folderZipRoute(
    {
      path: "/adapters/:id/download.zip",
      noun: "adapter",
      runnerRefused: "this runner never ran the adapter's run",
      lookup: (id) => db.read((m) => folderForDownload(m, id)),
    },
    authenticate,
  );
}
