import { codedError, ErrorCode } from "../api/errors.js";
import type { Scope } from "./secrets.js";

/**
 * Who is calling, resolved once per HTTP request (from `Authorization: Bearer`) or once per graphql-ws
 * connection (from `connectionParams.authorization`, re-checked on each operation).
 */
export type Auth =
  | { kind: "apiKey"; keyId: string; scope: Scope }
  | { kind: "runner"; runnerId: string }
  | { kind: "anonymous" };

export const anonymous: Auth = { kind: "anonymous" };

/** Anything that carries an `auth` (the RequestContext does). */
export interface HasAuth {
  auth: Auth;
}

/**
 * People operations: a read key may query, a read-write key may also mutate. No credential →
 * UNAUTHENTICATED; a runner secret, or a read key on a mutation → FORBIDDEN.
 */
export function requireScope(ctx: HasAuth, needed: Scope): void {
  const { auth } = ctx;
  if (auth.kind === "anonymous") {
    throw codedError(ErrorCode.UNAUTHENTICATED, "an API key is required: send Authorization: Bearer tlk_…");
  }
  if (auth.kind === "runner") {
    throw codedError(ErrorCode.FORBIDDEN, "a runner secret cannot call this operation; use an API key");
  }
  if (needed === "read-write" && auth.scope !== "read-write") {
    throw codedError(ErrorCode.FORBIDDEN, "this API key is read-only; the operation needs a READ_WRITE key");
  }
}

/** Runner operations: returns the calling runner's id. An API key → FORBIDDEN, nothing → UNAUTHENTICATED. */
export function requireRunner(ctx: HasAuth): string {
  const { auth } = ctx;
  if (auth.kind === "anonymous") {
    throw codedError(
      ErrorCode.UNAUTHENTICATED,
      "a runner secret is required: send Authorization: Bearer tlr_…",
    );
  }
  if (auth.kind === "apiKey") {
    throw codedError(ErrorCode.FORBIDDEN, "an API key cannot act as a runner; use the runner's secret");
  }
  return auth.runnerId;
}
