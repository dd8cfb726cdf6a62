import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Database, type OpenOptions } from "../db/database.js";
import { createThrowawayDatabase } from "./pg.js";
import type { Driver } from "./test-server.js";

export interface TestDatabase {
  db: Database;
  /** Closes the database and deletes it (temp folder or throwaway PostgreSQL database). */
  dispose(): Promise<void>;
}

/** A fresh empty database on either driver, opened through Database (migrated unless told otherwise). */
export async function openTestDatabase(driver: Driver, options: OpenOptions = {}): Promise<TestDatabase> {
  if (driver === "pg") {
    const pg = await createThrowawayDatabase();
    const db = await Database.open({ driver: "pg", url: pg.url }, options);
    return {
      db,
      dispose: async () => {
        await db.close();
        await pg.drop();
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), "tunelab-db-"));
  const db = await Database.open({ driver: "pglite", dataDir: dir }, options);
  return {
    db,
    dispose: async () => {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
