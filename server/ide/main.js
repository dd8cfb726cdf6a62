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
// The credential subscriptions send: the Authorization header of the operation that opened the socket.
let authorization;
const ws = createClient({ url: wsUrl, lazy: true, connectionParams: () => ({ authorization }) });

function isSubscription(params) {
  try {
    return getOperationAST(parse(params.query), params.operationName)?.operation === "subscription";
  } catch {
    return false;
  }
}

// Queries and mutations over HTTP, subscriptions over graphql-ws on the same path.
function fetcher(params, options) {
  if (isSubscription(params)) {
    authorization = options?.headers?.Authorization ?? options?.headers?.authorization;
    return ws.iterate(params);
  }
  return fetch(httpUrl, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json", ...options?.headers },
    body: JSON.stringify(params),
  }).then((response) => response.json());
}

// The dashboard's key (same origin, same localStorage entry), else the embedded server's admin key that
// it gives to local browsers: the headers pane starts filled so a first query just works.
async function apiKey() {
  const stored = localStorage.getItem("tunelab.apiKey");
  if (stored) return stored;
  try {
    const response = await fetch("/api/local-key", { headers: { accept: "application/json" } });
    if (!response.ok) return null;
    const { key } = await response.json();
    return typeof key === "string" ? key : null;
  } catch {
    return null;
  }
}

// A first answer a person recognises: LoRA on Llama-3-8B as it is usually run on one 24 GiB GPU
// (bf16 frozen weights, batch 1 × 1024 tokens, gradient checkpointing) — ~19 GiB, not a data centre.
// server/src/app/ide-example.test.ts runs this query and checks that.
const EXAMPLE = `# Your datasets (needs the API key in the headers pane below), and what LoRA would cost on
# Llama-3-8B on one 24 GiB GPU: nothing runs, core computes it.
{
  datasets(first: 5) { totalCount edges { node { name rowCount } } }
  estimate(
    model: "Llama-3-8B"
    method: { method: "lora", r: 16, target_modules: "all-linear" }
    batchSize: 1
    seqLen: 1024
    dtype: "bfloat16"
    gradientCheckpointing: true
  ) {
    parameters { peftLine }
    memory { frozenWeights trainableWeights gradients optimizerState activations total }
  }
}
`;

apiKey().then((key) => {
  createRoot(document.getElementById("graphiql")).render(
    createElement(GraphiQL, {
      fetcher,
      defaultEditorToolsVisibility: true,
      defaultQuery: EXAMPLE,
      defaultHeaders: key ? JSON.stringify({ Authorization: `Bearer ${key}` }, null, 2) : undefined,
    }),
  );
});
