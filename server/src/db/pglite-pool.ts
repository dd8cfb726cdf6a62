import { EventEmitter } from "node:events";
import type { PGlite } from "@electric-sql/pglite";

type Callback<T> = (error: Error | null, result: T | null) => void;

interface PgResult {
  rows: unknown[];
  rowCount: number;
  command?: string;
}

/**
 * A `pg`-shaped driver over one PGlite instance, for TypeORM's postgres driver (`driver` option).
 * Unlike typeorm-pglite's driver it is bound to the instance it is given instead of a process-wide
 * singleton, so one process can hold several embedded databases (tests, restarts) at once.
 * Every "connection" is the same PGlite session: callers must serialise transactions (see Database).
 */
export function pgliteDriver(pglite: PGlite): { Pool: new () => EventEmitter } {
  class PGlitePool extends EventEmitter {
    connect(callback: (error: Error | null, client: PGlitePool | null, release: () => void) => void): void {
      callback(null, this, () => {});
    }

    query(
      sql: string,
      params?: unknown[] | Callback<PgResult>,
      callback?: Callback<PgResult>,
    ): Promise<PgResult> {
      const cb = typeof params === "function" ? params : callback;
      const values = typeof params === "function" ? undefined : params;
      const run: Promise<PgResult> =
        values && values.length > 0
          ? pglite
              .query(sql, values)
              .then((r) => ({ rows: r.rows, rowCount: r.affectedRows ?? r.rows.length }))
          : // exec runs several statements (migrations); TypeORM expects the last one's result.
            pglite.exec(sql).then((results) => {
              const last = results[results.length - 1];
              return { rows: last?.rows ?? [], rowCount: last?.affectedRows ?? last?.rows.length ?? 0 };
            });
      return run.then(
        (result) => {
          cb?.(null, result);
          return result;
        },
        (error: Error) => {
          cb?.(error, null);
          throw error;
        },
      );
    }

    release(): void {}

    end(callback?: (error: Error | null) => void): void {
      // The instance belongs to Database, which closes it after TypeORM lets go.
      callback?.(null);
    }
  }
  return { Pool: PGlitePool };
}
