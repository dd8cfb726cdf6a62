// The playground's view state and the settings line shown above its outputs: pure, tested beside.

export interface Sampling {
  temperature: number;
  topK: number;
  maxTokens: number;
  seed: number;
}

/** At most this many adapters side by side (the server's bound too). */
export const MAX_ADAPTERS = 6;

export const DEFAULT_SAMPLING: Sampling = { temperature: 0, topK: 0, maxTokens: 64, seed: 0 };

/** "greedy · max 64 tokens" or "temperature 0.7 · top-k 5 · max 64 tokens · seed 3". */
export function samplingSummary(s: Sampling): string {
  const tokens = `max ${s.maxTokens} token${s.maxTokens === 1 ? "" : "s"}`;
  if (s.temperature === 0) return `greedy · ${tokens}`;
  const k = s.topK > 0 ? `top-k ${s.topK}` : "all tokens";
  return `temperature ${s.temperature} · ${k} · ${tokens} · seed ${s.seed}`;
}

/** The URL's `adapters=a,b,c`: ids in order, each once, at most MAX_ADAPTERS. */
export function parseAdapterIds(param: string | null): string[] {
  const ids = (param ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  return [...new Set(ids)].slice(0, MAX_ADAPTERS);
}

/** Adds or removes an adapter; adding a seventh does nothing (the form says why). */
export function toggleAdapter(selected: readonly string[], id: string): string[] {
  if (selected.includes(id)) return selected.filter((x) => x !== id);
  return selected.length >= MAX_ADAPTERS ? [...selected] : [...selected, id];
}
