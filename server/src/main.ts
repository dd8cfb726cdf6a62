#!/usr/bin/env node
import "./production-mode.js";
import "reflect-metadata";
import { Command, Option } from "commander";
import { startServer } from "./app/server.js";
import { ConfigError, loadConfig } from "./config.js";

const program = new Command("tunelab-server")
  .description("The Tunelab GraphQL server: API, subscriptions and GraphQL IDE on one URL.")
  .addOption(new Option("-p, --port <port>", "TCP port, 0 = any free port").env("PORT").default("4000"))
  .addOption(new Option("--host <host>", "interface to listen on").env("HOST").default("127.0.0.1"))
  .addOption(
    new Option("--database-url <url>", "PostgreSQL URL; without it an embedded PGlite is used").env(
      "DATABASE_URL",
    ),
  )
  .addOption(
    new Option("--data-dir <dir>", "data folder (the embedded database lives in <dir>/db)")
      .env("TUNELAB_DATA_DIR")
      .default(".tunelab"),
  )
  .addOption(
    new Option("--dataset-max-bytes <bytes>", "largest dataset upload accepted")
      .env("TUNELAB_DATASET_MAX_BYTES")
      .default(String(50 * 1024 * 1024)),
  )
  .addOption(
    new Option(
      "--upload-max-bytes <bytes>",
      "largest body POST /uploads takes (datasets, adapter and model files)",
    )
      .env("TUNELAB_UPLOAD_MAX_BYTES")
      .default(String(100 * 1024 * 1024)),
  )
  .addOption(
    new Option(
      "--upload-inflight-max-bytes <bytes>",
      "POST /uploads bodies held at once, all callers together; beyond: 503 (default: 4 × --upload-max-bytes)",
    ).env("TUNELAB_UPLOAD_INFLIGHT_MAX_BYTES"),
  )
  .addOption(
    new Option(
      "--public-url <url>",
      "how runner hosts reach this server, for the registration command (default: the listen address)",
    ).env("TUNELAB_PUBLIC_URL"),
  )
  .addOption(
    new Option("--lease-ms <ms>", "job lease: runners heartbeat every third of it; expired → run requeued")
      .env("TUNELAB_LEASE_MS")
      .default("30000"),
  )
  .addOption(
    new Option(
      "--retry-base-ms <ms>",
      "first backoff before a failed run's next attempt (doubles per attempt)",
    )
      .env("TUNELAB_RETRY_BASE_MS")
      .default("5000"),
  )
  .addOption(
    new Option("--retry-max-ms <ms>", "longest backoff between attempts")
      .env("TUNELAB_RETRY_MAX_MS")
      .default("300000"),
  )
  .addOption(
    new Option(
      "--metrics-cache-points <points>",
      "points of finished runs' downsampled series kept in memory, 0 = off",
    )
      .env("TUNELAB_METRICS_CACHE_POINTS")
      .default("5000000"),
  )
  .addOption(
    new Option(
      "--answer-cache-bytes <bytes>",
      "bytes of whole GraphQL answers kept in memory and served while nothing they read changed, 0 = off",
    )
      .env("TUNELAB_ANSWER_CACHE_BYTES")
      .default(String(64 * 1024 * 1024)),
  )
  .addOption(
    new Option("--log-level <level>", "pino log level")
      .env("LOG_LEVEL")
      .choices(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
      .default("info"),
  );

async function main(): Promise<void> {
  const flags = program.parse().opts<Record<string, string | undefined>>();
  const config = loadConfig(process.env, {
    PORT: flags.port,
    HOST: flags.host,
    DATABASE_URL: flags.databaseUrl,
    TUNELAB_DATA_DIR: flags.dataDir,
    TUNELAB_DATASET_MAX_BYTES: flags.datasetMaxBytes,
    TUNELAB_UPLOAD_MAX_BYTES: flags.uploadMaxBytes,
    TUNELAB_UPLOAD_INFLIGHT_MAX_BYTES: flags.uploadInflightMaxBytes,
    LOG_LEVEL: flags.logLevel,
    TUNELAB_LEASE_MS: flags.leaseMs,
    TUNELAB_RETRY_BASE_MS: flags.retryBaseMs,
    TUNELAB_RETRY_MAX_MS: flags.retryMaxMs,
    TUNELAB_PUBLIC_URL: flags.publicUrl,
    TUNELAB_METRICS_CACHE_POINTS: flags.metricsCachePoints,
    TUNELAB_ANSWER_CACHE_BYTES: flags.answerCacheBytes,
  });
  // Everything the server writes (the embedded database, the admin key) is the owner's only.
  process.umask(0o077);
  const server = await startServer(config);
  // The one line a person looks for, whatever the log level.
  process.stdout.write(`Tunelab is running at ${server.url}\n`);
  // A new admin key without a file to keep it in (DATABASE_URL): shown once, on a line of its own, never
  // inside a log record.
  if (server.adminKey && !server.adminKeyFile)
    process.stderr.write(`Admin API key (shown once, read-write): ${server.adminKey}\n`);
  const stop = (signal: string) => {
    server.logger.info({ signal }, "signal received");
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        server.logger.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  // A second signal while draining joins the same close().
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`tunelab-server failed to start: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
