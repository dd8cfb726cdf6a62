import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Database } from "../db/database.js";
import { ApiKeyScope } from "./api-key.entity.js";
import { insertApiKey } from "./api-key.repository.js";

/** Any constant: the advisory lock that lets only one of several starting servers create the admin key. */
const adminKeyLock = 7_464_001;

/**
 * On an empty database (no api_key row at all) creates the ADMIN key and returns it; otherwise
 * null. Servers starting together on one PostgreSQL serialise on a transaction-scoped advisory lock, so
 * exactly one key is created.
 */
export function ensureAdminKey(db: Database): Promise<string | null> {
  return db.write(async (m) => {
    await m.query("SELECT pg_advisory_xact_lock($1)", [adminKeyLock]);
    const [row] = (await m.query("SELECT EXISTS (SELECT 1 FROM api_key) AS any")) as { any: boolean }[];
    if (row!.any) return null;
    return (await insertApiKey(m, "admin", ApiKeyScope.ADMIN)).key;
  });
}

/** `<dataDir>/admin-key`, readable by the owner only. */
export function writeAdminKeyFile(dataDir: string, key: string): string {
  const file = join(dataDir, "admin-key");
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}

export function adminKeyFilePath(dataDir: string): string {
  return join(dataDir, "admin-key");
}
