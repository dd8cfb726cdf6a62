import { resolve } from "node:path";
import { z } from "zod";

/** Everything the server needs to start, validated once at the boundary. */
export interface ServerConfig {
  /** TCP port; 0 picks a free one (tests). */
  port: number;
  host: string;
  /** Real PostgreSQL when set; otherwise embedded PGlite in `dataDir`/db. */
  databaseUrl: string | undefined;
  dataDir: string;
  /** Largest dataset content accepted by createDataset, in bytes. */
  datasetMaxBytes: number;
  /** Largest body `POST /uploads` takes (a dataset file, an adapter or model file), in bytes. */
  uploadMaxBytes: number;
  /**
   * Bytes of `POST /uploads` bodies the process holds at once, all callers together (uploads/inflight-bytes.ts):
   * one that would go over is refused with 503 and Retry-After before its body is read. At least uploadMaxBytes.
   */
  uploadInflightMaxBytes: number;
  logLevel: LogLevel;
  /** Points of finished runs' downsampled series kept in memory (metrics/series-cache.ts); 0 = off. */
  metricsCachePoints: number;
  /** Bytes of whole GraphQL answers kept in memory (app/answer-cache); 0 = off. */
  answerCacheBytes: number;
  /** Age after which a cached answer is recomputed (app/answer-cache); not an environment variable: tests lower it. */
  answerMaxAgeMs?: number;
  /** A job's lease in ms: renewed by runner heartbeats (every leaseMs/3); expired → the run is requeued. */
  leaseMs: number;
  /** Delay before re-queuing a run after a retryable failJob: doubles per attempt, capped at retryMaxMs. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** How runner hosts reach this server (for the registration command); default: the listen address. */
  publicUrl: string | undefined;
  /** Query depth and complexity limits (app/limits.ts); not an environment variable: tests lower them. */
  queryLimits?: { maxDepth: number; maxComplexity: number };
}

const logLevels = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof logLevels)[number];

/** Environment variable → config field; flags use the same names in kebab case. */
export const configVariables = {
  PORT: "port",
  HOST: "host",
  DATABASE_URL: "databaseUrl",
  TUNELAB_DATA_DIR: "dataDir",
  TUNELAB_DATASET_MAX_BYTES: "datasetMaxBytes",
  TUNELAB_UPLOAD_MAX_BYTES: "uploadMaxBytes",
  TUNELAB_UPLOAD_INFLIGHT_MAX_BYTES: "uploadInflightMaxBytes",
  LOG_LEVEL: "logLevel",
  TUNELAB_METRICS_CACHE_POINTS: "metricsCachePoints",
  TUNELAB_ANSWER_CACHE_BYTES: "answerCacheBytes",
  TUNELAB_LEASE_MS: "leaseMs",
  TUNELAB_RETRY_BASE_MS: "retryBaseMs",
  TUNELAB_RETRY_MAX_MS: "retryMaxMs",
  TUNELAB_PUBLIC_URL: "publicUrl",
} as const satisfies Record<string, keyof ServerConfig>;

type Variable = keyof typeof configVariables;

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().min(1).default("127.0.0.1"),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
    .optional(),
  TUNELAB_DATA_DIR: z.string().min(1).default(".tunelab"),
  TUNELAB_DATASET_MAX_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(50 * 1024 * 1024),
  TUNELAB_UPLOAD_MAX_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(100 * 1024 * 1024),
  // default: four uploads of the largest size at once (400 MiB with the default upload limit)
  TUNELAB_UPLOAD_INFLIGHT_MAX_BYTES: z.coerce.number().int().positive().optional(),
  LOG_LEVEL: z.enum(logLevels).default("info"),
  TUNELAB_METRICS_CACHE_POINTS: z.coerce.number().int().min(0).max(100_000_000).default(5_000_000),
  TUNELAB_ANSWER_CACHE_BYTES: z.coerce
    .number()
    .int()
    .min(0)
    .max(16 * 1024 ** 3)
    .default(64 * 1024 * 1024),
  TUNELAB_LEASE_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
  TUNELAB_RETRY_BASE_MS: z.coerce.number().int().min(0).max(3_600_000).default(5_000),
  TUNELAB_RETRY_MAX_MS: z.coerce.number().int().min(0).max(86_400_000).default(300_000),
  TUNELAB_PUBLIC_URL: z
    .string()
    .regex(/^https?:\/\/[^/]+$/, "must be http(s)://host[:port] without a path")
    .optional(),
});

/** A configuration value that failed validation, naming the variable so a person can fix it. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    detail: string,
  ) {
    super(`invalid configuration: ${variable}: ${detail}`);
    this.name = "ConfigError";
  }
}

/**
 * Reads the configuration from environment variables, overridden by explicit values (command-line flags).
 * Empty strings count as unset, so `DATABASE_URL= npm start` means "embedded".
 */
export function loadConfig(
  env: Record<string, string | undefined>,
  overrides: Partial<Record<Variable, string | number>> = {},
): ServerConfig {
  const raw: Record<string, string | number | undefined> = {};
  for (const name of Object.keys(configVariables) as Variable[]) {
    const value = overrides[name] ?? env[name];
    raw[name] = value === "" ? undefined : value;
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(String(issue.path[0] ?? "configuration"), issue.message);
  }
  const v = parsed.data;
  const uploadInflightMaxBytes = v.TUNELAB_UPLOAD_INFLIGHT_MAX_BYTES ?? 4 * v.TUNELAB_UPLOAD_MAX_BYTES;
  if (uploadInflightMaxBytes < v.TUNELAB_UPLOAD_MAX_BYTES) {
    throw new ConfigError(
      "TUNELAB_UPLOAD_INFLIGHT_MAX_BYTES",
      `must be at least TUNELAB_UPLOAD_MAX_BYTES (${v.TUNELAB_UPLOAD_MAX_BYTES}), or no upload of the largest size could ever be taken`,
    );
  }
  return {
    port: v.PORT,
    host: v.HOST,
    databaseUrl: v.DATABASE_URL,
    dataDir: resolve(v.TUNELAB_DATA_DIR),
    datasetMaxBytes: v.TUNELAB_DATASET_MAX_BYTES,
    uploadMaxBytes: v.TUNELAB_UPLOAD_MAX_BYTES,
    uploadInflightMaxBytes,
    logLevel: v.LOG_LEVEL,
    metricsCachePoints: v.TUNELAB_METRICS_CACHE_POINTS,
    answerCacheBytes: v.TUNELAB_ANSWER_CACHE_BYTES,
    leaseMs: v.TUNELAB_LEASE_MS,
    retryBaseMs: v.TUNELAB_RETRY_BASE_MS,
    retryMaxMs: v.TUNELAB_RETRY_MAX_MS,
    publicUrl: v.TUNELAB_PUBLIC_URL,
  };
}
