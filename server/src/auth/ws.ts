import {
  type ExecutionArgs,
  GraphQLError,
  type GraphQLSchema,
  parse,
  specifiedRules,
  validate,
} from "graphql";
import type { ServerOptions } from "graphql-ws";
import type { Extra } from "graphql-ws/use/ws";
import { type QueryLimits, checkQueryLimits, defaultQueryLimits } from "../app/limits.js";
import type { RequestLimits } from "../app/request-limits.js";
import type { Authenticator } from "./authenticate.js";
import { type Connections, revokedCloseCode } from "./connections.js";
import type { Auth } from "./guards.js";

/** Close code for a connection_init with a bad credential (the reason says what was wrong). */
export const unauthorizedCloseCode = 4401;

/**
 * graphql-ws options with auth: the credential in `connectionParams.authorization` is resolved once on
 * connect (a bad one closes the socket with 4401 and the reason); each operation re-checks that it was not
 * revoked since, validates, applies the query limits and runs with a context built for that Auth.
 */
export function graphqlWsOptions<C>(options: {
  schema: GraphQLSchema;
  authenticator: Authenticator;
  connections: Connections;
  createContext: (auth: Auth) => C;
  limits?: QueryLimits;
  requestLimits: Pick<RequestLimits, "maxSubscriptions" | "maxTokens">;
}): ServerOptions<Record<string, unknown>, Extra> {
  const { schema, authenticator, connections, createContext, requestLimits } = options;
  const limits = options.limits ?? defaultQueryLimits;
  const auths = new WeakMap<object, Auth>();
  return {
    schema,
    onConnect: async (ctx) => {
      try {
        const auth = await authenticator.fromHeader(ctx.connectionParams?.authorization);
        auths.set(ctx.extra, auth);
        connections.add(ctx.extra.socket, auth);
        return true;
      } catch (error) {
        const reason = error instanceof GraphQLError ? error.message : "authentication failed";
        ctx.extra.socket.close(unauthorizedCloseCode, `Unauthorized: ${reason}`.slice(0, 120));
        return false;
      }
    },
    onClose: (ctx) => {
      connections.remove(ctx.extra.socket);
    },
    onSubscribe: async (ctx, id, payload): Promise<ExecutionArgs | readonly GraphQLError[]> => {
      // Counted before the first await: graphql-ws lists an operation (this one too) as soon as its message
      // arrives, so after an await the count would include operations that arrived later and are still being
      // set up — a burst of 101 kept 12 and refused 89 — and counting this one kept 99.
      const others = Object.keys(ctx.subscriptions).filter((other) => other !== id).length;
      const auth = auths.get(ctx.extra) ?? { kind: "anonymous" };
      if (!(await authenticator.stillValid(auth))) {
        const what = auth.kind === "runner" ? "runner" : "API key";
        ctx.extra.socket.close(revokedCloseCode, `${what} revoked`);
        return [
          new GraphQLError(`this ${what} has been revoked`, { extensions: { code: "UNAUTHENTICATED" } }),
        ];
      }
      if (others >= requestLimits.maxSubscriptions) {
        return [
          new GraphQLError(
            `this connection already has ${requestLimits.maxSubscriptions} operations open, the most one connection may have`,
            { extensions: { code: "TOO_MANY_SUBSCRIPTIONS", limit: requestLimits.maxSubscriptions } },
          ),
        ];
      }
      let document: ExecutionArgs["document"];
      try {
        document = parse(payload.query, { maxTokens: requestLimits.maxTokens });
      } catch (error) {
        return [error instanceof GraphQLError ? error : new GraphQLError("could not parse the query")];
      }
      const invalid = validate(schema, document, specifiedRules);
      if (invalid.length > 0) return invalid;
      const refused = checkQueryLimits(
        schema,
        document,
        payload.operationName,
        payload.variables,
        limits,
        auth,
      );
      if (refused.length > 0) return refused;
      return {
        schema,
        document,
        operationName: payload.operationName,
        variableValues: payload.variables,
        contextValue: createContext(auth),
      };
    },
  };
}
