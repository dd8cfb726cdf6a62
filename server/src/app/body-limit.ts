import type { ErrorRequestHandler } from "express";
import { ErrorCode } from "../api/errors.js";

/**
 * The JSON body carries the dataset content escaped (quotes and newlines double), so the request may be
 * larger than the content; the dataset limit itself is checked exactly by the service.
 */
export function jsonBodyLimit(datasetMaxBytes: number): number {
  return datasetMaxBytes * 2 + 1024 * 1024;
}

/** A body over the limit is answered in GraphQL's error shape, so clients handle it like any bad input. */
export const bodyTooLargeHandler: ErrorRequestHandler = (error, _req, res, next) => {
  if ((error as { type?: string }).type !== "entity.too.large") return next(error);
  res.status(413).json({
    errors: [
      {
        message: `request body is over the server's limit of ${(error as { limit: number }).limit} bytes`,
        extensions: { code: ErrorCode.BAD_USER_INPUT, field: "content" },
      },
    ],
  });
};
