import { type NextFunction, type Request, type Response, Router } from "express";
import { userInputError } from "../api/errors.js";
import { type AuthenticateHeader, sendCodedError } from "../artifacts/download.route.js";
import { requireScope } from "../auth/guards.js";
import type { CompareTarget, MetricsService } from "../metrics/metrics.service.js";
import { compareCsv } from "./compare-csv.js";
import type { ReportService } from "./report.service.js";

/** ?name=… given at most once: its value, or null. */
function single(req: Request, name: string): string | null {
  const value = req.query[name];
  if (Array.isArray(value) || (value !== undefined && typeof value !== "string")) {
    throw userInputError(`give ${name} once`, { field: name });
  }
  return value ?? null;
}

function compareTarget(req: Request): CompareTarget {
  const experimentId = single(req, "experimentId");
  const runIds = single(req, "runIds");
  return { experimentId, runIds: runIds === null ? null : runIds.split(",").filter((id) => id !== "") };
}

/**
 * GET /export/compare.csv?experimentId=… | ?runIds=a,b — compare(...) as CSV;
 * GET /export/compare.html?…[&quality=…&cost=…&budget=…] — the comparison as a self-contained HTML report.
 * Both for a read key.
 */
export function exportRoutes(
  metrics: MetricsService,
  reports: ReportService,
  authenticate: AuthenticateHeader,
): Router {
  const router = Router();
  router.get("/export/compare.html", async (req: Request, res: Response, next: NextFunction) => {
    try {
      requireScope({ auth: await authenticate(req.headers.authorization) }, "read");
      const target = compareTarget(req);
      const html = await reports.compareHtml(target, {
        quality: single(req, "quality"),
        cost: single(req, "cost"),
        budget: single(req, "budget"),
      });
      res.attachment(target.experimentId ? `compare-${target.experimentId}.html` : "compare.html");
      res.type("text/html; charset=utf-8");
      res.send(html);
    } catch (error) {
      sendCodedError(error, res, next);
    }
  });
  router.get("/export/compare.csv", async (req: Request, res: Response, next: NextFunction) => {
    try {
      requireScope({ auth: await authenticate(req.headers.authorization) }, "read");
      const target = compareTarget(req);
      const rows = await metrics.compare(target);
      const name = target.experimentId ? `compare-${target.experimentId}.csv` : "compare.csv";
      res.attachment(name);
      res.type("text/csv; charset=utf-8");
      res.send(compareCsv(rows));
    } catch (error) {
      sendCodedError(error, res, next);
    }
  });
  return router;
}
