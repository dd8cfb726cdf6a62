import "reflect-metadata";
import type { GraphQLSchema } from "graphql";
import { buildSchema } from "type-graphql";
import { AdapterResolver } from "../adapters/adapter.resolver.js";
import type { AdapterService } from "../adapters/adapter.service.js";
import { EvaluateResolver } from "../adapters/evaluate.resolver.js";
import type { EvaluationService } from "../adapters/evaluate.service.js";
import { ApiKeyResolver } from "../auth/api-key.resolver.js";
import type { ApiKeyService } from "../auth/api-key.service.js";
import { ArtifactFileResolver, ArtifactResolver } from "../artifacts/artifact.resolver.js";
import { BaseModelResolver } from "../base-models/base-model.resolver.js";
import type { BaseModelService } from "../base-models/base-model.service.js";
import { DatasetResolver } from "../datasets/dataset.resolver.js";
import { ExperimentResolver } from "../experiments/experiment.resolver.js";
import type { ExperimentService } from "../experiments/experiment.service.js";
import { MetricSeriesResolver } from "../metrics/metric-series.resolver.js";
import { MetricsResolver } from "../metrics/metrics.resolver.js";
import type { MetricsService } from "../metrics/metrics.service.js";
import { ParetoResolver } from "../metrics/pareto.resolver.js";
import { ParetoService } from "../metrics/pareto.service.js";
import { RunnerResolver } from "../runners/runner.resolver.js";
import type { RunnerService } from "../runners/runner.service.js";
import { RunResolver } from "../runs/run.resolver.js";
import type { RunService } from "../runs/run.service.js";
import { EstimateResolver } from "../estimates/estimate.resolver.js";
import { FitResolver } from "../fit/fit.resolver.js";
import { FitService } from "../fit/fit.service.js";
import { JobResolver } from "../jobs/job.resolver.js";
import { PlaygroundOutputResolver, PlaygroundResolver } from "../playground/playground.resolver.js";
import type { PlaygroundService } from "../playground/playground.service.js";
import type { JobService } from "../jobs/job.service.js";
import type { DatasetService } from "../datasets/dataset.service.js";
import { sanitizeArguments } from "../api/sanitize.js";
import { createEvents, type Events } from "./events.js";

/** The services resolvers delegate to; one instance of each per server. */
export interface Services {
  datasets: DatasetService;
  baseModels: BaseModelService;
  experiments: ExperimentService;
  runs: RunService;
  metrics: MetricsService;
  apiKeys: ApiKeyService;
  runners: RunnerService;
  adapters: AdapterService;
  /** evaluateAdapters: EVALUATION experiments of existing adapters. */
  evaluations: EvaluationService;
  /** The runner protocol: heartbeat, startJob, reportMetrics, uploads, completeJob, failJob. */
  jobs: JobService;
  playground: PlaygroundService;
}

/**
 * Every resolver, built with its service. A new resolver class is added here (and its service to
 * Services); type-graphql asks this map for the instance that answers a field.
 */
function resolverInstances(services: Services) {
  return new Map<abstract new (...args: never) => unknown, object>([
    [DatasetResolver, new DatasetResolver(services.datasets)],
    [BaseModelResolver, new BaseModelResolver(services.baseModels)],
    [ExperimentResolver, new ExperimentResolver(services.experiments, services.runs)],
    [RunResolver, new RunResolver(services.runs)],
    [MetricsResolver, new MetricsResolver(services.metrics)],
    [MetricSeriesResolver, new MetricSeriesResolver()],
    [ParetoResolver, new ParetoResolver(new ParetoService(services.metrics))],
    [AdapterResolver, new AdapterResolver(services.adapters)],
    [EvaluateResolver, new EvaluateResolver(services.evaluations)],
    [ArtifactResolver, new ArtifactResolver()],
    [ArtifactFileResolver, new ArtifactFileResolver()],
    [EstimateResolver, new EstimateResolver()],
    // Reads only through the base model and runner services: built here from them.
    [FitResolver, new FitResolver(new FitService(services.baseModels, services.runners))],
    [ApiKeyResolver, new ApiKeyResolver(services.apiKeys)],
    [RunnerResolver, new RunnerResolver(services.runners)],
    [JobResolver, new JobResolver(services.jobs)],
    [PlaygroundResolver, new PlaygroundResolver(services.playground)],
    [PlaygroundOutputResolver, new PlaygroundOutputResolver()],
  ]);
}

export const resolvers = [
  DatasetResolver,
  EstimateResolver,
  FitResolver,
  BaseModelResolver,
  ExperimentResolver,
  RunResolver,
  MetricsResolver,
  MetricSeriesResolver,
  ParetoResolver,
  AdapterResolver,
  EvaluateResolver,
  ArtifactResolver,
  ArtifactFileResolver,
  ApiKeyResolver,
  RunnerResolver,
  JobResolver,
  PlaygroundResolver,
  PlaygroundOutputResolver,
] as const;

export async function buildAppSchema(services: Services, events: Events): Promise<GraphQLSchema> {
  const instances = resolverInstances(services);
  const schema = await buildSchema({
    resolvers,
    pubSub: events,
    validate: false,
    container: {
      get: (resolverClass: abstract new (...args: never) => unknown) => {
        const instance = instances.get(resolverClass);
        if (!instance) throw new Error(`resolver ${resolverClass.name} is missing from resolverInstances`);
        return instance;
      },
    },
  });
  sanitizeArguments(schema);
  return schema;
}

/** The schema's shape alone (emit:schema, check:schema): resolvers without services never run. */
export function buildSchemaShape(): Promise<GraphQLSchema> {
  return buildAppSchema({} as Services, createEvents());
}
