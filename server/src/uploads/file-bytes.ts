import type { EntityManager } from "typeorm";
import { userInputError } from "../api/errors.js";
import type { Database } from "../db/database.js";
import { consumeStagedUpload, readStagedUpload, type UploadOwner } from "./staged-upload.repository.js";

/** One file of a folder input, its bytes inline (base64) or in a staged upload. */
export interface FileSource {
  base64: string | null | undefined;
  uploadId: string | null | undefined;
}

/** A staged upload a mutation references, and the input field that named it. */
export interface UploadRef {
  id: string;
  field: string;
}

export interface FileBytes {
  contents: Buffer[];
  /** Consume these in the write that stores the files (consumeUploads). */
  uploads: UploadRef[];
}

const base64Pattern = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Each file's bytes, in order: exactly one of `files[i].<base64Field>` and `files[i].uploadId` per file, the
 * base64 valid, the upload one of the owner's live ones (read, not yet used up). Errors name the field.
 */
export async function fileBytes(
  db: Database,
  owner: UploadOwner,
  files: readonly FileSource[],
  base64Field: string,
): Promise<FileBytes> {
  const contents: (Buffer | undefined)[] = [];
  const uploads: UploadRef[] = [];
  for (const [i, f] of files.entries()) {
    const at = `files[${i}]`;
    if ((f.base64 == null) === (f.uploadId == null)) {
      throw userInputError(`${at}: give ${base64Field} or uploadId (one of the two)`, {
        field: `${at}.${f.base64 == null ? base64Field : "uploadId"}`,
      });
    }
    if (f.uploadId != null) {
      uploads.push({ id: f.uploadId, field: `${at}.uploadId` });
      contents.push(undefined);
      continue;
    }
    const text = f.base64!;
    if (text.length % 4 !== 0 || !base64Pattern.test(text)) {
      throw userInputError(`${at}.${base64Field} is not valid base64`, { field: `${at}.${base64Field}` });
    }
    contents.push(Buffer.from(text, "base64"));
  }
  if (uploads.length > 0) {
    const read = await db.read(async (m) => {
      const out: Buffer[] = [];
      for (const u of uploads) out.push(await readStagedUpload(m, owner, u.id, u.field));
      return out;
    });
    let next = 0;
    for (let i = 0; i < contents.length; i += 1) contents[i] ??= read[next++];
  }
  return { contents: contents as Buffer[], uploads };
}

/** Uses up the referenced uploads inside the write that stores their bytes (see consumeStagedUpload). */
export async function consumeUploads(
  m: EntityManager,
  owner: UploadOwner,
  uploads: readonly UploadRef[],
): Promise<void> {
  for (const u of uploads) await consumeStagedUpload(m, owner, u.id, u.field);
}
