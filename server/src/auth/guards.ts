import { codedError, ErrorCode } from "../api/errors.js";
import { type Scope, scopeAllows } from "./secrets.js";

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
 * People operations: a read key may query, a read-write key may also mutate, an admin key may also manage
 * API keys, registration tokens and runners. No credential → UNAUTHENTICATED; a runner secret, or a key
 * below the scope needed → FORBIDDEN naming the scope needed.
 */
export function requireScope(ctx: HasAuth, needed: Scope): void {
  const { auth } = ctx;
  if (auth.kind === "anonymous") {
    throw codedError(ErrorCode.UNAUTHENTICATED, "an API key is required: send Authorization: Bearer tlk_…");
  }
  if (auth.kind === "runner") {
    throw codedError(ErrorCode.FORBIDDEN, "a runner secret cannot call this operation; use an API key");
  }
  if (!scopeAllows(auth.scope, needed)) {
    const column = needed === "admin" ? "ADMIN" : "READ_WRITE";
    throw codedError(
      ErrorCode.FORBIDDEN,
      `this API key is ${auth.scope === "read" ? "read-only" : "not an admin key"}; the operation needs ${needed === "admin" ? "an ADMIN" : "a READ_WRITE"} key`,
      { neededScope: column },
    );
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
