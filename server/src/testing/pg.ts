import { randomBytes } from "node:crypto";
import { Client } from "pg";

/** The admin URL tests create their databases with (CI sets it; the default is the machine's cluster). */
export const testPgAdminUrl =
  process.env.TUNELAB_TEST_PG_URL || "postgres://postgres@127.0.0.1:5432/postgres";

export interface ThrowawayDatabase {
  url: string;
  drop(): Promise<void>;
}

async function asAdmin(sql: string): Promise<void> {
  const client = new Client({ connectionString: testPgAdminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A fresh, empty PostgreSQL database on the test cluster, with a unique name; drop() removes it. */
export async function createThrowawayDatabase(prefix = "tunelab_test"): Promise<ThrowawayDatabase> {
  const name = `${prefix}_${process.pid}_${randomBytes(4).toString("hex")}`;
  await asAdmin(`CREATE DATABASE ${name}`);
  const url = new URL(testPgAdminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => asAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}
