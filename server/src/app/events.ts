import { createPubSub } from "@graphql-yoga/subscription";
import type { Dataset } from "../datasets/dataset.entity.js";

/**
 * Topic → payload of the events subscriptions listen to. In-process for now; when several server
 * processes share one database this becomes PostgreSQL LISTEN/NOTIFY behind the same interface.
 */
export type EventMap = {
  DATASET_CREATED: [Dataset];
};

export type Events = ReturnType<typeof createEvents>;

export function createEvents() {
  return createPubSub<EventMap>();
}
