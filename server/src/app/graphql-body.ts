import type { Request, RequestHandler, Response } from "express";
import { ErrorCode } from "../api/errors.js";
import type { Authenticator } from "../auth/authenticate.js";
import type { Auth } from "../auth/guards.js";
import { setGraphqlBodyText } from "./answer-cache/answer-cache.js";
import { currentRequestId } from "./request-id.js";
import { JsonDepthScanner, type RequestLimits } from "./request-limits.js";

/** The caller resolved from the Authorization header before the body was read (undefined: a bad one). */
export function authOfResponse(res: Response): Auth | undefined {
  return res.locals.auth as Auth | undefined;
}

class Refusal {
  constructor(
    readonly status: number,
    readonly message: string,
    readonly extensions: Record<string, unknown>,
  ) {}
}

/** Reads the body while it arrives, refusing it as soon as it is over `limit` bytes or nests too deep. */
function readJsonBody(req: Request, limit: number, maxDepth: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"]);
    const tooLarge = new Refusal(
      413,
      `request body is over the limit of ${limit} bytes: send files to POST /uploads and give their ids instead`,
      {
        code: ErrorCode.BAD_USER_INPUT,
        limit,
      },
    );
    if (declared > limit) return reject(tooLarge);
    const scanner = new JsonDepthScanner(maxDepth);
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = (refusal: Refusal) => {
      req.off("data", onData);
      req.pause();
      reject(refusal);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) return stop(tooLarge);
      if (!scanner.feed(chunk)) {
        return stop(
          new Refusal(400, `request body nests JSON deeper than ${maxDepth} levels`, {
            code: ErrorCode.BAD_USER_INPUT,
            maxJsonDepth: maxDepth,
          }),
        );
      }
      chunks.push(chunk);
    };
    req.on("data", onData);
    req.once("end", () => resolve(Buffer.concat(chunks, size)));
    req.once("error", () =>
      reject(new Refusal(400, "could not read the request body", { code: "BAD_REQUEST" })),
    );
  });
}

/**
 * The `/graphql` JSON body, read under the body limit (the same for every caller: files travel through
 * POST /uploads); the credential is resolved first, before any of the body is read, and handed to Apollo's
 * context; the nesting depth is refused while the bytes arrive, never after a JSON.parse.
 */
export function graphqlBody(authenticator: Authenticator, limits: RequestLimits): RequestHandler {
  return async (req, res, next) => {
    if (req.method !== "POST" || !req.is("application/json")) {
      // GET queries (and other content types, which Apollo refuses) carry no JSON body; Apollo wants one set
      req.body ??= {};
      return next();
    }
    try {
      res.locals.auth = await authenticator.fromHeader(req.headers.authorization);
    } catch {
      // A bad credential: Apollo's context answers it (401 UNAUTHENTICATED saying why); read little.
    }
    let body: Buffer;
    try {
      body = await readJsonBody(req, limits.bodyBytes, limits.maxJsonDepth);
    } catch (error) {
      const refusal = error as Refusal;
      // The rest of the body is not read: the connection is closed after this answer.
      res.set("connection", "close");
      res.status(refusal.status).json({
        errors: [
          { message: refusal.message, extensions: { ...refusal.extensions, requestId: currentRequestId() } },
        ],
      });
      return;
    }
    try {
      const text = body.toString("utf8");
      req.body = JSON.parse(text);
      setGraphqlBodyText(res, text);
    } catch {
      res.status(400).json({
        errors: [
          {
            message: "request body is not valid JSON",
            extensions: { code: "BAD_REQUEST", requestId: currentRequestId() },
          },
        ],
      });
      return;
    }
    next();
  };
}
