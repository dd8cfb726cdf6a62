import { ownerOnly } from "./owner-only.js";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { pgcrypto } from "@electric-sql/pglite/contrib/pgcrypto";
import { DataSource, type EntityManager, type MigrationInterface } from "typeorm";
import { entities } from "./entities.js";
import { loadMigrations } from "./migrations.js";
import { Mutex } from "./mutex.js";
import { pgliteDriver } from "./pglite-pool.js";

export type DatabaseTarget =
  | { driver: "pg"; url: string }
  | { driver: "pglite" /** Folder of the data files; omitted = in memory. */; dataDir?: string };

export interface OpenOptions {
  /** Run pending migrations on open (the server does; migration tests open with false first). */
  migrate?: boolean;
  /** Override the migration list (tests); defaults to every compiled file in migrations/dist. */
  migrations?: (new () => MigrationInterface)[];
}

/**
 * The only way into the database. Work is done inside `read(fn)` or `write(fn)` with the EntityManager
 * they pass; nothing else in the server sees the DataSource. `write` is one transaction: it commits when
 * fn resolves and rolls back when it throws. On PGlite (a single session, so overlapping transactions
 * would share one transaction) both go through one FIFO lock; on PostgreSQL each takes a pooled
 * connection and the database isolates them.
 */
export class Database {
  private readonly lock: Mutex | undefined;

  private constructor(
    private readonly dataSource: DataSource,
    readonly driver: DatabaseTarget["driver"],
    private readonly pglite: PGlite | undefined,
  ) {
    this.lock = driver === "pglite" ? new Mutex() : undefined;
  }

  static async open(target: DatabaseTarget, options: OpenOptions = {}): Promise<Database> {
    const migrations = options.migrations ?? loadMigrations();
    const common = {
      type: "postgres" as const,
      entities,
      migrations,
      synchronize: false,
      migrationsRun: false,
      uuidExtension: "pgcrypto" as const,
      installExtensions: false,
      logging: false,
    };
    let pglite: PGlite | undefined;
    let dataSource: DataSource;
    if (target.driver === "pg") {
      dataSource = new DataSource({ ...common, url: target.url, poolSize: 10 });
    } else {
      // The database's own folder only: its parent may be any folder (a test's is /tmp), never walked here
      if (target.dataDir) ownerOnly(target.dataDir);
      pglite = await PGlite.create({ dataDir: target.dataDir, extensions: { pgcrypto } });
      dataSource = new DataSource({ ...common, driver: pgliteDriver(pglite) });
    }
    try {
      await dataSource.initialize();
      const db = new Database(dataSource, target.driver, pglite);
      if (options.migrate ?? true) await db.migrate();
      // PGlite writes some files at start with modes of its own (pg_internal.init): owner-only again.
      if (target.driver === "pglite" && target.dataDir) ownerOnly(target.dataDir);
      return db;
    } catch (error) {
      if (dataSource.isInitialized) await dataSource.destroy();
      await pglite?.close();
      throw error;
    }
  }

  /** Reads outside a transaction (each statement sees committed data). */
  read<T>(fn: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.serialised(() => fn(this.dataSource.manager));
  }

  /** One transaction: all of fn's writes or none of them. Do not nest. */
  write<T>(fn: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.serialised(() => this.dataSource.transaction(fn));
  }

  /** Applies pending migrations; returns their names. */
  async migrate(): Promise<string[]> {
    const applied = await this.serialised(() => this.dataSource.runMigrations({ transaction: "each" }));
    return applied.map((m) => m.name);
  }

  /** True when the database answers and no migration is pending (readiness). */
  async isReady(): Promise<boolean> {
    try {
      return await this.serialised(async () => {
        await this.dataSource.query("SELECT 1");
        return !(await this.dataSource.showMigrations());
      });
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.serialised(async () => {
      if (this.dataSource.isInitialized) await this.dataSource.destroy();
      await this.pglite?.close();
    });
  }

  private serialised<T>(fn: () => Promise<T>): Promise<T> {
    return this.lock ? this.lock.run(fn) : fn();
  }
}

/** Where the embedded database of a data folder lives. */
export function pgliteDataDir(dataDir: string): string {
  return join(dataDir, "db");
}
