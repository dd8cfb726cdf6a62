import { type NextFunction, type Request, type Response, Router } from "express";
import { userInputError } from "../api/errors.js";
import { type AuthenticateHeader, sendCodedError } from "../artifacts/download.route.js";
import { requireScope } from "../auth/guards.js";
import type { MetricsService } from "../metrics/metrics.service.js";
import { compareCsv } from "./compare-csv.js";

/** GET /export/compare.csv?experimentId=… | ?runIds=a,b — compare(...) as CSV, for a read key. */
export function exportRoutes(metrics: MetricsService, authenticate: AuthenticateHeader): Router {
  const router = Router();
  router.get("/export/compare.csv", async (req: Request, res: Response, next: NextFunction) => {
    try {
      requireScope({ auth: await authenticate(req.headers.authorization) }, "read");
      const { experimentId, runIds } = req.query;
      if (Array.isArray(experimentId) || Array.isArray(runIds)) {
        throw userInputError("give experimentId or runIds once", {
          field: Array.isArray(runIds) ? "runIds" : "experimentId",
        });
      }
      const rows = await metrics.compare({
        experimentId: typeof experimentId === "string" ? experimentId : null,
        runIds: typeof runIds === "string" ? runIds.split(",").filter((id) => id !== "") : null,
      });
      const name = typeof experimentId === "string" ? `compare-${experimentId}.csv` : "compare.csv";
      res.attachment(name);
      res.type("text/csv; charset=utf-8");
      res.send(compareCsv(rows));
    } catch (error) {
      sendCodedError(error, res, next);
    }
  });
  return router;
}
