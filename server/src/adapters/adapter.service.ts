import { type Connection, type ConnectionArgs, pageRequest, toConnection } from "../api/connection.js";
import { createHash } from "node:crypto";
import { resolveModel } from "@tunelab/core";
import { codedError, ErrorCode, notFoundError, userInputError, withInputPrefix } from "../api/errors.js";
import { findBaseModel } from "../base-models/base-model.repository.js";
import type { Database } from "../db/database.js";
import { isUuid } from "../runs/uuid.js";
import { Adapter, AdapterSource } from "./adapter.entity.js";
import type { AdapterFilter, ImportAdapterInput } from "./adapter.input.js";
import { checkAdapterFolder } from "./import-folder.js";
import { consumeUploads, fileBytes } from "../uploads/file-bytes.js";
import { countAdapters, findAdapter, listAdapters } from "./adapter.repository.js";

export class AdapterService {
  constructor(private readonly db: Database) {}

  async get(id: string): Promise<Adapter> {
    const adapter = isUuid(id) ? await this.db.read((m) => findAdapter(m, id)) : null;
    if (!adapter) throw notFoundError("adapter", id);
    return adapter;
  }

  list(filter: AdapterFilter | null | undefined, args: ConnectionArgs): Promise<Connection<Adapter>> {
    const page = pageRequest(args, 1);
    const f = filter ?? {};
    for (const field of ["baseModelId", "experimentId"] as const) {
      const id = f[field];
      if (id != null && !isUuid(id)) {
        throw userInputError(`filter.${field} is not an id: ${JSON.stringify(id)}`, {
          field: `filter.${field}`,
        });
      }
    }
    return this.db.read(async (m) =>
      toConnection(await listAdapters(m, f, page), page, await countAdapters(m, f), (a) => [a.seq]),
    );
  }

  /**
   * Stores an adapter folder (PEFT's, or a bottleneck adapter in the adapters library's layout) checked
   * against the base model (import-folder.ts) as an ADAPTER artifact without
   * a run and its Adapter row, in one transaction; any error stores nothing.
   */
  async import(keyId: string, input: ImportAdapterInput): Promise<Adapter> {
    const owner = { apiKeyId: keyId };
    if (!isUuid(input.baseModelId)) {
      throw userInputError(`baseModelId is not an id: ${JSON.stringify(input.baseModelId)}`, {
        field: "baseModelId",
      });
    }
    const note = input.note?.trim() || null;
    if (note !== null && note.length > 2000) {
      throw userInputError(`note is ${note.length} characters; at most 2000`, { field: "note" });
    }
    const base = await this.db.read((m) => findBaseModel(m, input.baseModelId));
    if (!base) {
      throw codedError(ErrorCode.NOT_FOUND, `base model ${input.baseModelId} does not exist`, {
        field: "baseModelId",
      });
    }
    const model = withInputPrefix("baseModelId", () => resolveModel(base.config));
    const bytes = await fileBytes(
      this.db,
      owner,
      input.files.map((f) => ({ base64: f.contentBase64, uploadId: f.uploadId })),
      "contentBase64",
    );
    const folder = checkAdapterFolder(
      model,
      input.files.map((f, i) => ({ name: f.name, content: bytes.contents[i]! })),
    );
    const sizeBytes = folder.files.reduce((n, f) => n + f.content.length, 0);
    return this.db.write(async (m) => {
      await consumeUploads(m, owner, bytes.uploads);
      const [key] = (await m.query(`SELECT name FROM api_key WHERE id = $1`, [keyId])) as { name: string }[];
      const [{ id: artifactId }] = (await m.query(
        `INSERT INTO artifact (run_id, kind, size_bytes) VALUES (NULL, 'ADAPTER', $1) RETURNING id`,
        [sizeBytes],
      )) as { id: string }[];
      for (const f of folder.files) {
        await m.query(
          `INSERT INTO artifact_file (artifact_id, name, size_bytes, sha256, content) VALUES ($1, $2, $3, $4, $5)`,
          [
            artifactId,
            f.name,
            f.content.length,
            createHash("sha256").update(f.content).digest("hex"),
            f.content,
          ],
        );
      }
      const [{ id }] = (await m.query(
        `INSERT INTO adapter (artifact_id, base_model_id, method, method_config, trainable_params, size_bytes,
                              source, imported_by, note)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
        [
          artifactId,
          base.id,
          folder.method.method,
          JSON.stringify(folder.method),
          folder.trainableParams,
          sizeBytes,
          AdapterSource.IMPORT,
          key?.name ?? null,
          note,
        ],
      )) as { id: string }[];
      return m.findOneByOrFail(Adapter, { id });
    });
  }
}
