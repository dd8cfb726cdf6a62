import { createHash } from "node:crypto";
import DataLoader from "dataloader";
import type { EntityManager } from "typeorm";
import { type Connection, type ConnectionArgs, pageRequest, toConnection } from "../api/connection.js";
import { notFoundError, userInputError } from "../api/errors.js";
import { checkString } from "../api/sanitize.js";
import type { Events } from "../app/events.js";
import type { Database } from "../db/database.js";
import { type DatasetRow, DatasetSplit } from "./dataset-row.entity.js";
import type { Dataset } from "./dataset.entity.js";
import type { CreateDatasetInput } from "./dataset.input.js";
import {
  countDatasets,
  datasetCursorKey,
  findDataset,
  findDatasetVersion,
  firstRowsOf,
  insertDatasetIfNew,
  insertDatasetRows,
  listDatasets,
} from "./dataset.repository.js";
import { parseRows } from "./parse-rows.js";
import {
  consumeStagedUpload,
  readStagedUpload,
  type UploadOwner,
} from "../uploads/staged-upload.repository.js";
import { evalIndices } from "./split.js";

export interface DatasetLimits {
  /** Largest content accepted, in UTF-8 bytes. */
  maxBytes: number;
}

export const maxPreviewRows = 100;

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

export class DatasetService {
  constructor(
    private readonly db: Database,
    private readonly limits: DatasetLimits,
    private readonly events: Events,
  ) {}

  /**
   * Validates, splits and stores a dataset in one transaction. The same content with the same split
   * returns the version stored before instead of a copy. Content given as an upload is used up in the same
   * transaction (also when the version existed), and kept when anything fails.
   */
  async create(input: CreateDatasetInput, owner: UploadOwner): Promise<Dataset> {
    const name = input.name.trim();
    if (name === "" || name.length > 200) {
      throw userInputError("name must be 1 to 200 characters", { field: "name" });
    }
    if (!(input.evalFraction >= 0 && input.evalFraction <= 0.5)) {
      throw userInputError(`evalFraction must be in [0, 0.5], got ${input.evalFraction}`, {
        field: "evalFraction",
      });
    }
    const { content, uploadId } = await this.contentOf(input, owner);
    const consumeUpload = (m: EntityManager) =>
      uploadId ? consumeStagedUpload(m, owner, uploadId, "contentUploadId") : Promise.resolve();
    const sizeBytes = Buffer.byteLength(content, "utf8");
    const version = {
      contentHash: createHash("sha256").update(content, "utf8").digest("hex"),
      evalFraction: input.evalFraction,
      splitSeed: input.splitSeed,
    };
    const existing = await this.db.read((m) => findDatasetVersion(m, version));
    if (existing) {
      if (uploadId) await this.db.write(consumeUpload);
      return existing;
    }

    const { kind, rows } = parseRows(input.format, content);
    const evalSet = evalIndices(rows.length, input.evalFraction, input.splitSeed);
    const rowCharCount = (r: (typeof rows)[number]) =>
      r.text !== undefined ? r.text.length : r.prompt.length + r.completion.length;
    const charCount = rows.reduce((sum, r) => sum + rowCharCount(r), 0);

    const { dataset, created } = await this.db.write(async (m) => {
      await consumeUpload(m);
      const id = await insertDatasetIfNew(m, {
        ...version,
        name,
        format: input.format,
        kind,
        sizeBytes,
        rowCount: rows.length,
        trainRowCount: rows.length - evalSet.size,
        evalRowCount: evalSet.size,
        charCount,
      });
      // Another request stored the same version between our read and this write.
      if (id === null) return { dataset: (await findDatasetVersion(m, version))!, created: false };
      await insertDatasetRows(
        m,
        rows.map(
          (r, index): DatasetRow => ({
            datasetId: id,
            index,
            line: r.line,
            split: evalSet.has(index) ? DatasetSplit.EVAL : DatasetSplit.TRAIN,
            text: r.text ?? null,
            prompt: r.prompt ?? null,
            completion: r.completion ?? null,
            charCount: rowCharCount(r),
          }),
        ),
      );
      return { dataset: (await findDataset(m, id))!, created: true };
    });
    if (created) this.events.publish("DATASET_CREATED", dataset);
    return dataset;
  }

  /** The file's text, inline or from the caller's staged upload, checked against the dataset limit. */
  private async contentOf(
    input: CreateDatasetInput,
    owner: UploadOwner,
  ): Promise<{ content: string; uploadId: string | null }> {
    const uploadId = input.contentUploadId ?? null;
    if ((input.content == null) === (uploadId === null)) {
      throw userInputError("give the file as content or as contentUploadId (one of the two)", {
        field: input.content == null ? "content" : "contentUploadId",
      });
    }
    const tooLarge = (field: string, bytes: number) =>
      userInputError(`${field} is ${bytes} bytes; the limit is ${this.limits.maxBytes} bytes`, { field });
    if (uploadId === null) {
      const content = input.content!;
      const bytes = Buffer.byteLength(content, "utf8");
      if (bytes > this.limits.maxBytes) throw tooLarge("content", bytes);
      return { content, uploadId };
    }
    const bytes = await this.db.read((m) => readStagedUpload(m, owner, uploadId, "contentUploadId"));
    if (bytes.length > this.limits.maxBytes) throw tooLarge("contentUploadId", bytes.length);
    let content: string;
    try {
      content = utf8.decode(bytes);
    } catch {
      throw userInputError("contentUploadId: the uploaded file is not UTF-8 text", {
        field: "contentUploadId",
      });
    }
    // what the GraphQL layer (api/sanitize.ts) refuses in inline content, refused here for uploaded bytes
    checkString(content, "contentUploadId");
    return { content, uploadId };
  }

  async get(id: string): Promise<Dataset> {
    const dataset = await this.db.read((m) => findDataset(m, id));
    if (!dataset) throw notFoundError("dataset", id);
    return dataset;
  }

  list(args: ConnectionArgs): Promise<Connection<Dataset>> {
    const page = pageRequest(args, 1);
    return this.db.read(async (m) => {
      const [rows, total] = [await listDatasets(m, page), await countDatasets(m)];
      return toConnection(rows, page, total, datasetCursorKey);
    });
  }

  /** Per-request loader of the first rows of datasets, batched across a list (one query per `first`). */
  previewLoader(): (datasetId: string, first: number) => Promise<DatasetRow[]> {
    const loaders = new Map<number, DataLoader<string, DatasetRow[]>>();
    return (datasetId, first) => {
      if (!Number.isInteger(first) || first < 0 || first > maxPreviewRows) {
        throw userInputError(`first must be between 0 and ${maxPreviewRows}, got ${first}`, {
          field: "first",
        });
      }
      let loader = loaders.get(first);
      if (!loader) {
        loader = new DataLoader(async (ids: readonly string[]) => {
          const byDataset = await this.db.read((m) => firstRowsOf(m, ids, first));
          return ids.map((id) => byDataset.get(id) ?? []);
        });
        loaders.set(first, loader);
      }
      return loader.load(datasetId);
    };
  }
}
