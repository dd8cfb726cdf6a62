import type { ApolloServerPlugin } from "@apollo/server";
import { Counter, collectDefaultMetrics, Histogram, Registry } from "prom-client";

/** One registry per server, so several servers in one process (tests) do not share counters. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: "tunelab_graphql_requests_total",
    help: "GraphQL operations executed, by operation name, type and outcome.",
    labelNames: ["operation", "type", "outcome"] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "tunelab_graphql_request_duration_seconds",
    help: "Time from receiving a GraphQL operation to sending its response.",
    labelNames: ["operation", "type"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });

  const plugin: ApolloServerPlugin = {
    async requestDidStart() {
      const stopTimer = duration.startTimer();
      return {
        async willSendResponse({ operationName, operation, errors }) {
          const labels = { operation: operationName ?? "anonymous", type: operation?.operation ?? "unknown" };
          stopTimer(labels);
          requests.inc({ ...labels, outcome: errors && errors.length > 0 ? "error" : "ok" });
        },
      };
    },
  };
  return { registry, plugin };
}
