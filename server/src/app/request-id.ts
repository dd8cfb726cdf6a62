import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import type { ErrorRequestHandler, RequestHandler } from "express";
import type { Logger } from "./logger.js";

const requestIds = new AsyncLocalStorage<string>();

/** The id of the HTTP request being handled (undefined outside one, e.g. on graphql-ws). */
export function currentRequestId(): string | undefined {
  return requestIds.getStore();
}

/** A client's own `X-Request-Id` when it is a short plain token, else a new one; echoed in the response. */
export const requestIdMiddleware: RequestHandler = (req, res, next) => {
  const given = req.headers["x-request-id"];
  const id = typeof given === "string" && /^[A-Za-z0-9._-]{1,64}$/.test(given) ? given : randomUUID();
  res.setHeader("x-request-id", id);
  requestIds.run(id, next);
};

/**
 * The last handler: whatever reached it (a malformed URL, a bug) is answered in the GraphQL error shape
 * with the request id and no stack or path, whatever NODE_ENV is; unexpected errors are logged with it.
 */
export function errorBodyHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, next) => {
    if (res.headersSent) return next(error);
    const status = Number(
      (error as { status?: number }).status ?? (error as { statusCode?: number }).statusCode,
    );
    const requestId = String(res.getHeader("x-request-id") ?? randomUUID());
    const clientError = status >= 400 && status < 500;
    if (clientError) logger.info({ requestId, err: error, url: req.url }, "refused a malformed request");
    else logger.error({ requestId, err: error, url: req.url }, "unexpected error in an HTTP request");
    res.status(clientError ? status : 500).json({
      errors: [
        {
          message: clientError
            ? "malformed request (check the URL's percent-escapes and the body)"
            : `internal server error (request ${requestId}; see the server log)`,
          extensions: { code: clientError ? "BAD_REQUEST" : "INTERNAL_SERVER_ERROR", requestId },
        },
      ],
    });
  };
}
