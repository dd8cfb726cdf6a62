import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningServer, startServer } from "../app/server.js";
import { type ServerConfig, loadConfig } from "../config.js";
import { createApiKeyForTest } from "./auth.js";
import { createThrowawayDatabase } from "./pg.js";

/** Both database drivers: data-driven tests run each case on each. */
export const drivers = ["pglite", "pg"] as const;
export type Driver = (typeof drivers)[number];

export interface TestServer extends RunningServer {
  driver: Driver;
  /**
   * POSTs one GraphQL operation and returns the parsed response. `token` is sent as `Authorization: Bearer`:
   * omitted → the admin key (READ_WRITE), null → no credential, else that key or runner secret.
   */
  gql<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    token?: string | null,
  ): Promise<GqlResponse<T>>;
  /** An ADMIN API key: the admin key the server created on its first start. */
  adminKey: string;
  /** Base URL without /graphql, for /healthz etc. */
  origin: string;
}

export interface GqlResponse<T> {
  status: number;
  data?: T | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

export async function gql<T>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  token?: string | null,
): Promise<GqlResponse<T>> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, ...((await response.json()) as Omit<GqlResponse<T>, "status">) };
}

/**
 * A real server on port 0 with a fresh database: PGlite in a temp folder, or a throwaway database on the
 * test PostgreSQL cluster. close() stops the server and removes the database.
 */
export async function startTestServer(
  driver: Driver,
  config: Partial<ServerConfig> = {},
): Promise<TestServer> {
  let cleanup: () => Promise<void> | void;
  const base = loadConfig({ PORT: "0", LOG_LEVEL: process.env.LOG_LEVEL ?? "silent" });
  let full: ServerConfig;
  if (driver === "pg") {
    const db = await createThrowawayDatabase();
    full = { ...base, databaseUrl: db.url, ...config };
    cleanup = db.drop;
  } else {
    const dir = mkdtempSync(join(tmpdir(), "tunelab-test-"));
    full = { ...base, databaseUrl: undefined, dataDir: dir, ...config };
    cleanup = () => rmSync(dir, { recursive: true, force: true });
  }
  let server: RunningServer;
  try {
    server = await startServer(full);
  } catch (error) {
    await cleanup();
    throw error;
  }
  const adminKey = server.adminKey ?? (await createApiKeyForTest(server.db, "admin", "test admin"));
  return {
    ...server,
    adminKey,
    driver,
    origin: server.url.replace(/\/graphql$/, ""),
    gql: (query, variables, token) =>
      gql(server.url, query, variables, token === undefined ? adminKey : token),
    close: async () => {
      await server.close();
      await cleanup();
    },
  };
}
