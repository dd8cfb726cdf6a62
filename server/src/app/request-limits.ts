/**
 * How much a GraphQL request may carry, whoever sends it: a body and message size that no parse can stall
 * the server on. Files (dataset content, adapters, checkpoints) go to `POST /uploads` (uploads/upload.route.ts,
 * its own limit, the credential checked before the body is read) and mutations reference them by id.
 */
export interface RequestLimits {
  /** Every `/graphql` HTTP body and graphql-ws message, anonymous or not. */
  bodyBytes: number;
  /** A graphql-ws message before the server acknowledged connection_init (the credential is not known yet). */
  initBytes: number;
  /** Deepest JSON nesting of a body or message, refused while scanning, before JSON.parse. */
  maxJsonDepth: number;
  /** Live subscriptions on one graphql-ws connection. */
  maxSubscriptions: number;
  /** Longest a GraphQL document may be, in tokens (graphql-js stops parsing there). */
  maxTokens: number;
}

export const requestLimits: RequestLimits = {
  bodyBytes: 256 * 1024,
  initBytes: 16 * 1024,
  maxJsonDepth: 64,
  maxSubscriptions: 100,
  maxTokens: 20_000,
};

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
