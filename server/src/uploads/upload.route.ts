import { createHash } from "node:crypto";
import { type Request, type Response, Router } from "express";
import { GraphQLError } from "graphql";
import type { AuthenticateHeader } from "../artifacts/download.route.js";
import { requireScope } from "../auth/guards.js";
import { currentRequestId } from "../app/request-id.js";
import { type UploadOwner, uploadOwnerOf } from "./staged-upload.repository.js";
import type { UploadService } from "./upload.service.js";

interface Refusal {
  status: number;
  code: string;
  message: string;
  field?: string;
  limit?: number;
  /** Sent as Retry-After: when trying again may succeed. */
  retryAfterS?: number;
}

/**
 * Answers without reading (the rest of) the body: the connection is closed after the answer, so the
 * client cannot keep sending into a socket nobody reads.
 */
function refuse(res: Response, r: Refusal): void {
  res.set("connection", "close");
  if (r.retryAfterS !== undefined) res.set("retry-after", String(r.retryAfterS));
  res.status(r.status).json({
    error: {
      code: r.code,
      message: r.message,
      field: r.field,
      limit: r.limit,
      requestId: currentRequestId(),
    },
  });
}

const shaPattern = /^[0-9a-f]{64}$/;

/** The body, hashed while it arrives; refused as soon as it is over `limit` bytes. */
function readBody(req: Request, limit: number): Promise<{ content: Buffer; sha256: string } | "too large"> {
  return new Promise((resolve, reject) => {
    // gone while the route awaited the database: its "close" has been and will not come again
    if (req.destroyed) return reject(new Error("the client closed the connection before the body was read"));
    const hash = createHash("sha256");
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off("data", onData);
        req.pause();
        resolve("too large");
        return;
      }
      hash.update(chunk);
      chunks.push(chunk);
    };
    req.on("data", onData);
    req.once("end", () => resolve({ content: Buffer.concat(chunks, size), sha256: hash.digest("hex") }));
    req.once("error", reject);
    // a client gone mid-body: nothing to keep (a no-op once "end" resolved)
    req.once("close", () => reject(new Error("the client closed the connection mid-body")));
  });
}

/**
 * POST /uploads — bytes for a later mutation (createDataset's contentUploadId, importAdapter's and the
 * runner's files[].uploadId), the way S3's presigned PUT or tus work: upload, then reference. The
 * credential is checked before any byte is read (a READ_WRITE key or a runner); the size limit while the
 * bytes arrive; `X-Content-Sha256`, when sent, against the sha256 computed on the way. Every body held
 * counts against one process-wide budget (`inflightMaxBytes`, reserved before any byte is read: the
 * declared Content-Length, else the per-upload limit); over it the answer is 503 with Retry-After. Answers 201
 * `{ id, sizeBytes, sha256, expiresAt }`; the id can be used once, by the same caller, until it expires.
 */
export function uploadRoutes(uploads: UploadService, authenticate: AuthenticateHeader): Router {
  const router = Router();
  router.post("/uploads", async (req: Request, res: Response) => {
    let owner: UploadOwner;
    try {
      const auth = await authenticate(req.headers.authorization);
      if (auth.kind !== "runner") requireScope({ auth }, "read-write");
      owner = uploadOwnerOf(auth);
    } catch (error) {
      if (!(error instanceof GraphQLError)) throw error;
      const code = String(error.extensions.code);
      return refuse(res, { status: code === "FORBIDDEN" ? 403 : 401, code, message: error.message });
    }
    if (!req.is("application/octet-stream")) {
      return refuse(res, {
        status: 415,
        code: "BAD_USER_INPUT",
        field: "Content-Type",
        message: "send the bytes as the body with Content-Type: application/octet-stream",
      });
    }
    const declaredSha = req.headers["x-content-sha256"];
    const expectedSha = typeof declaredSha === "string" ? declaredSha.toLowerCase() : undefined;
    if (declaredSha !== undefined && !(expectedSha && shaPattern.test(expectedSha))) {
      return refuse(res, {
        status: 400,
        code: "BAD_USER_INPUT",
        field: "X-Content-Sha256",
        message: "X-Content-Sha256 must be the body's sha256 as 64 hex digits",
      });
    }
    const limit = uploads.maxBytes;
    const tooLarge: Refusal = {
      status: 413,
      code: "PAYLOAD_TOO_LARGE",
      limit,
      message: `the upload is over the limit of ${limit} bytes (TUNELAB_UPLOAD_MAX_BYTES)`,
    };
    const declared = Number(req.headers["content-length"]);
    if (declared > limit) return refuse(res, tooLarge);
    // room among the bodies held now, all callers together: the declared length, else the most it may be
    const release = uploads.reserve(Number.isSafeInteger(declared) && declared >= 0 ? declared : limit);
    if (!release) {
      const { inflightMaxBytes, busyRetryAfterS } = uploads.limits;
      return refuse(res, {
        status: 503,
        code: "UPLOADS_BUSY",
        limit: inflightMaxBytes,
        retryAfterS: busyRetryAfterS,
        message: `the server is receiving as many upload bytes as it holds at once (${inflightMaxBytes}, TUNELAB_UPLOAD_INFLIGHT_MAX_BYTES): nothing was read or stored, try again after ${busyRetryAfterS} s`,
      });
    }
    try {
      const room = await uploads.roomFor(owner);
      if (room) return refuse(res, { status: 429, code: "TOO_MANY_UPLOADS", message: room });

      const body = await readBody(req, limit).catch(() => undefined);
      if (body === undefined) return; // the client went away mid-body: nobody to answer
      if (body === "too large") return refuse(res, tooLarge);
      if (expectedSha !== undefined && body.sha256 !== expectedSha) {
        return refuse(res, {
          status: 400,
          code: "BAD_USER_INPUT",
          field: "X-Content-Sha256",
          message: `the body's sha256 is ${body.sha256}, not the ${expectedSha} sent in X-Content-Sha256 (nothing was stored)`,
        });
      }
      const staged = await uploads.stage(owner, body.content, body.sha256);
      res.status(201).json({
        id: staged.id,
        sizeBytes: staged.sizeBytes,
        sha256: staged.sha256,
        expiresAt: staged.expiresAt.toISOString(),
      });
    } finally {
      // the bytes are stored, refused or abandoned: no longer held here
      release();
    }
  });
  return router;
}
