import { createHash } from "node:crypto";
import DataLoader from "dataloader";
import { type Connection, type ConnectionArgs, pageRequest, toConnection } from "../api/connection.js";
import { notFoundError, userInputError } from "../api/errors.js";
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
import { evalIndices } from "./split.js";

export interface DatasetLimits {
  /** Largest content accepted, in UTF-8 bytes. */
  maxBytes: number;
}

export const maxPreviewRows = 100;

export class DatasetService {
  constructor(
    private readonly db: Database,
    private readonly limits: DatasetLimits,
    private readonly events: Events,
  ) {}

  /**
   * Validates, splits and stores a dataset in one transaction. The same content with the same split
   * returns the version stored before instead of a copy.
   */
  async create(input: CreateDatasetInput): Promise<Dataset> {
    const name = input.name.trim();
    if (name === "" || name.length > 200) {
      throw userInputError("name must be 1 to 200 characters", { field: "name" });
    }
    if (!(input.evalFraction >= 0 && input.evalFraction <= 0.5)) {
      throw userInputError(`evalFraction must be in [0, 0.5], got ${input.evalFraction}`, {
        field: "evalFraction",
      });
    }
    const sizeBytes = Buffer.byteLength(input.content, "utf8");
    if (sizeBytes > this.limits.maxBytes) {
      throw userInputError(`content is ${sizeBytes} bytes; the limit is ${this.limits.maxBytes} bytes`, {
        field: "content",
      });
    }
    const version = {
      contentHash: createHash("sha256").update(input.content, "utf8").digest("hex"),
      evalFraction: input.evalFraction,
      splitSeed: input.splitSeed,
    };
    const existing = await this.db.read((m) => findDatasetVersion(m, version));
    if (existing) return existing;

    const { kind, rows } = parseRows(input.format, input.content);
    const evalSet = evalIndices(rows.length, input.evalFraction, input.splitSeed);
    const rowCharCount = (r: (typeof rows)[number]) =>
      r.text !== undefined ? r.text.length : r.prompt.length + r.completion.length;
    const charCount = rows.reduce((sum, r) => sum + rowCharCount(r), 0);

    const { dataset, created } = await this.db.write(async (m) => {
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
