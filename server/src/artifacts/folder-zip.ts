import { type NextFunction, type Request, type Response, Router } from "express";
import { zipSync } from "fflate";
import { requireScope } from "../auth/guards.js";
import { isUuid } from "../runs/uuid.js";
import { type AuthenticateHeader, sendCodedError } from "./download.route.js";

/** A folder of files and the runners that may download it (besides any read key). */
export interface FolderForDownload {
  runnerIds: string[];
  files: { name: string; content: Buffer }[];
}

export interface FolderZipRoute {
  /** Express path with an `:id` parameter, e.g. `/adapters/:id/download.zip`. */
  path: string;
  /** "adapter", "artifact": what the id names, in error messages. */
  noun: string;
  /** The 403 a runner gets when it is not in `runnerIds`. */
  runnerRefused: string;
  /** The folder with who may read it, or null when the id is unknown. */
  lookup(id: string): Promise<FolderForDownload | null>;
}

/**
 * GET <path> — a folder's files at the root of one zip, stored uncompressed (safetensors barely compress),
 * named `<noun>-<id>.zip`. The same callers as an artifact file: any API key (read scope), or a runner the
 * lookup names. Who is asking is checked before anything is looked up.
 */
export function folderZipRoute(route: FolderZipRoute, authenticate: AuthenticateHeader): Router {
  const router = Router();
  router.get(route.path, async (req: Request, res: Response, next: NextFunction) => {
    try {
      const auth = await authenticate(req.headers.authorization);
      if (auth.kind !== "runner") requireScope({ auth }, "read");
      const id = String(req.params.id);
      const folder = isUuid(id) ? await route.lookup(id) : null;
      if (auth.kind === "runner" && !folder?.runnerIds.includes(auth.runnerId)) {
        res.status(403).json({ error: { code: "FORBIDDEN", message: route.runnerRefused } });
        return;
      }
      if (!folder) {
        res.status(404).json({ error: { code: "NOT_FOUND", message: `${route.noun} ${id} does not exist` } });
        return;
      }
      const zip = zipSync(Object.fromEntries(folder.files.map((f) => [f.name, new Uint8Array(f.content)])), {
        level: 0,
      });
      res.attachment(`${route.noun}-${id}.zip`);
      res.setHeader("Content-Type", "application/zip");
      res.setHeader("Content-Length", String(zip.length));
      res.end(Buffer.from(zip.buffer, zip.byteOffset, zip.length));
    } catch (error) {
      sendCodedError(error, res, next);
    }
  });
  return router;
}
