import { type NextFunction, type Request, type Response, Router } from "express";
import { zipSync } from "fflate";
import { type AuthenticateHeader, sendCodedError } from "../artifacts/download.route.js";
import { requireScope } from "../auth/guards.js";
import type { Database } from "../db/database.js";
import { isUuid } from "../runs/uuid.js";
import { folderForDownload } from "./adapter.repository.js";

/** Where GET /adapters/:id/download.zip serves an adapter's folder (relative to the server's origin). */
export function zipPath(adapterId: string): string {
  return `/adapters/${adapterId}/download.zip`;
}

/**
 * GET /adapters/:adapterId/download.zip — the adapter's files (adapter_config.json and its weights) at
 * the root of one zip, stored uncompressed (safetensors barely compress). The same callers as an artifact
 * file: any API key (read scope), or a runner that held an attempt of the adapter's run.
 */
export function adapterZipRoutes(db: Database, authenticate: AuthenticateHeader): Router {
  const router = Router();
  router.get("/adapters/:adapterId/download.zip", async (req: Request, res: Response, next: NextFunction) => {
    try {
      // Who is asking first: nothing is looked up for a caller who may not read adapters at all.
      const auth = await authenticate(req.headers.authorization);
      if (auth.kind !== "runner") requireScope({ auth }, "read");
      const adapterId = String(req.params.adapterId);
      const folder = isUuid(adapterId) ? await db.read((m) => folderForDownload(m, adapterId)) : null;
      if (auth.kind === "runner" && !folder?.runnerIds.includes(auth.runnerId)) {
        res
          .status(403)
          .json({ error: { code: "FORBIDDEN", message: "this runner never ran the adapter's run" } });
        return;
      }
      if (!folder) {
        res
          .status(404)
          .json({ error: { code: "NOT_FOUND", message: `adapter ${adapterId} does not exist` } });
        return;
      }
      const zip = zipSync(Object.fromEntries(folder.files.map((f) => [f.name, new Uint8Array(f.content)])), {
        level: 0,
      });
      res.attachment(`adapter-${adapterId}.zip`);
      res.setHeader("Content-Type", "application/zip");
      res.setHeader("Content-Length", String(zip.length));
      res.end(Buffer.from(zip.buffer, zip.byteOffset, zip.length));
    } catch (error) {
      sendCodedError(error, res, next);
    }
  });
  return router;
}
