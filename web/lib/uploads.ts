// Files go to POST /uploads (every GraphQL body is held to 256 KiB); a mutation then names the upload's id.
import { ApiError, authHeaders } from "./client";

/** Stages the bytes for one mutation of this key; returns the upload's id. */
export async function uploadFile(content: Blob | string): Promise<string> {
  const response = await fetch("/uploads", {
    method: "POST",
    headers: { "content-type": "application/octet-stream", ...(await authHeaders()) },
    body: content,
  });
  let body: { id?: string; error?: { code?: string; message?: string; field?: string } } = {};
  try {
    body = await response.json();
  } catch {
    // answered without JSON: the status says enough
  }
  if (response.status === 201 && body.id) return body.id;
  throw new ApiError([
    {
      message: body.error?.message ?? `the upload was refused (HTTP ${response.status})`,
      code: body.error?.code ?? "HTTP_ERROR",
      field: body.error?.field,
    },
  ]);
}
