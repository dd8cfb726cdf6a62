import {
  type DocumentNode,
  type FragmentDefinitionNode,
  GraphQLError,
  type GraphQLSchema,
  Kind,
  type SelectionSetNode,
} from "graphql";
import { type ComplexityEstimator, getComplexity } from "graphql-query-complexity";
import { defaultPageSize } from "../api/connection.js";

/**
 * Query cost limits, applied after validation and before execution on both transports (the Apollo plugin
 * below for HTTP, auth/ws.ts for graphql-ws). A refused operation gets `extensions.code` QUERY_TOO_DEEP or
 * QUERY_TOO_COMPLEX (HTTP 400) and the limit in `extensions`.
 */
export interface QueryLimits {
  /** Deepest field nesting (a root field is depth 1); introspection (`__schema`, `__type`) is not counted. */
  maxDepth: number;
  /** Estimated fields resolved: each field costs 1, a field with a `first` argument multiplies its children. */
  maxComplexity: number;
}

export const defaultQueryLimits: QueryLimits = { maxDepth: 12, maxComplexity: 20_000 };

/** The depth of the deepest field of an operation, following fragments. */
export function queryDepth(document: DocumentNode, operationName?: string | null): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions)
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const depthOf = (set: SelectionSetNode, visiting: Set<string>): number => {
    let deepest = 0;
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) {
        if (s.name.value === "__schema" || s.name.value === "__type") continue;
        deepest = Math.max(deepest, 1 + (s.selectionSet ? depthOf(s.selectionSet, visiting) : 0));
      } else if (s.kind === Kind.INLINE_FRAGMENT) {
        deepest = Math.max(deepest, depthOf(s.selectionSet, visiting));
      } else {
        const name = s.name.value;
        const fragment = fragments.get(name);
        // A cycle is refused by validation (NoFragmentCycles); here it only must not loop.
        if (!fragment || visiting.has(name)) continue;
        deepest = Math.max(deepest, depthOf(fragment.selectionSet, new Set([...visiting, name])));
      }
    }
    return deepest;
  };
  let deepest = 0;
  for (const d of document.definitions) {
    if (d.kind !== Kind.OPERATION_DEFINITION) continue;
    if (operationName && d.name?.value !== operationName) continue;
    deepest = Math.max(deepest, depthOf(d.selectionSet, new Set()));
  }
  return deepest;
}

/** 1 per field; a field taking `first` (a Relay connection or a preview list) multiplies its children by it. */
const pagedEstimator: ComplexityEstimator = ({ field, args, childComplexity }) => {
  if (!field.args.some((a) => a.name === "first")) return 1 + childComplexity;
  const first = typeof args.first === "number" && args.first > 0 ? args.first : defaultPageSize;
  return 1 + childComplexity * first;
};

/** The errors that refuse an operation (empty when it is within the limits). */
export function checkQueryLimits(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
  limits: QueryLimits = defaultQueryLimits,
): GraphQLError[] {
  const depth = queryDepth(document, operationName);
  if (depth > limits.maxDepth) {
    return [
      new GraphQLError(`query is ${depth} levels deep; the limit is ${limits.maxDepth}`, {
        extensions: { code: "QUERY_TOO_DEEP", depth, maxDepth: limits.maxDepth, http: { status: 400 } },
      }),
    ];
  }
  let complexity: number;
  try {
    complexity = getComplexity({
      schema,
      query: document,
      variables: variables ?? {},
      operationName: operationName ?? undefined,
      estimators: [pagedEstimator],
    });
  } catch {
    // Bad variables: execution reports them with the field named.
    return [];
  }
  if (complexity > limits.maxComplexity) {
    return [
      new GraphQLError(
        `query complexity ${complexity} exceeds the limit of ${limits.maxComplexity}; ask for fewer items (first) or fields`,
        {
          extensions: {
            code: "QUERY_TOO_COMPLEX",
            complexity,
            maxComplexity: limits.maxComplexity,
            http: { status: 400 },
          },
        },
      ),
    ];
  }
  return [];
}

/** Apollo plugin: refuses an operation over the limits before it executes. */
export function queryLimitsPlugin(schema: GraphQLSchema, limits: QueryLimits = defaultQueryLimits) {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation(rc: {
          document: DocumentNode;
          operationName: string | null;
          request: { variables?: Record<string, unknown> };
        }) {
          const [error] = checkQueryLimits(
            schema,
            rc.document,
            rc.operationName,
            rc.request.variables,
            limits,
          );
          if (error) throw error;
        },
      };
    },
  };
}
