import { readdirSync } from "node:fs";
import { join } from "node:path";
import type { MigrationInterface } from "typeorm";

/** migrations/dist, compiled by `tsc -b` from the repository's migrations/ project. */
export const migrationsDir = join(__dirname, "..", "..", "..", "migrations", "dist");

type MigrationClass = new () => MigrationInterface;

/**
 * Every migration class in migrations/dist, in file-name order (names start with a timestamp).
 * Loaded by path so the server and the migrations stay separate projects.
 */
export function loadMigrations(dir = migrationsDir): MigrationClass[] {
  const files = readdirSync(dir)
    .filter((f) => /^\d+-.+\.js$/.test(f))
    .sort();
  return files.flatMap((file) => {
    const module: Record<string, unknown> = require(join(dir, file));
    return Object.values(module).filter((v): v is MigrationClass => typeof v === "function");
  });
}
