import "reflect-metadata";
import { chmodSync, mkdirSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { ApolloServer, HeaderMap } from "@apollo/server";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from "@apollo/server/plugin/disabled";
import { expressMiddleware } from "@as-integrations/express5";
import express from "express";
import { WebSocketServer } from "ws";
import { adminKeyFilePath, ensureAdminKey, writeAdminKeyFile } from "../auth/admin-key.js";
import { ApiKeyService } from "../auth/api-key.service.js";
import { Authenticator } from "../auth/authenticate.js";
import { Connections } from "../auth/connections.js";
import type { Auth } from "../auth/guards.js";
import { graphqlWsOptions } from "../auth/ws.js";
import type { ServerConfig } from "../config.js";
import { RunnerService } from "../runners/runner.service.js";
import { adapterZipRoutes } from "../adapters/download-zip.route.js";
import { artifactRoutes } from "../artifacts/download.route.js";
import { BaseModelService } from "../base-models/base-model.service.js";
import { exportRoutes } from "../export/export.route.js";
import { ReportService } from "../export/report.service.js";
import { AdapterService } from "../adapters/adapter.service.js";
import { PlaygroundService } from "../playground/playground.service.js";
import { EvaluationService } from "../adapters/evaluate.service.js";
import { DatasetService } from "../datasets/dataset.service.js";
import { ExperimentService } from "../experiments/experiment.service.js";
import { MetricsService } from "../metrics/metrics.service.js";
import { RunService } from "../runs/run.service.js";
import { Database, type DatabaseTarget, pgliteDataDir } from "../db/database.js";
import { Dispatcher } from "../dispatch/dispatcher.js";
import { JobService } from "../jobs/job.service.js";
import { uploadRoutes } from "../uploads/upload.route.js";
import { defaultUploadLimits, UploadService } from "../uploads/upload.service.js";
import type { RequestContext } from "./context.js";
import { bridgeEventsToPostgres, createEvents, type Events } from "./events.js";
import { formatError } from "./format-error.js";
import { subscribeDistinct } from "./distinct-results.js";
import { authOfResponse, graphqlBody } from "./graphql-body.js";
import { serveGraphqlWs } from "./graphql-ws-server.js";
import { requestLimits } from "./request-limits.js";
import { healthRoutes } from "./health.js";
import { errorBodyHandler, requestIdMiddleware } from "./request-id.js";
import { ideRoutes } from "./ide.js";
import { webRoutes } from "./web.js";
import { AnswerCache } from "./answer-cache/answer-cache.js";
import { CacheableOperations } from "./answer-cache/cacheable-operation.js";
import { AnswerGenerations } from "./answer-cache/generations.js";
import { answerInvalidationPlugin, invalidateAfterMutation } from "./answer-cache/invalidate-on-mutation.js";
import { getOperationAST } from "graphql";
import { queryLimitsPlugin } from "./limits.js";
import { createLogger, type Logger } from "./logger.js";
import { createMetrics } from "./metrics.js";
import { buildAppSchema, type Services } from "./schema.js";

export interface RunningServer {
  /** http://host:port/graphql; the same URL answers graphql-ws over ws://. */
  url: string;
  port: number;
  logger: Logger;
  /** The server's database, for tests that inspect what was stored. */
  db: Database;
  /** The admin API key when this start created it (first start on an empty database), else undefined. */
  adminKey: string | undefined;
  /** `<dataDir>/admin-key` on the embedded (PGlite) database: where the first start wrote the admin key. */
  adminKeyFile: string | undefined;
  /** The server's pub/sub (cross-process on PostgreSQL), for tests that publish as a service would. */
  events: Events;
  /** Stops accepting, closes subscriptions (1001), finishes in-flight requests, closes the database. */
  close(): Promise<void>;
}

/**
 * The age after which a cached GraphQL answer is recomputed (app/answer-cache): writes invalidate at once;
 * this bounds what only the clock changes (a running run's duration) and writes that announce nothing.
 */
const defaultAnswerMaxAgeMs = 10_000;

export function databaseTarget(config: ServerConfig): DatabaseTarget {
  return config.databaseUrl
    ? { driver: "pg", url: config.databaseUrl }
    : { driver: "pglite", dataDir: pgliteDataDir(config.dataDir) };
}

/**
 * Starts the whole server: database (migrated) → services → schema → Apollo + graphql-ws on one HTTP
 * server → listen. Resolves once it accepts connections.
 */
export async function startServer(config: ServerConfig): Promise<RunningServer> {
  const logger = createLogger(config.logLevel);
  // Tunelab's data folder (the embedded database and the admin key live in it) closed to others; the folder
  // itself only: what is in it is Tunelab's own files, each made owner-only by whoever writes it
  if (!config.databaseUrl) {
    mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    chmodSync(config.dataDir, 0o700);
  }
  const db = await Database.open(databaseTarget(config));
  try {
    return await serve(config, db, logger);
  } catch (error) {
    await db.close();
    throw error;
  }
}

async function serve(config: ServerConfig, db: Database, logger: Logger): Promise<RunningServer> {
  const events = createEvents();
  const dispatchConfig = {
    leaseMs: config.leaseMs,
    retryBaseMs: config.retryBaseMs,
    retryMaxMs: config.retryMaxMs,
  };
  const dispatcher = new Dispatcher(db, events, dispatchConfig, logger);
  const generations = new AnswerGenerations();
  generations.listen(events);
  const authenticator = new Authenticator(db, () => generations.entities);
  const connections = new Connections(db);
  let origin = "";
  const uploads = new UploadService(db, defaultUploadLimits(config));
  const services: Services = {
    datasets: new DatasetService(db, { maxBytes: config.datasetMaxBytes }, events),
    baseModels: new BaseModelService(db, events),
    experiments: new ExperimentService(db, events),
    runs: new RunService(db, events),
    metrics: new MetricsService(db, config.metricsCachePoints),
    jobs: new JobService(db, dispatcher, dispatchConfig),
    adapters: new AdapterService(db),
    playground: new PlaygroundService(db, events),
    evaluations: new EvaluationService(db, events),
    apiKeys: new ApiKeyService(db, connections),
    runners: new RunnerService(db, connections, {
      leaseMs: config.leaseMs,
      publicUrl: () => config.publicUrl ?? origin,
    }),
  };
  const loaders = (): RequestContext["loaders"] => ({
    datasetPreview: services.datasets.previewLoader(),
    people: services.runs.loaders(),
    runnerLiveJobs: services.runners.liveJobsLoader(),
  });
  const createContext = (auth: Auth): RequestContext => {
    const context: RequestContext = {
      auth,
      jobEvents: (runnerId) => dispatcher.subscribe(runnerId),
      loaders: loaders(),
      renewReads: () => {
        context.loaders = loaders();
      },
    };
    return context;
  };
  const schema = await buildAppSchema(services, events);
  const metrics = createMetrics();

  const limits = requestLimits;
  const app = express();
  // A client that trickles its headers is dropped after 10 s (checked every second), not held for minutes.
  const httpServer = createHttpServer({ headersTimeout: 10_000, connectionsCheckingInterval: 1_000 }, app);
  const wsServer = new WebSocketServer({
    server: httpServer,
    path: "/graphql",
    maxPayload: limits.bodyBytes,
  });
  const wsCleanup = serveGraphqlWs(
    {
      ...graphqlWsOptions({
        schema,
        authenticator,
        connections,
        createContext,
        limits: config.queryLimits,
        requestLimits: limits,
      }),
      subscribe: subscribeDistinct,
      // mutations sent over the socket invalidate cached answers as HTTP ones do
      onOperation: (_ctx, _id, _payload, args) => {
        invalidateAfterMutation(generations, events, getOperationAST(args.document, args.operationName));
      },
    },
    wsServer,
    limits,
    logger,
  );
  connections.start(5_000);

  const apollo = new ApolloServer<RequestContext>({
    schema,
    introspection: true,
    // main.ts owns the signals: Apollo's own handler would re-raise SIGTERM before the database is closed.
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: false,
    parseOptions: { maxTokens: limits.maxTokens },
    formatError: formatError(logger),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      // graphql-ws closes every socket with 1001 "Going away" when disposed.
      {
        serverWillStart: async () => ({
          drainServer: async () => {
            await wsCleanup.dispose();
          },
        }),
      },
      ApolloServerPluginLandingPageDisabled(),
      // No HTTP caching of GraphQL answers here; its per-field hook cost ~15% of a large metrics answer.
      ApolloServerPluginCacheControlDisabled(),
      metrics.plugin,
      answerInvalidationPlugin(generations, events),
      queryLimitsPlugin(schema, config.queryLimits),
    ],
  });
  await apollo.start();

  app.disable("x-powered-by");
  // No ETag on res.send's answers: express hashed every GraphQL answer (SHA-1 over a 600 kB metrics
  // answer) for a header no POST client revalidates with. Files set their own (artifacts' sha256).
  app.set("etag", false);
  app.use(requestIdMiddleware);
  app.use(healthRoutes(db, metrics.registry));
  app.use(ideRoutes());
  const authenticate = (header: unknown) => authenticator.fromHeader(header);
  app.use(
    artifactRoutes(db, authenticate),
    adapterZipRoutes(db, authenticate),
    exportRoutes(services.metrics, new ReportService(db, services.metrics), authenticate),
    uploadRoutes(uploads, authenticate),
  );
  const answerCache = new AnswerCache(
    generations,
    new CacheableOperations(schema, limits.maxTokens),
    { maxBytes: config.answerCacheBytes, maxAgeMs: config.answerMaxAgeMs ?? defaultAnswerMaxAgeMs },
    async (body, auth) => {
      const answer = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: {
          method: "POST",
          headers: new HeaderMap([["content-type", "application/json"]]),
          search: "",
          body,
        },
        context: async () => createContext(auth),
      });
      return {
        status: answer.status ?? 200,
        contentType: answer.headers.get("content-type") ?? "application/json; charset=utf-8",
        text: answer.body.kind === "complete" ? answer.body.string : "",
      };
    },
    metrics.observeAnswerCache,
  );
  app.use(
    "/graphql",
    graphqlBody(authenticator, limits),
    answerCache.middleware(authOfResponse),
    expressMiddleware(apollo, {
      context: async ({ req, res }) =>
        createContext(authOfResponse(res) ?? (await authenticator.fromHeader(req.headers.authorization))),
    }),
  );
  app.use(webRoutes({ adminKeyFile: db.driver === "pglite" ? adminKeyFilePath(config.dataDir) : undefined }));
  app.use(errorBodyHandler(logger));

  const adminKey = (await ensureAdminKey(db)) ?? undefined;
  const adminKeyFile = db.driver === "pglite" ? adminKeyFilePath(config.dataDir) : undefined;
  if (adminKey) {
    if (adminKeyFile) writeAdminKeyFile(config.dataDir, adminKey);
    // never the key itself: logs are shipped and kept; main.ts shows it once, outside the log
    logger.warn(
      { adminKeyFile },
      `created the admin API key (ADMIN)${adminKeyFile ? `: in ${adminKeyFile}` : ""}`,
    );
  }

  // On PostgreSQL, events cross processes through LISTEN/NOTIFY (app/events.ts); PGlite is one process.
  // Nothing is published before this point; the bridge's connections are closed if listening fails.
  const bridge = config.databaseUrl
    ? await bridgeEventsToPostgres(events, config.databaseUrl, db, logger)
    : undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      httpServer.once("error", reject);
      httpServer.listen(config.port, config.host, () => resolve());
    });
  } catch (error) {
    await bridge?.close();
    throw error;
  }
  const { port } = httpServer.address() as AddressInfo;
  const host = config.host === "0.0.0.0" || config.host === "::" ? "localhost" : config.host;
  const url = `http://${host}:${port}/graphql`;
  origin = `http://${host}:${port}`;
  logger.info({ url, database: db.driver }, "tunelab server listening");
  dispatcher.start();
  uploads.start(60_000, (error) => logger.error({ err: error }, "deleting expired uploads failed"));

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      logger.info("shutting down: draining requests and subscriptions");
      connections.stop();
      dispatcher.stop();
      uploads.stop();
      generations.stop();
      await apollo.stop();
      await bridge?.close();
      await db.close();
      logger.info("stopped");
    })();
    return closing;
  };
  return { url, port, logger, db, events, adminKeyFile, adminKey, close };
}
