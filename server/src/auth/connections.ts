import type { WebSocket } from "ws";
import type { Database } from "../db/database.js";
import type { Auth } from "./guards.js";

/** Close code for a socket whose credential was revoked while it was open. */
export const revokedCloseCode = 4403;

/**
 * The open graphql-ws sockets of this process by credential, so that revoking a runner or an API key closes
 * its sockets at once: immediately in the process that revoked it, and within `sweepMs` in every other
 * process sharing the database (a periodic query for revoked ids among the open ones).
 */
export class Connections {
  private readonly sockets = new Map<WebSocket, Auth>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly db: Database) {}

  add(socket: WebSocket, auth: Auth): void {
    if (auth.kind !== "anonymous") this.sockets.set(socket, auth);
  }

  remove(socket: WebSocket): void {
    this.sockets.delete(socket);
  }

  /** Closes every open socket authenticated as this runner or API key. */
  closeFor(kind: "runner" | "apiKey", id: string): void {
    for (const [socket, auth] of this.sockets) {
      const matches =
        (kind === "runner" && auth.kind === "runner" && auth.runnerId === id) ||
        (kind === "apiKey" && auth.kind === "apiKey" && auth.keyId === id);
      if (matches) {
        this.sockets.delete(socket);
        socket.close(revokedCloseCode, kind === "runner" ? "runner revoked" : "API key revoked");
      }
    }
  }

  /** Checks the open sockets' credentials against the database every sweepMs. */
  start(sweepMs: number): void {
    this.timer = setInterval(() => {
      this.sweep().catch(() => {
        // the database may be closing; the next sweep tries again
      });
    }, sweepMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async sweep(): Promise<void> {
    const runnerIds = new Set<string>();
    const keyIds = new Set<string>();
    for (const auth of this.sockets.values()) {
      if (auth.kind === "runner") runnerIds.add(auth.runnerId);
      if (auth.kind === "apiKey") keyIds.add(auth.keyId);
    }
    if (runnerIds.size + keyIds.size === 0) return;
    const rows: { kind: "runner" | "apiKey"; id: string }[] = await this.db.read((m) =>
      m.query(
        `SELECT 'runner' AS kind, id FROM runner WHERE id = ANY($1::uuid[]) AND revoked_at IS NOT NULL
         UNION ALL
         SELECT 'apiKey' AS kind, id FROM api_key WHERE id = ANY($2::uuid[]) AND revoked_at IS NOT NULL`,
        [[...runnerIds], [...keyIds]],
      ),
    );
    for (const r of rows) this.closeFor(r.kind, r.id);
  }
}
