import { ApiKeyScope } from "../auth/api-key.entity.js";
import { insertApiKey } from "../auth/api-key.repository.js";
import type { Scope } from "../auth/secrets.js";
import type { Database } from "../db/database.js";
import { insertRunner } from "../runners/runner.repository.js";

/** A new API key straight in the database (no GraphQL round trip); returns the secret to send as Bearer. */
export async function createApiKeyForTest(
  db: Database,
  scope: Scope,
  name = `test ${scope}`,
): Promise<string> {
  const s = scope === "read-write" ? ApiKeyScope.READ_WRITE : ApiKeyScope.READ;
  return (await db.write((m) => insertApiKey(m, name, s))).key;
}

let runnerCount = 0;

export interface TestRunnerOptions {
  labels?: string[];
  /** Memory of its one device, in bytes (default 16 GiB). */
  maxDeviceMemoryBytes?: number;
  maxJobs?: number;
  name?: string;
  backend?: string;
}

/** A registered runner straight in the database (no registration token); returns its id and secret. */
export async function registerRunnerForTest(
  db: Database,
  options: TestRunnerOptions = {},
): Promise<{ runnerId: string; secret: string }> {
  runnerCount += 1;
  const { runner, secret } = await db.write((m) =>
    insertRunner(m, {
      name: options.name ?? `test-runner-${runnerCount}`,
      labels: options.labels ?? [],
      backend: options.backend ?? "cpu",
      devices: [{ name: "test-device", memoryBytes: options.maxDeviceMemoryBytes ?? 16 * 1024 ** 3 }],
      maxJobs: options.maxJobs ?? 1,
      registrationTokenId: null,
    }),
  );
  return { runnerId: runner.id, secret };
}
