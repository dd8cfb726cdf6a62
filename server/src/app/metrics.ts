import type { ApolloServerPlugin } from "@apollo/server";
import { Kind, type OperationDefinitionNode } from "graphql";
import { Counter, collectDefaultMetrics, Histogram, Registry } from "prom-client";
import type { AnswerCacheObserver } from "./answer-cache/answer-cache.js";

/**
 * The `operation` label, from a closed set: the schema's root field the operation asks for ("metrics"),
 * "multiple" for several, "other" when there is none to name (a parse or validation error). Never the
 * client's operation name: anyone could grow /metrics without bound with new names.
 */
export function operationLabel(operation: OperationDefinitionNode | undefined): string {
  if (!operation) return "other";
  const fields = new Set<string>();
  for (const s of operation.selectionSet.selections) {
    if (s.kind !== Kind.FIELD) return "multiple";
    if (s.name.value !== "__typename") fields.add(s.name.value);
  }
  if (fields.size > 1) return "multiple";
  return [...fields][0] ?? "other";
}

/** One registry per server, so several servers in one process (tests) do not share counters. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: "tunelab_graphql_requests_total",
    help: "GraphQL operations executed, by root field (operationLabel), type and outcome.",
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

  const answers = new Counter({
    name: "tunelab_graphql_answer_cache_total",
    help: "HTTP queries by what the answer cache did: served a kept answer (hit), computed one (miss), or could not keep one (bypass: a volatile type); refresh: a kept answer recomputed in the background.",
    labelNames: ["result"] as const,
    registers: [registry],
  });
  /** The answer cache's verdict; a hit never reaches Apollo, so it is counted and timed here. */
  const observeAnswerCache: AnswerCacheObserver = (result, label, startedAt) => {
    answers.inc({ result });
    if (result !== "hit") return;
    const labels = { operation: label ?? "other", type: "query" };
    duration.observe(labels, (performance.now() - startedAt) / 1000);
    requests.inc({ ...labels, outcome: "ok" });
  };

  const plugin: ApolloServerPlugin = {
    async requestDidStart() {
      const stopTimer = duration.startTimer();
      return {
        async willSendResponse({ operation, errors }) {
          const labels = { operation: operationLabel(operation), type: operation?.operation ?? "unknown" };
          stopTimer(labels);
          requests.inc({ ...labels, outcome: errors && errors.length > 0 ? "error" : "ok" });
        },
      };
    },
  };
  return { registry, plugin, observeAnswerCache };
}
