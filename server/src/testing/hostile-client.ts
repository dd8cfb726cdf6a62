/**
 * Hostile traffic against a server, run as its own process (so the event loop a test measures is the
 * server's alone): `node hostile-client.js <graphql url> <admin key> <read key> <runner secret> [rounds]`.
 * Prints one JSON object: what each kind of request got back (HTTP status, or the socket's close code).
 */
import WebSocket from "ws";

const [url, adminKey, readKey, runnerSecret, roundsArg] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string | undefined,
];

function rawSocket(): Promise<WebSocket> {
  const socket = new WebSocket(url.replace(/^http/, "ws"), "graphql-transport-ws");
  return new Promise((resolve, reject) => {
    socket.once("open", () => resolve(socket));
    socket.once("error", reject);
  });
}

const closeOf = (socket: WebSocket) =>
  new Promise<number>((resolve) => socket.once("close", (code) => resolve(code)));

async function initialised(token: string): Promise<WebSocket> {
  const socket = await rawSocket();
  const acked = new Promise<void>((resolve) => socket.once("message", () => resolve()));
  socket.send(JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${token}` } }));
  await acked;
  return socket;
}

/**
 * The status, or `closedEarly` when the connection was closed before the upload ended: the server answers
 * and closes without reading the rest, and the client's TCP stack may then drop that answer (a reset), so
 * which status it sent is not always readable — that it refused the body unread is.
 */
const closedEarly = -1; // request-limits.test.ts reads it as such

async function post(body: string, token?: string): Promise<number> {
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body,
    });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return closedEarly;
  }
}

async function send(socket: WebSocket, message: string): Promise<number> {
  const closed = closeOf(socket);
  socket.send(message);
  return closed;
}

const brackets = "[".repeat(20 * 1024 * 1024);
const deepVariables = `{"query":"{ __typename }","variables":{"x":${"[".repeat(5_000)}${"]".repeat(5_000)}}}`;
async function main(rounds: number): Promise<Record<string, number[]>> {
  const outcomes: Record<string, number[]> = {};
  const record = (what: string, outcome: number) => {
    outcomes[what] = [...new Set([...(outcomes[what] ?? []), outcome])];
  };
  for (let round = 0; round < rounds; round += 1) {
    record("anonymous 20 MB of [", await post(brackets));
    record("read key 20 MB of [", await post(brackets, readKey));
    record("admin key 20 MB of [", await post(brackets, adminKey));
    record("admin key variables 5,000 deep", await post(deepVariables, adminKey));
    record("ws 10 MB before connection_init", await send(await rawSocket(), "[".repeat(10 * 1024 * 1024)));
    record(
      "ws read key 1 MB message",
      await send(
        await initialised(readKey),
        `{"type":"subscribe","id":"1","payload":{"query":"${"x".repeat(1024 * 1024)}"}}`,
      ),
    );
    record(
      "ws runner 1 MB message",
      await send(
        await initialised(runnerSecret),
        `{"type":"subscribe","id":"1","payload":{"query":"${"x".repeat(1024 * 1024)}"}}`,
      ),
    );
    record("ws runner 100,000 deep", await send(await initialised(runnerSecret), "[".repeat(100_000)));
  }
  return outcomes;
}

main(Number(roundsArg ?? 3)).then((outcomes) => process.stdout.write(JSON.stringify(outcomes)));
