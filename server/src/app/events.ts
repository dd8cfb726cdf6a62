import { createPubSub } from "@graphql-yoga/subscription";
import type { Dataset } from "../datasets/dataset.entity.js";
import type { MetricPoint } from "../metrics/metric-point.type.js";

/**
 * Topic → payload of the events subscriptions listen to. In-process for now; when several server
 * processes share one database this becomes PostgreSQL LISTEN/NOTIFY behind the same interface.
 */
export type EventMap = {
  DATASET_CREATED: [Dataset];
  /** New QUEUED runs exist (created, retried, requeued): dispatch claims them. */
  RUNS_QUEUED: [{ runIds: string[] }];
  /** A run changed (status, result, cancel request); runUpdated(experimentId) re-reads it. */
  RUN_UPDATED: [{ runId: string; experimentId: string | null }];
  /** cancelRun on an ASSIGNED/RUNNING run: dispatch tells the runner holding the job. */
  RUN_CANCEL_REQUESTED: [{ runId: string; jobId: string | null; runnerId: string | null; reason: string }];
  /** Points reportMetrics stored (duplicates left out), for metricsAppended(runId). */
  METRICS_APPENDED: [{ runId: string; points: MetricPoint[] }];
};

export type Events = ReturnType<typeof createEvents>;

export function createEvents() {
  return createPubSub<EventMap>();
}
