import { request } from "node:http";
import { Readable } from "node:stream";

export interface UploadAnswer {
  /** The HTTP status, or "closed" when the connection was closed before an answer could be read. */
  status: number | "closed";
  body: Record<string, unknown> | undefined;
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
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
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
