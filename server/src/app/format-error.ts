import type { GraphQLFormattedError } from "graphql";
import type { Logger } from "./logger.js";
import { currentRequestId } from "./request-id.js";

/**
 * Coded errors pass through. Unexpected ones are logged with their stack and answered without internals.
 * graphql-js reports a bad variable value as `… at "input.format"; …`: name the field for the client.
 */
export function formatError(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = formatted.extensions?.code;
    if (code === "INTERNAL_SERVER_ERROR") {
      const requestId = currentRequestId();
      logger.error({ err: error, requestId }, "unexpected error in a GraphQL operation");
      return {
        message: `internal server error${requestId ? ` (request ${requestId})` : ""}; see the server log`,
        locations: formatted.locations,
        path: formatted.path,
        extensions: { code, ...(requestId ? { requestId } : {}) },
      };
    }
    if (code === "BAD_USER_INPUT" && formatted.extensions?.field === undefined) {
      // `at "input.points[0].step"` names the leaf; a whole variable (`$maxPoints`) is named by itself.
      const path =
        /got invalid value .* at "([^"]+)"/.exec(formatted.message)?.[1] ??
        /^Variable "\$(\w+)" got invalid value/.exec(formatted.message)?.[1];
      if (path)
        return { ...formatted, extensions: { ...formatted.extensions, field: path.split(".").pop() } };
    }
    return formatted;
  };
}
