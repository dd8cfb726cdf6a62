import type { Auth } from "../auth/guards.js";

/**
 * How much a request may carry, by who is asking: uploads (dataset content, checkpoints, adapters) need
 * READ_WRITE or a runner; everyone else gets a body and message size that no parse can stall the server on.
 */
export interface RequestLimits {
  /** Anonymous callers and READ keys: HTTP bodies and graphql-ws messages. */
  smallBytes: number;
  /** READ_WRITE/ADMIN keys and runners: bodies and messages that may carry an upload. */
  uploadBytes: number;
  /** A graphql-ws message before the server acknowledged connection_init (the credential is not known yet). */
  initBytes: number;
  /** Deepest JSON nesting of a body or message, refused while scanning, before JSON.parse. */
  maxJsonDepth: number;
  /** Live subscriptions on one graphql-ws connection. */
  maxSubscriptions: number;
  /** Longest a GraphQL document may be, in tokens (graphql-js stops parsing there). */
  maxTokens: number;
}

export function requestLimits(datasetMaxBytes: number): RequestLimits {
  return {
    smallBytes: 256 * 1024,
    // The JSON body carries the dataset content escaped (quotes and newlines double), so the request may be
    // larger than the content; the dataset limit itself is checked exactly by the service.
    uploadBytes: datasetMaxBytes * 2 + 1024 * 1024,
    initBytes: 16 * 1024,
    maxJsonDepth: 64,
    maxSubscriptions: 100,
    maxTokens: 20_000,
  };
}

/** The body or message size allowed to this caller. */
export function sizeLimitFor(auth: Auth | undefined, limits: RequestLimits): number {
  if (!auth || auth.kind === "anonymous") return limits.smallBytes;
  if (auth.kind === "apiKey" && auth.scope === "read") return limits.smallBytes;
  return limits.uploadBytes;
}

/**
 * Follows JSON's nesting ([ and { outside strings) chunk by chunk over UTF-8 bytes (the structural
 * characters are ASCII), without allocating: a body of 20 MB of `[` is refused after 65 bytes, while it
 * arrives, instead of being read whole and stalling JSON.parse.
 */
export class JsonDepthScanner {
  private depth = 0;
  private inString = false;
  private escaped = false;

  constructor(private readonly max: number) {}

  /** Feeds the next bytes; false once the nesting went deeper than the limit. */
  feed(bytes: Uint8Array): boolean {
    for (let i = 0; i < bytes.length; i += 1) {
      const c = bytes[i]!;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === 0x5c) this.escaped = true;
        else if (c === 0x22) this.inString = false;
      } else if (c === 0x22) this.inString = true;
      else if (c === 0x5b || c === 0x7b) {
        this.depth += 1;
        if (this.depth > this.max) return false;
      } else if (c === 0x5d || c === 0x7d) this.depth -= 1;
    }
    return true;
  }
}

/** Whether a whole JSON text nests deeper than `max`. */
export function jsonNestsDeeperThan(json: Uint8Array | string, max: number): boolean {
  return !new JsonDepthScanner(max).feed(typeof json === "string" ? Buffer.from(json, "utf8") : json);
}
