import { type NextFunction, type Request, type Response, Router } from "express";
import { GraphQLError } from "graphql";
import { requireScope, type Auth } from "../auth/guards.js";
import type { Database } from "../db/database.js";
import { isUuid } from "../runs/uuid.js";
import { artifactFolderForDownload, fileForDownload } from "./artifact.repository.js";
import { folderZipRoute } from "./folder-zip.js";

/** An artifact's file names are plain names (adapter_config.json): no control characters, no path. */
function isFileName(name: string): boolean {
  return (
    name.length > 0 &&
    name.length <= 255 &&
    !/[/\\]|^\.\.?$/.test(name) &&
    ![...name].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)
  );
}

export type AuthenticateHeader = (header: unknown) => Promise<Auth>;

/** A GraphQL-coded error (UNAUTHENTICATED, FORBIDDEN, …) as an HTTP answer; anything else goes on. */
export function sendCodedError(error: unknown, res: Response, next: NextFunction): void {
  if (!(error instanceof GraphQLError)) {
    next(error);
    return;
  }
  const code = String(error.extensions.code ?? "");
  const status =
    code === "UNAUTHENTICATED"
      ? 401
      : code === "FORBIDDEN"
        ? 403
        : code === "NOT_FOUND"
          ? 404
          : code === "BAD_USER_INPUT"
            ? 400
            : 500;
  res.status(status).json({ error: { code, message: error.message, field: error.extensions.field } });
}

/**
 * GET /artifacts/:artifactId/files/:name — the file's bytes with its content type, an attachment
 * disposition, its length and its sha256 as ETag. Allowed: any API key (read scope), or the runner secret
 * of a runner that held an attempt of the artifact's run. GET /artifacts/:id/download.zip — all its files as
 * one zip (folder-zip.ts), for the same callers.
 */
export function artifactRoutes(db: Database, authenticate: AuthenticateHeader): Router {
  const router = Router();
  router.use(
    folderZipRoute(
      {
        path: "/artifacts/:id/download.zip",
        noun: "artifact",
        runnerRefused: "this runner never ran the artifact's run",
        lookup: (id) => db.read((m) => artifactFolderForDownload(m, id)),
      },
      authenticate,
    ),
  );
  router.get(
    "/artifacts/:artifactId/files/:name",
    async (req: Request, res: Response, next: NextFunction) => {
      try {
        // Who is asking first: nothing is looked up for a caller who may not read artifacts at all.
        const auth = await authenticate(req.headers.authorization);
        if (auth.kind !== "runner") requireScope({ auth }, "read");
        const artifactId = String(req.params.artifactId);
        const name = String(req.params.name);
        if (!isFileName(name)) {
          res.status(400).json({
            error: { code: "BAD_USER_INPUT", message: "not a file name of an artifact", field: "name" },
          });
          return;
        }
        const found = isUuid(artifactId) ? await db.read((m) => fileForDownload(m, artifactId, name)) : null;
        if (auth.kind === "runner" && !found?.runnerIds.includes(auth.runnerId)) {
          res
            .status(403)
            .json({ error: { code: "FORBIDDEN", message: "this runner never ran the artifact's run" } });
          return;
        }
        const file = found?.file;
        if (!file) {
          res
            .status(404)
            .json({ error: { code: "NOT_FOUND", message: `artifact ${artifactId} has no file "${name}"` } });
          return;
        }
        res.attachment(name);
        res.setHeader("Content-Length", String(file.content.length));
        res.setHeader("ETag", `"${file.sha256}"`);
        res.setHeader("X-Content-SHA256", file.sha256);
        res.end(file.content);
      } catch (error) {
        sendCodedError(error, res, next);
      }
    },
  );
  return router;
}
