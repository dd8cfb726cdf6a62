import {
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
  getNamedType,
  isCompositeType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
} from "graphql";
import { scopeColumn } from "../auth/api-key.entity.js";
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
  return (await db.write((m) => insertApiKey(m, name, scopeColumn(scope)))).key;
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

/**
 * The operations that are not people operations: what a runner calls with its secret (the runner protocol,
 * listed at the top of runner/README.md), and registerRunner (its credential is the token in its input).
 * Everything else needs an API key.
 */
export const runnerOperations = new Set([
  "jobs",
  "jobDatasetRows",
  "heartbeat",
  "signOff",
  "startJob",
  "reportMetrics",
  "reportSamples",
  "uploadCheckpoint",
  "uploadAdapter",
  "completeJob",
  "failJob",
  "reportGenerations",
]);
export const tokenOperations = new Set(["registerRunner"]);
/**
 * Stateless calculators over core (server/src/estimates, server/src/fit): no stored data, open to anyone
 * (`fit` asks for a read key only when given a baseModelId or runnerId).
 */
export const publicOperations = new Set(["estimate", "modelPresets", "methods", "fit", "gpuMemorySizes"]);
/** Key and runner management: an ADMIN key only (a READ_WRITE key → FORBIDDEN). */
export const adminOperations = new Set([
  "apiKeys",
  "createApiKey",
  "revokeApiKey",
  "registrationTokens",
  "createRegistrationToken",
  "revokeRegistrationToken",
  "revokeRunner",
]);

/** A value of the type that passes GraphQL validation (not the service's): for authorization sweeps. */
export function sampleValue(type: GraphQLInputType): unknown {
  if (isNonNullType(type)) return sampleValue(type.ofType);
  if (isListType(type)) return [];
  if (isEnumType(type)) return type.getValues()[0]!.value;
  if (isInputObjectType(type)) {
    const value: Record<string, unknown> = {};
    for (const f of Object.values(type.getFields())) {
      if (isNonNullType(f.type) && f.defaultValue === undefined) value[f.name] = sampleValue(f.type);
    }
    return value;
  }
  if (isScalarType(type)) {
    switch (type.name) {
      case "ID":
        return "00000000-0000-4000-8000-000000000000";
      case "Int":
      case "Float":
        return 1;
      case "Boolean":
        return false;
      case "String":
        return "x";
      default:
        return {};
    }
  }
  return null;
}

export interface SampleOperation {
  name: string;
  kind: "query" | "mutation" | "subscription";
  query: string;
  variables: Record<string, unknown>;
}

/** One operation per root field, with every required argument given a well-typed placeholder. */
export function sampleOperations(schema: GraphQLSchema): SampleOperation[] {
  const roots = [
    ["query", schema.getQueryType()],
    ["mutation", schema.getMutationType()],
    ["subscription", schema.getSubscriptionType()],
  ] as const;
  const ops: SampleOperation[] = [];
  for (const [kind, root] of roots) {
    if (!root) continue;
    for (const field of Object.values(root.getFields()) as GraphQLField<unknown, unknown>[]) {
      const required = field.args.filter(
        (a: GraphQLArgument) => isNonNullType(a.type) && a.defaultValue === undefined,
      );
      const decl = required.map((a) => `$${a.name}: ${a.type.toString()}`).join(", ");
      const args = required.map((a) => `${a.name}: $${a.name}`).join(", ");
      const selection = isCompositeType(getNamedType(field.type)) ? " { __typename }" : "";
      ops.push({
        name: field.name,
        kind,
        query: `${kind}${decl ? `(${decl})` : ""} { ${field.name}${args ? `(${args})` : ""}${selection} }`,
        variables: Object.fromEntries(required.map((a) => [a.name, sampleValue(a.type)])),
      });
    }
  }
  return ops;
}
