import {
  type DocumentNode,
  type GraphQLSchema,
  getNamedType,
  getOperationAST,
  parse,
  TypeInfo,
  visit,
  visitWithTypeInfo,
} from "graphql";
import { LRUCache } from "lru-cache";
import { operationLabel } from "../metrics.js";

/**
 * Types whose values change without a mutation or an event (heartbeats renew leases and a runner's last
 * heartbeat; a key's last use is bumped on reads), or that are per-caller or live (playground sessions): an
 * answer that shows one is never cached.
 */
const volatileTypes = new Set([
  "ApiKey",
  "RegistrationToken",
  "Runner",
  "RunnerDevice",
  "RunAttempt",
  "Job",
  "JobEvent",
  "JobDatasetRow",
  "HeartbeatResult",
  "PlaygroundSession",
  "PlaygroundOutput",
]);

export type OperationVerdict =
  | { cacheable: true; label: string }
  | { cacheable: false; reason: "not a query" | "volatile" | "unparsable" };

/**
 * Whether the answer to (query, operationName) may be cached: a query (not a mutation or subscription)
 * that selects no volatile type. Memoised by the query text, so a dashboard's few queries are parsed
 * once; validation stays Apollo's (an invalid query fails there and errors are never cached).
 */
export class CacheableOperations {
  private readonly verdicts = new LRUCache<string, OperationVerdict>({ max: 1000 });

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly maxTokens: number,
  ) {}

  of(query: string, operationName: string | undefined): OperationVerdict {
    const key = `${operationName ?? ""}\n${query}`;
    let verdict = this.verdicts.get(key);
    if (!verdict) {
      verdict = this.judge(query, operationName);
      this.verdicts.set(key, verdict);
    }
    return verdict;
  }

  private judge(query: string, operationName: string | undefined): OperationVerdict {
    let document: DocumentNode;
    try {
      document = parse(query, { maxTokens: this.maxTokens });
    } catch {
      return { cacheable: false, reason: "unparsable" };
    }
    const operation = getOperationAST(document, operationName);
    if (operation?.operation !== "query") return { cacheable: false, reason: "not a query" };
    const typeInfo = new TypeInfo(this.schema);
    let volatile = false;
    // The whole document: fragments an operation spreads are in it, and one volatile type anywhere is enough.
    visit(
      document,
      visitWithTypeInfo(typeInfo, {
        Field() {
          const type = typeInfo.getType();
          if (type && volatileTypes.has(getNamedType(type).name)) volatile = true;
        },
      }),
    );
    return volatile
      ? { cacheable: false, reason: "volatile" }
      : { cacheable: true, label: operationLabel(operation) };
  }
}
