import { Router } from "express";
import type { Registry } from "prom-client";
import type { Database } from "../db/database.js";

/** /healthz: the process answers. /readyz: the database answers and is migrated. /metrics: Prometheus. */
export function healthRoutes(db: Database, registry: Registry): Router {
  const router = Router();
  router.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  router.get("/readyz", async (_req, res) => {
    const ready = await db.isReady();
    res.status(ready ? 200 : 503).json({ status: ready ? "ready" : "not ready", database: db.driver });
  });
  router.get("/metrics", async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });
  return router;
}
