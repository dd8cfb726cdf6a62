// The dashboard's credential: an API key kept in this browser's localStorage (the "API keys" page sets it).
// On the embedded default the server hands its admin key to pages opened from localhost
// (GET /api/local-key, see server/src/app/web.ts), so a local user needs no step.

const STORAGE_KEY = "tunelab.apiKey";
const listeners = new Set<() => void>();

export function getApiKey(): string | null {
  if (typeof window === "undefined") return null;
  return window.localStorage.getItem(STORAGE_KEY);
}

export function setApiKey(key: string | null): void {
  if (key) window.localStorage.setItem(STORAGE_KEY, key.trim());
  else window.localStorage.removeItem(STORAGE_KEY);
  for (const listener of listeners) listener();
}

export function onApiKeyChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The first characters of a key, enough to tell keys apart. */
export function keyHint(key: string): string {
  return `${key.slice(0, 8)}…`;
}

let localKeyAsked: Promise<string | null> | undefined;

/** Asks the server for its local admin key once per page load; null when it gives none (not local). */
export function fetchLocalKey(): Promise<string | null> {
  localKeyAsked ??= fetch("/api/local-key", { headers: { accept: "application/json" } })
    .then(async (response) => {
      if (!response.ok) return null;
      const body = (await response.json()) as { key?: unknown };
      return typeof body.key === "string" ? body.key : null;
    })
    .catch(() => null);
  return localKeyAsked;
}

/** The stored key, or the local admin key (stored for next time) when there is none. */
export async function ensureApiKey(): Promise<string | null> {
  const stored = getApiKey();
  if (stored) return stored;
  const local = await fetchLocalKey();
  if (local && !getApiKey()) setApiKey(local);
  return getApiKey();
}
