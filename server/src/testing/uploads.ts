import { request } from "node:http";
import { Readable } from "node:stream";

export interface UploadAnswer {
  /** The HTTP status, or "closed" when the connection was closed before an answer could be read. */
  status: number | "closed";
  body: Record<string, unknown> | undefined;
  /** The Retry-After header, when the answer had one. */
  retryAfter?: string;
}

/** POST /uploads with the whole body at once (fetch); `token` null sends no credential. */
export async function uploadForTest(
  origin: string,
  content: Buffer | string,
  token: string | null,
  headers: Record<string, string> = {},
): Promise<UploadAnswer> {
  const res = await fetch(`${origin}/uploads`, {
    method: "POST",
    headers: {
      "content-type": "application/octet-stream",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: typeof content === "string" ? Buffer.from(content) : content,
  });
  return {
    status: res.status,
    body: (await res.json()) as Record<string, unknown>,
    retryAfter: res.headers.get("retry-after") ?? undefined,
  };
}

/** An upload the server is in the middle of receiving: it has its headers and the first byte. */
export interface HeldUpload {
  /** Sends the rest of the body; resolves with the answer. */
  finish(): Promise<UploadAnswer>;
  /** Destroys the connection mid-body, as a client that went away. */
  abort(): void;
  content: Buffer;
  /** The answer, once there is one (before finish(): the server refused it without reading it). */
  answered: UploadAnswer | undefined;
}

/** POST /uploads declaring `bytes` (Content-Length) and sending one byte of them, until finish() or abort(). */
function holdUpload(origin: string, bytes: number, token: string): HeldUpload {
  const content = Buffer.alloc(bytes, 0x62);
  content.writeUInt32BE(Math.floor(Math.random() * 2 ** 32)); // distinct bytes, distinct sha256
  const req = request(`${origin}/uploads`, {
    method: "POST",
    headers: {
      "content-type": "application/octet-stream",
      "content-length": String(bytes),
      authorization: `Bearer ${token}`,
    },
  });
  const held: HeldUpload = {
    content,
    answered: undefined,
    finish: () => {
      req.end(content.subarray(1));
      return answer;
    },
    abort: () => req.destroy(),
  };
  const answer = new Promise<UploadAnswer>((resolve) => {
    const settle = (a: UploadAnswer) => {
      held.answered ??= a;
      resolve(a);
    };
    req.on("response", (res) => {
      const parts: Buffer[] = [];
      res.on("data", (p: Buffer) => parts.push(p));
      res.on("end", () => {
        const text = Buffer.concat(parts).toString("utf8");
        settle({ status: res.statusCode!, body: text ? JSON.parse(text) : undefined });
      });
      res.on("error", () => settle({ status: "closed", body: undefined }));
    });
    req.on("error", () => settle({ status: "closed", body: undefined }));
  });
  req.write(content.subarray(0, 1));
  return held;
}

/**
 * Uploads of `sizes` bytes that the server is in the middle of receiving, each holding its share of the
 * bytes in flight. Resolves once all of them hold theirs, which is when an upload of `probeBytes` (chosen
 * to fit unless all of them do) is refused as busy (503). A probe carries a wrong X-Content-Sha256, so one
 * the server takes is read and refused (400), never stored; a hold refused because a probe held room
 * meanwhile is sent again.
 */
export async function holdUploadsForTest(
  origin: string,
  sizes: number[],
  token: string,
  probeBytes: number,
  timeoutMs = 10_000,
): Promise<HeldUpload[]> {
  const held = sizes.map((bytes) => holdUpload(origin, bytes, token));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const [i, h] of held.entries()) if (h.answered) held[i] = holdUpload(origin, sizes[i]!, token);
    const probe = await uploadForTest(origin, Buffer.alloc(probeBytes), token, {
      "x-content-sha256": "0".repeat(64),
    });
    if (probe.status === 503) return held;
    if (probe.status !== 400)
      throw new Error(`probe answered ${probe.status}: ${JSON.stringify(probe.body)}`);
    if (Date.now() > deadline)
      throw new Error(`uploads of ${sizes.join(", ")} bytes not held after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * POST /uploads streaming `totalBytes` in chunks (chunked transfer: no Content-Length, so the server cannot
 * refuse on a declared size), counting how many bytes the client handed to the socket before the answer:
 * what the server did not read stays unsent, bar what the TCP buffers took.
 */
export function streamUploadForTest(
  origin: string,
  totalBytes: number,
  token: string | null,
): Promise<UploadAnswer & { sentBytes: number }> {
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  let sentBytes = 0;
  let answered = false;
  const source = new Readable({
    read() {
      if (answered || sentBytes >= totalBytes) return void this.push(null);
      sentBytes += chunk.length;
      this.push(chunk);
    },
  });
  return new Promise((resolve) => {
    const req = request(`${origin}/uploads`, {
      method: "POST",
      headers: {
        "content-type": "application/octet-stream",
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
    });
    req.on("response", (res) => {
      answered = true;
      const parts: Buffer[] = [];
      res.on("data", (p: Buffer) => parts.push(p));
      res.on("end", () => {
        source.unpipe(req);
        req.destroy();
        const text = Buffer.concat(parts).toString("utf8");
        resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : undefined, sentBytes });
      });
      res.on("error", () => resolve({ status: "closed", body: undefined, sentBytes }));
    });
    req.on("error", () => {
      answered = true;
      resolve({ status: "closed", body: undefined, sentBytes });
    });
    source.pipe(req);
  });
}
