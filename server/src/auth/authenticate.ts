import { LRUCache } from "lru-cache";
import type { EntityManager } from "typeorm";
import { codedError, ErrorCode } from "../api/errors.js";
import type { Database } from "../db/database.js";
import { scopeOf, type ApiKeyScope } from "./api-key.entity.js";
import type { Auth } from "./guards.js";
import { hashSecret } from "./secrets.js";

/** A presented credential that is not (or no longer) valid: UNAUTHENTICATED, answered 401 over HTTP. */
export function badCredential(message: string) {
  return codedError(ErrorCode.UNAUTHENTICATED, message, { http: { status: 401 } });
}

/** The secret in an `Authorization` value, or null when none was sent. A malformed value is refused. */
export function bearerSecret(header: unknown): string | null {
  if (header === undefined || header === null || header === "") return null;
  if (typeof header !== "string") throw badCredential("authorization must be a string: Bearer <secret>");
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw badCredential("authorization must be: Bearer <secret>");
  return match[1]!;
}

/** How often one process writes api_key.last_used_at for one key (it is approximate by design). */
const lastUsedIntervalMs = 60_000;

/** The longest a resolved credential is reused without asking the database again (see Authenticator). */
const knownMaxAgeMs = 5_000;

interface Known {
  auth: Auth;
  generation: number;
  resolvedAt: number;
}

/**
 * Turns a bearer secret into an Auth: `tlk_` → API key, `tlr_` → runner. Unknown or revoked → thrown
 * UNAUTHENTICATED naming which. One indexed lookup per call, unless the same secret resolved within the last
 * 5 s and `generation()` has not moved since: the server passes the answer cache's entity generation, which
 * every mutation bumps (revokeApiKey and revokeRunner included, before their answer leaves; other server
 * processes through DATA_CHANGED), so a revoked credential is refused by the next request. Without one, every
 * call looks up. `last_used_at` is bumped at most once a minute per key and process.
 */
export class Authenticator {
  private readonly lastBumped = new Map<string, number>();
  /** Resolved credentials by secret hash (only valid ones: unknown secrets are looked up every time). */
  private readonly known = new LRUCache<string, Known>({ max: 10_000 });

  constructor(
    private readonly db: Database,
    private readonly generation: () => number = () => Number.NaN,
  ) {}

  /** The Auth for an Authorization header value (absent → anonymous). */
  async fromHeader(header: unknown): Promise<Auth> {
    const secret = bearerSecret(header);
    return secret === null ? { kind: "anonymous" } : this.fromSecret(secret);
  }

  async fromSecret(secret: string): Promise<Auth> {
    const hash = hashSecret(secret);
    const kept = this.known.get(hash);
    if (kept && kept.generation === this.generation() && Date.now() - kept.resolvedAt < knownMaxAgeMs) {
      if (kept.auth.kind === "apiKey") await this.bumpLastUsed(kept.auth.keyId);
      return kept.auth;
    }
    const generation = this.generation();
    const resolvedAt = Date.now();
    const auth = await this.lookUp(secret, hash);
    this.known.set(hash, { auth, generation, resolvedAt });
    return auth;
  }

  private async lookUp(secret: string, hash: string): Promise<Auth> {
    if (secret.startsWith("tlk_")) {
      const rows: { id: string; scope: ApiKeyScope; revoked: boolean }[] = await this.db.read((m) =>
        m.query("SELECT id, scope, revoked_at IS NOT NULL AS revoked FROM api_key WHERE key_hash = $1", [
          hash,
        ]),
      );
      const key = rows[0];
      if (!key) throw badCredential("unknown API key");
      if (key.revoked) throw badCredential("this API key has been revoked");
      await this.bumpLastUsed(key.id);
      return { kind: "apiKey", keyId: key.id, scope: scopeOf(key.scope) };
    }
    if (secret.startsWith("tlr_")) {
      const rows: { id: string; revoked: boolean }[] = await this.db.read((m) =>
        m.query("SELECT id, revoked_at IS NOT NULL AS revoked FROM runner WHERE secret_hash = $1", [hash]),
      );
      const runner = rows[0];
      if (!runner) throw badCredential("unknown runner secret");
      if (runner.revoked) throw badCredential("this runner has been revoked");
      return { kind: "runner", runnerId: runner.id };
    }
    if (secret.startsWith("tlt_")) {
      throw badCredential(
        "a registration token is not a credential; pass it to registerRunner(input: {token})",
      );
    }
    throw badCredential("unknown credential: expected an API key (tlk_…) or a runner secret (tlr_…)");
  }

  /** Whether an Auth resolved earlier still holds (nothing revoked since): for long-lived sockets. */
  async stillValid(auth: Auth): Promise<boolean> {
    if (auth.kind === "anonymous") return true;
    const [table, id] = auth.kind === "apiKey" ? ["api_key", auth.keyId] : ["runner", auth.runnerId];
    const rows: unknown[] = await this.db.read((m: EntityManager) =>
      m.query(`SELECT 1 FROM ${table} WHERE id = $1 AND revoked_at IS NULL`, [id]),
    );
    return rows.length > 0;
  }

  private async bumpLastUsed(keyId: string): Promise<void> {
    const now = Date.now();
    if (now - (this.lastBumped.get(keyId) ?? 0) < lastUsedIntervalMs) return;
    this.lastBumped.set(keyId, now);
    await this.db.read((m) => m.query("UPDATE api_key SET last_used_at = now() WHERE id = $1", [keyId]));
  }
}
