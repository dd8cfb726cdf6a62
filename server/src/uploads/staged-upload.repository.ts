import type { EntityManager } from "typeorm";
import { userInputError } from "../api/errors.js";
import type { Auth } from "../auth/guards.js";
import { isUuid } from "../runs/uuid.js";

/** Who staged an upload: only they can reference it. */
export type UploadOwner = { apiKeyId: string } | { runnerId: string };

export interface StagedUpload {
  id: string;
  sizeBytes: number;
  sha256: string;
  expiresAt: Date;
}

/** The owner of the uploads a caller may reference: its API key or its runner (anonymous owns none). */
export function uploadOwnerOf(auth: Auth): UploadOwner {
  if (auth.kind === "runner") return { runnerId: auth.runnerId };
  if (auth.kind === "apiKey") return { apiKeyId: auth.keyId };
  throw new Error("an anonymous caller owns no uploads (the resolver's guard refuses it first)");
}

const ownerColumns = (owner: UploadOwner): [string | null, string | null] =>
  "apiKeyId" in owner ? [owner.apiKeyId, null] : [null, owner.runnerId];

/** Live (unexpired) uploads the owner has staged and not yet used. */
export async function countLiveUploads(m: EntityManager, owner: UploadOwner): Promise<number> {
  const [apiKeyId, runnerId] = ownerColumns(owner);
  const [{ n }] = (await m.query(
    `SELECT count(*)::int AS n FROM staged_upload
      WHERE (api_key_id = $1 OR runner_id = $2) AND expires_at > now()`,
    [apiKeyId, runnerId],
  )) as { n: number }[];
  return n;
}

export async function insertStagedUpload(
  m: EntityManager,
  owner: UploadOwner,
  content: Buffer,
  sha256: string,
  ttlMs: number,
): Promise<StagedUpload> {
  const [apiKeyId, runnerId] = ownerColumns(owner);
  const [row] = (await m.query(
    `INSERT INTO staged_upload (api_key_id, runner_id, size_bytes, sha256, content, expires_at)
     VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6::double precision / 1000))
     RETURNING id, expires_at`,
    [apiKeyId, runnerId, content.length, sha256, content, ttlMs],
  )) as { id: string; expires_at: Date }[];
  return { id: row!.id, sizeBytes: content.length, sha256, expiresAt: new Date(row!.expires_at) };
}

/** Removes every expired upload (anyone's); returns how many. */
export async function deleteExpiredUploads(m: EntityManager): Promise<number> {
  const rows = (await m.query(
    `DELETE FROM staged_upload WHERE expires_at <= now() RETURNING id`,
  )) as unknown[];
  return rows.length;
}

function notYours(field: string, id: string): Error {
  return userInputError(
    `${field}: ${JSON.stringify(id)} is not an upload of yours that is still waiting to be used (unknown, expired, already used, or staged by another caller)`,
    { field },
  );
}

/**
 * The bytes of a live upload of this owner, for checking before the write; a bad, foreign, expired or used
 * id → BAD_USER_INPUT naming `field` (the same answer for each: ids of others are not confirmed).
 */
export async function readStagedUpload(
  m: EntityManager,
  owner: UploadOwner,
  id: string,
  field: string,
): Promise<Buffer> {
  if (!isUuid(id)) throw notYours(field, id);
  const [apiKeyId, runnerId] = ownerColumns(owner);
  const [row] = (await m.query(
    `SELECT content FROM staged_upload
      WHERE id = $1 AND (api_key_id = $2 OR runner_id = $3) AND expires_at > now()`,
    [id, apiKeyId, runnerId],
  )) as { content: Uint8Array }[];
  if (!row) throw notYours(field, id);
  // PGlite answers bytea as a plain Uint8Array, pg as a Buffer
  const { buffer, byteOffset, byteLength } = row.content;
  return Buffer.from(buffer, byteOffset, byteLength);
}

/**
 * Uses the upload up inside the caller's write transaction: it is deleted with the write that stored its
 * bytes, or kept when that write rolls back. Gone meanwhile (used by a concurrent call, expired) → the
 * same BAD_USER_INPUT as readStagedUpload, and the transaction rolls back.
 */
export async function consumeStagedUpload(
  m: EntityManager,
  owner: UploadOwner,
  id: string,
  field: string,
): Promise<void> {
  const [apiKeyId, runnerId] = ownerColumns(owner);
  const rows = (await m.query(
    `DELETE FROM staged_upload
      WHERE id = $1 AND (api_key_id = $2 OR runner_id = $3) AND expires_at > now() RETURNING id`,
    [id, apiKeyId, runnerId],
  )) as unknown[];
  if (rows.length === 0) throw notYours(field, id);
}
