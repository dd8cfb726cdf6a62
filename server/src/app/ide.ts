import { existsSync } from "node:fs";
import { join } from "node:path";
import express, { Router } from "express";

/** Built by scripts/build-ide.mjs (esbuild) from node_modules: nothing comes from a CDN. */
export const ideDir = join(__dirname, "..", "public", "ide");

/** GET /graphql from a browser (Accept: text/html) gets the GraphQL IDE; other GETs reach Apollo. */
export function ideRoutes(): Router {
  const router = Router();
  router.use("/ide", express.static(ideDir, { index: false, fallthrough: false }));
  router.get("/graphql", (req, res, next) => {
    if (req.accepts(["application/json", "text/html"]) !== "text/html") return next();
    const page = join(ideDir, "index.html");
    if (!existsSync(page)) return next();
    res.sendFile(page);
  });
  return router;
}
