import Link from "next/link";
import type { ApiError } from "../../lib/client";

/** An API error where it happened; UNAUTHENTICATED points at the API key page. */
export function ErrorMessage({ error, context }: { error: ApiError | undefined; context?: string }) {
  if (!error) return null;
  return (
    <div className="error" role="alert">
      {context ? <strong>{context}: </strong> : null}
      {error.errors.map((e, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: errors have no identity
        <div key={i}>
          {e.line != null && !e.message.toLowerCase().startsWith(`line ${e.line}`) ? (
            <strong>Line {e.line}: </strong>
          ) : null}
          {e.message}
          {e.field ? <span className="muted"> (field {e.field})</span> : null}
        </div>
      ))}
      {error.code === "UNAUTHENTICATED" || error.code === "FORBIDDEN" ? (
        <div>
          <Link href="/api-keys">Set an API key</Link> with the access this needs.
        </div>
      ) : null}
    </div>
  );
}
