// Data access: GraphQL only. Queries and mutations over HTTP POST /graphql, subscriptions over graphql-ws
// on the same path, both with `Authorization: Bearer <API key>`.
import { type Client, createClient } from "graphql-ws";
import { ensureApiKey, getApiKey, onApiKeyChange } from "./api-key";
import type { TypedDocumentString } from "./gql/graphql";

export interface GraphQLErrorInfo {
  message: string;
  code?: string;
  field?: string;
  line?: number;
}

/** A GraphQL (or HTTP) error with the server's extensions: code, field, line. */
export class ApiError extends Error {
  readonly errors: GraphQLErrorInfo[];
  constructor(errors: GraphQLErrorInfo[]) {
    super(errors.map((e) => e.message).join("; "));
    this.name = "ApiError";
    this.errors = errors;
  }
  get code(): string | undefined {
    return this.errors[0]?.code;
  }
  get field(): string | undefined {
    return this.errors[0]?.field;
  }
  get line(): number | undefined {
    return this.errors[0]?.line;
  }
}

interface RawError {
  message: string;
  extensions?: { code?: unknown; field?: unknown; line?: unknown };
}

function toInfo(e: RawError): GraphQLErrorInfo {
  const ext = e.extensions ?? {};
  return {
    message: e.message,
    code: typeof ext.code === "string" ? ext.code : undefined,
    field: typeof ext.field === "string" ? ext.field : undefined,
    line: typeof ext.line === "number" ? ext.line : undefined,
  };
}

export async function authHeaders(): Promise<Record<string, string>> {
  const key = await ensureApiKey();
  return key ? { authorization: `Bearer ${key}` } : {};
}

export async function request<TResult, TVariables>(
  document: TypedDocumentString<TResult, TVariables>,
  ...[variables]: TVariables extends Record<string, never> ? [] | [TVariables] : [TVariables]
): Promise<TResult> {
  const response = await fetch("/graphql", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json",
      ...(await authHeaders()),
    },
    body: JSON.stringify({ query: document.toString(), variables: variables ?? {} }),
  });
  let body: { data?: TResult | null; errors?: RawError[] };
  try {
    body = await response.json();
  } catch {
    throw new ApiError([{ message: `the server answered HTTP ${response.status}`, code: "HTTP_ERROR" }]);
  }
  if (body.errors?.length) throw new ApiError(body.errors.map(toInfo));
  if (!body.data) throw new ApiError([{ message: "the server answered without data" }]);
  return body.data;
}

let wsClient: Client | undefined;

function socket(): Client {
  if (!wsClient) {
    const url = `${window.location.origin.replace(/^http/, "ws")}/graphql`;
    wsClient = createClient({
      url,
      lazy: true,
      retryAttempts: Number.POSITIVE_INFINITY,
      shouldRetry: () => true,
      connectionParams: async () => {
        const key = await ensureApiKey();
        return key ? { authorization: `Bearer ${key}` } : {};
      },
    });
    // A new key: reconnect with it.
    onApiKeyChange(() => {
      wsClient?.terminate();
      wsClient = undefined;
    });
  }
  return wsClient;
}

/** Subscribes; returns the function that unsubscribes. Errors go to onError (the socket retries itself). */
export function subscribe<TResult, TVariables>(
  document: TypedDocumentString<TResult, TVariables>,
  variables: TVariables,
  onData: (data: TResult) => void,
  onError?: (error: ApiError) => void,
): () => void {
  if (!getApiKey()) return () => {};
  return socket().subscribe<TResult>(
    { query: document.toString(), variables: variables as Record<string, unknown> },
    {
      next: (result) => {
        if (result.errors?.length) onError?.(new ApiError(result.errors.map((e) => toInfo(e as RawError))));
        else if (result.data) onData(result.data);
      },
      error: (error) => {
        const message = error instanceof Error ? error.message : "subscription closed";
        onError?.(new ApiError([{ message }]));
      },
      complete: () => {},
    },
  );
}

/** GET a path of this server with the API key (CSV export, artifact files) and save it as a file. */
export async function downloadWithKey(path: string, fileName: string): Promise<void> {
  const response = await fetch(path, { headers: await authHeaders() });
  if (!response.ok) {
    let message = `download failed: HTTP ${response.status}`;
    try {
      const body = (await response.json()) as { errors?: RawError[]; message?: string };
      message = body.errors?.[0]?.message ?? body.message ?? message;
    } catch {
      // not JSON
    }
    throw new ApiError([{ message }]);
  }
  const url = URL.createObjectURL(await response.blob());
  const a = document.createElement("a");
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
