import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** What an API key may do: read-only queries; reads plus mutations; and key and runner management. */
export type Scope = "read" | "read-write" | "admin";

const scopeRank: Record<Scope, number> = { read: 0, "read-write": 1, admin: 2 };

/**
 * A new bearer secret: a readable prefix (so a leaked key says what it is) and 32 random bytes.
 * 256 bits of entropy make a plain sha256 at rest safe; no slow KDF is needed as for passwords.
 */
export function generateSecret(prefix: "tlk" | "tlr" | "tlt"): string {
  return `${prefix}_${randomBytes(32).toString("base64url")}`;
}

/** The only form a secret is stored in. */
export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

/** Constant-time comparison of a presented secret with a stored hash. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashSecret(secret), "hex");
  const b = Buffer.from(storedHash, "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Whether a key with `granted` scope may perform an operation needing `needed`. */
export function scopeAllows(granted: Scope, needed: Scope): boolean {
  return scopeRank[granted] >= scopeRank[needed];
}

/** Registration tokens are single use and expire. */
export interface RegistrationTokenState {
  expiresAt: Date;
  usedAt: Date | null;
}

export type RegistrationTokenVerdict = "ok" | "expired" | "used";

export function checkRegistrationToken(token: RegistrationTokenState, now: Date): RegistrationTokenVerdict {
  if (token.usedAt !== null) return "used";
  if (now.getTime() >= token.expiresAt.getTime()) return "expired";
  return "ok";
}
