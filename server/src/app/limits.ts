import {
  type DocumentNode,
  type FragmentDefinitionNode,
  GraphQLError,
  type GraphQLSchema,
  getNamedType,
  getNullableType,
  isCompositeType,
  isListType,
  Kind,
  type SelectionSetNode,
} from "graphql";
import {
  type ComplexityEstimator,
  type ComplexityEstimatorArgs,
  fieldExtensionsEstimator,
  getComplexity,
} from "graphql-query-complexity";
import { METHOD_CATALOG } from "@tunelab/core";
import { defaultPageSize } from "../api/connection.js";
import type { Auth } from "../auth/guards.js";
import { maxVariants } from "../experiments/plan.js";

/**
 * Query cost limits, applied after validation and before execution on both transports (the Apollo plugin
 * below for HTTP, auth/ws.ts for graphql-ws). A refused operation gets `extensions.code` QUERY_TOO_DEEP or
 * QUERY_TOO_COMPLEX (HTTP 400) and the limit in `extensions`.
 */
export interface QueryLimits {
  /** Deepest field nesting (a root field is depth 1); introspection (`__schema`, `__type`) is not counted. */
  maxDepth: number;
  /**
   * The cost an API key or a runner may ask for: each field costs 1 and a list multiplies its children by
   * what it can return (`first`, a field's `listCost` bound, else `defaultListBound`); `metrics` is priced
   * by the points it returns. See `priceOf` below.
   */
  maxComplexity: number;
  /** The cost an anonymous operation may ask for (only the calculators are open to anonymous callers). */
  maxAnonymousComplexity?: number;
}

export const defaultQueryLimits: QueryLimits = {
  maxDepth: 12,
  maxComplexity: 50_000,
  maxAnonymousComplexity: 5_000,
};

/** The cost cap for this caller. */
export function complexityLimitFor(auth: Auth | undefined, limits: QueryLimits): number {
  if (auth && auth.kind !== "anonymous") return limits.maxComplexity;
  return Math.min(
    limits.maxComplexity,
    limits.maxAnonymousComplexity ?? defaultQueryLimits.maxAnonymousComplexity!,
  );
}

/** What a list of objects without a `first` argument and without its own bound is assumed to return. */
export const defaultListBound = 20;

/**
 * A list field's real bound (type-graphql: `@Extensions(listCost(50))`): its children are counted that
 * many times. A list priced by its parent (a series' points, by `metrics`) takes `listCost(1)`.
 */
export function listCost(bound: number) {
  return { complexity: ({ childComplexity }: ComplexityEstimatorArgs) => 1 + bound * childComplexity };
}

/** A field whose resolver does real work (core's arithmetic) beyond its fields: `weight` more per call. */
export function workCost(weight: number) {
  return { complexity: ({ childComplexity }: ComplexityEstimatorArgs) => 1 + weight + childComplexity };
}

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

/**
 * 1 per field; a field taking `first` (a Relay connection or a preview list) multiplies its children by it;
 * any other list of objects by `defaultListBound` (a connection's `edges` are already priced by `first`).
 */
const pagedEstimator: ComplexityEstimator = ({ type, field, args, childComplexity }) => {
  if (field.args.some((a) => a.name === "first")) {
    const first = typeof args.first === "number" && args.first > 0 ? args.first : defaultPageSize;
    return 1 + childComplexity * first;
  }
  const returns = getNullableType(field.type);
  const isConnectionEdges = field.name === "edges" && type.name.endsWith("Connection");
  if (isListType(returns) && isCompositeType(getNamedType(returns)) && !isConnectionEdges)
    return 1 + childComplexity * defaultListBound;
  return 1 + childComplexity;
};

/**
 * `metrics`: one series per (run, key) (every key of a run when `keys` is omitted: counted as
 * `defaultKeysPerRun`), each with its fields and `maxPoints` points (a point costs 1/20: it is a row of
 * one downsampling statement, not a resolver call).
 */
export const defaultKeysPerRun = 10;
export const metricsCost = {
  complexity: ({ args, childComplexity }: ComplexityEstimatorArgs) => {
    const runs = Array.isArray(args.runIds) ? args.runIds.length : 1;
    const keys = Array.isArray(args.keys) ? args.keys.length : defaultKeysPerRun;
    const maxPoints = typeof args.maxPoints === "number" ? args.maxPoints : 1000;
    return 1 + runs * keys * (childComplexity + Math.ceil(maxPoints / 20));
  },
};

/** Runs one experiment may have (one per variant): what `Experiment.runs` and `compare(experimentId)` cost. */
export const maxRunsPerExperiment = maxVariants;

/** `compare`: one row per run asked for, or per run of the experiment. */
export const compareCost = {
  complexity: ({ args, childComplexity }: ComplexityEstimatorArgs) =>
    1 + (Array.isArray(args.runIds) ? args.runIds.length : maxRunsPerExperiment) * childComplexity,
};

/**
 * `fit`: the estimates it computes — every cell of each method's grid, twice (without and with gradient
 * checkpointing), plus a few per row for the largest-batch search — at `fitWorkPerEstimate` each, and its
 * answer's fields once (its lists are bounded by these same arguments: `listCost(1)` on them). The defaults
 * (every method, 4 batch sizes, 3 lengths) are what `fit` fills in: about 3,400, within an anonymous caller's cap.
 */
export const fitWorkPerEstimate = 10;
export const fitCost = {
  complexity: ({ args, childComplexity }: ComplexityEstimatorArgs) => {
    const input = (args.input ?? {}) as { methods?: unknown; batchSizes?: unknown; seqLens?: unknown };
    const count = (list: unknown, fallback: number) => (Array.isArray(list) ? list.length : fallback);
    const methods = count(input.methods, METHOD_CATALOG.length);
    const rows = 2 * methods * count(input.seqLens, 3);
    const estimates = rows * (count(input.batchSizes, 4) + 3);
    return 1 + estimates * fitWorkPerEstimate + childComplexity;
  },
};

/** Fields (aliases and fragment spreads included) the cost walk visits before refusing outright. */
const maxQueryNodes = 10_000;

/** The errors that refuse an operation (empty when it is within the limits). */
export function checkQueryLimits(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
  limits: QueryLimits = defaultQueryLimits,
  auth?: Auth,
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
      estimators: [fieldExtensionsEstimator(), pagedEstimator],
      maxQueryNodes,
    });
  } catch (error) {
    // More nodes than the library walks (an alias flood): refused like any other costly operation.
    if (String((error as Error).message).includes("maximum allowed number of nodes")) {
      return [
        new GraphQLError(`query has more than ${maxQueryNodes} fields and aliases; send fewer`, {
          extensions: { code: "QUERY_TOO_COMPLEX", maxQueryNodes, http: { status: 400 } },
        }),
      ];
    }
    // Bad variables: execution reports them with the field named.
    return [];
  }
  const maxComplexity = complexityLimitFor(auth, limits);
  if (complexity > maxComplexity) {
    const who = auth && auth.kind !== "anonymous" ? "" : " for an anonymous caller";
    return [
      new GraphQLError(
        `query cost ${complexity} exceeds the limit of ${maxComplexity}${who}; ask for fewer items (first, runIds, keys, maxPoints), fewer aliases or fields`,
        {
          extensions: {
            code: "QUERY_TOO_COMPLEX",
            complexity,
            maxComplexity,
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
          contextValue: { auth?: Auth };
        }) {
          const [error] = checkQueryLimits(
            schema,
            rc.document,
            rc.operationName,
            rc.request.variables,
            limits,
            rc.contextValue.auth,
          );
          if (error) throw error;
        },
      };
    },
  };
}
