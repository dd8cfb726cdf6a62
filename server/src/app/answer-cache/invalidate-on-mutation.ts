import type { ApolloServerPlugin } from "@apollo/server";
import { Kind, type OperationDefinitionNode } from "graphql";
import type { Events } from "../events.js";
import type { AnswerGenerations } from "./generations.js";

/**
 * Mutations that change only what cached answers never show or track on their own: metric points (their
 * METRICS_APPENDED bumps the run's own generation), heartbeats (leases and a runner's last heartbeat are
 * volatile types) and playground outputs. A runner sends these every few seconds while it trains, so they
 * must not empty the cache of every experiment.
 */
const narrowMutations = new Set(["reportMetrics", "heartbeat", "reportGenerations"]);

function changesEntities(operation: OperationDefinitionNode): boolean {
  return operation.selectionSet.selections.some(
    (s) => s.kind !== Kind.FIELD || (s.name.value !== "__typename" && !narrowMutations.has(s.name.value)),
  );
}

/**
 * After a mutation (committed or not: a refused one costs a few misses, a missed bump would cost a stale
 * answer), before its answer leaves: cached answers computed before it are stale here at once, and in other
 * server processes once DATA_CHANGED crosses (LISTEN/NOTIFY).
 */
export function invalidateAfterMutation(
  generations: AnswerGenerations,
  events: Events,
  operation: OperationDefinitionNode | null | undefined,
): void {
  if (operation?.operation !== "mutation" || !changesEntities(operation)) return;
  generations.bumpEntities();
  events.publish("DATA_CHANGED", {});
}

/** invalidateAfterMutation for every mutation Apollo answers over HTTP. */
export function answerInvalidationPlugin(generations: AnswerGenerations, events: Events): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ operation }) {
          invalidateAfterMutation(generations, events, operation);
        },
      };
    },
  };
}
