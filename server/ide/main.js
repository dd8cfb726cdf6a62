// The in-browser GraphQL IDE served at GET /graphql. Bundled by scripts/build-ide.mjs with everything it
// needs, so it works with no network but the server's own.
import { GraphiQL } from "graphiql";
import "graphiql/style.css";
import { getOperationAST, parse } from "graphql";
import { createClient } from "graphql-ws";
import { createElement } from "react";
import { createRoot } from "react-dom/client";

const httpUrl = `${location.origin}/graphql`;
const wsUrl = httpUrl.replace(/^http/, "ws");
const ws = createClient({ url: wsUrl, lazy: true });

function isSubscription(params) {
  try {
    return getOperationAST(parse(params.query), params.operationName)?.operation === "subscription";
  } catch {
    return false;
  }
}

// Queries and mutations over HTTP, subscriptions over graphql-ws on the same path.
function fetcher(params, options) {
  if (isSubscription(params)) return ws.iterate(params);
  return fetch(httpUrl, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json", ...options?.headers },
    body: JSON.stringify(params),
  }).then((response) => response.json());
}

createRoot(document.getElementById("graphiql")).render(
  createElement(GraphiQL, { fetcher, defaultEditorToolsVisibility: true }),
);
