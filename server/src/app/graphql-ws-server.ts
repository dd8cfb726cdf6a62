import { CloseCode, handleProtocols, makeServer, type ServerOptions } from "graphql-ws";
import type { Extra } from "graphql-ws/use/ws";
import type { WebSocket, WebSocketServer } from "ws";
import type { Logger } from "./logger.js";
import { jsonNestsDeeperThan, type RequestLimits } from "./request-limits.js";

/** Close code for a message over the connection's size limit (RFC 6455 "message too big"). */
export const messageTooBigCloseCode = 1009;

/**
 * Sets the largest frame a socket's receiver accepts, so an oversized message is refused (1009) from its
 * header, before its payload is read. `ws` 8 keeps it per socket in a private field (pinned in the lock).
 */
function setFrameLimit(socket: WebSocket, bytes: number): void {
  const receiver = (socket as unknown as { _receiver?: { _maxPayload?: number } })._receiver;
  if (receiver && typeof receiver._maxPayload === "number") receiver._maxPayload = bytes;
}

/**
 * graphql-ws on a `ws` server, as graphql-ws/use/ws does, with each message checked before graphql-ws
 * parses it: before connection_init is acknowledged a message may carry `initBytes` (the credential is not
 * known yet), afterwards `bodyBytes`; JSON nested deeper than `maxJsonDepth` closes the socket.
 * Internal errors are logged, never put in a close reason.
 */
export function serveGraphqlWs(
  options: ServerOptions<Record<string, unknown>, Extra>,
  wsServer: WebSocketServer,
  limits: RequestLimits,
  logger: Logger,
  keepAliveMs = 12_000,
) {
  const server = makeServer(options);
  wsServer.options.handleProtocols = handleProtocols;
  wsServer.on("error", (error) => logger.error({ err: error }, "websocket server error"));
  wsServer.on("connection", (socket, request) => {
    socket.once("error", (error) => {
      logger.warn({ err: error }, "websocket error");
      socket.close(CloseCode.InternalServerError, "Internal server error");
    });
    let acknowledged = false;
    setFrameLimit(socket, limits.initBytes);
    let pongWait: NodeJS.Timeout | undefined;
    const ping = setInterval(() => {
      if (socket.readyState !== socket.OPEN) return;
      pongWait = setTimeout(() => socket.terminate(), keepAliveMs);
      socket.once("pong", () => clearTimeout(pongWait));
      socket.ping();
    }, keepAliveMs);
    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) =>
          new Promise<void>((resolve, reject) => {
            if (!acknowledged && data.includes('"connection_ack"')) {
              acknowledged = true;
              setFrameLimit(socket, limits.bodyBytes);
            }
            if (socket.readyState !== socket.OPEN) return resolve();
            socket.send(data, (error) => (error ? reject(error) : resolve()));
          }),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (handle) =>
          socket.on("message", async (data: Buffer | ArrayBuffer | Buffer[]) => {
            const bytes = Array.isArray(data)
              ? data.reduce((n, b) => n + b.length, 0)
              : (data as Buffer).byteLength;
            const limit = acknowledged ? limits.bodyBytes : limits.initBytes;
            if (bytes > limit) {
              socket.close(messageTooBigCloseCode, `message over ${limit} bytes`);
              return;
            }
            const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as Buffer);
            if (jsonNestsDeeperThan(buffer, limits.maxJsonDepth)) {
              socket.close(CloseCode.BadRequest, `JSON nested deeper than ${limits.maxJsonDepth} levels`);
              return;
            }
            try {
              await handle(buffer.toString("utf8"));
            } catch (error) {
              logger.error({ err: error }, "graphql-ws message handling failed");
              socket.close(CloseCode.InternalServerError, "Internal server error");
            }
          }),
      },
      { socket, request },
    );
    socket.once("close", (code, reason) => {
      clearTimeout(pongWait);
      clearInterval(ping);
      closed(code, String(reason));
    });
  });
  return {
    dispose: async () => {
      for (const client of wsServer.clients) client.close(1001, "Going away");
      wsServer.removeAllListeners();
      await new Promise<void>((resolve, reject) => wsServer.close((e) => (e ? reject(e) : resolve())));
    },
  };
}
