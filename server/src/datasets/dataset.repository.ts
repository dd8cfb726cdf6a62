import type { EntityManager } from "typeorm";
import type { CursorKey, PageRequest } from "../api/connection.js";
import { DatasetRow } from "./dataset-row.entity.js";
import { Dataset } from "./dataset.entity.js";

/** Queries over datasets; each takes the EntityManager of the surrounding Database.read/write. */

export function findDataset(m: EntityManager, id: string): Promise<Dataset | null> {
  return m.findOneBy(Dataset, { id });
}

export function findDatasetVersion(
  m: EntityManager,
  version: Pick<Dataset, "contentHash" | "evalFraction" | "splitSeed">,
): Promise<Dataset | null> {
  return m.findOneBy(Dataset, version);
}

/** Inserts the dataset unless its version exists; returns the new id, or null when it existed. */
export async function insertDatasetIfNew(
  m: EntityManager,
  values: Omit<Dataset, "id" | "seq" | "createdAt">,
): Promise<string | null> {
  const result = await m
    .createQueryBuilder()
    .insert()
    .into(Dataset)
    .values(values)
    .orIgnore()
    .returning(["id"])
    .execute();
  const row = (result.raw as { id: string }[])[0];
  return row?.id ?? null;
}

/** Bulk insert in batches that stay well under PostgreSQL's 65,535 bind parameters. */
export async function insertDatasetRows(m: EntityManager, rows: DatasetRow[]): Promise<void> {
  const batch = 2000;
  for (let i = 0; i < rows.length; i += batch) {
    await m
      .createQueryBuilder()
      .insert()
      .into(DatasetRow)
      .values(rows.slice(i, i + batch))
      .execute();
  }
}

/** Newest first; the cursor key is [seq]. */
export function datasetCursorKey(d: Dataset): CursorKey {
  return [d.seq];
}

export function listDatasets(m: EntityManager, page: PageRequest): Promise<Dataset[]> {
  const query = m
    .createQueryBuilder(Dataset, "d")
    .orderBy("d.seq", "DESC")
    .limit(page.first + 1);
  if (page.after) query.where("d.seq < :seq", { seq: page.after[0] });
  return query.getMany();
}

export function countDatasets(m: EntityManager): Promise<number> {
  return m.count(Dataset);
}

/** The first `first` rows of each dataset, in one query (for a DataLoader). */
export async function firstRowsOf(
  m: EntityManager,
  datasetIds: readonly string[],
  first: number,
): Promise<Map<string, DatasetRow[]>> {
  const rows = await m
    .createQueryBuilder(DatasetRow, "r")
    .where("r.dataset_id = ANY(:ids)", { ids: datasetIds })
    .andWhere("r.index < :first", { first })
    .orderBy("r.dataset_id")
    .addOrderBy("r.index")
    .getMany();
  const byDataset = new Map<string, DatasetRow[]>(datasetIds.map((id) => [id, []]));
  for (const row of rows) byDataset.get(row.datasetId)?.push(row);
  return byDataset;
}
