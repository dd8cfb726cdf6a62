import type { EntityManager, SelectQueryBuilder } from "typeorm";
import type { PageRequest } from "../api/connection.js";
import type { FolderForDownload } from "../artifacts/folder-zip.js";
import { Run, RunKind } from "../runs/run.entity.js";
import { Adapter } from "./adapter.entity.js";

/** Queries over adapters; each takes the EntityManager of the surrounding Database.read/write. */

export interface AdapterFilterValues {
  baseModelId?: string | null;
  method?: string | null;
  experimentId?: string | null;
}

function filtered(m: EntityManager, filter: AdapterFilterValues): SelectQueryBuilder<Adapter> {
  const q = m.createQueryBuilder(Adapter, "a");
  if (filter.baseModelId) q.andWhere("a.base_model_id = :baseModelId", { baseModelId: filter.baseModelId });
  if (filter.method) q.andWhere("a.method = :method", { method: filter.method });
  if (filter.experimentId) {
    q.andWhere("a.run_id IN (SELECT r.id FROM run r WHERE r.experiment_id = :experimentId)", {
      experimentId: filter.experimentId,
    });
  }
  return q;
}

/** Newest first; the cursor is the seq. */
export function listAdapters(
  m: EntityManager,
  filter: AdapterFilterValues,
  page: PageRequest,
): Promise<Adapter[]> {
  const q = filtered(m, filter)
    .orderBy("a.seq", "DESC")
    .limit(page.first + 1);
  if (page.after) q.andWhere("a.seq < :seq", { seq: page.after[0] });
  return q.getMany();
}

export function countAdapters(m: EntityManager, filter: AdapterFilterValues): Promise<number> {
  return filtered(m, filter).getCount();
}

export function findAdapter(m: EntityManager, id: string): Promise<Adapter | null> {
  return m.findOneBy(Adapter, { id });
}

/** The newest adapter of each run (what `Run.adapter` returns), in one query. */
export async function adaptersOfRuns(
  m: EntityManager,
  runIds: readonly string[],
): Promise<(Adapter | null)[]> {
  const rows = await m
    .createQueryBuilder(Adapter, "a")
    .distinctOn(["a.run_id"])
    .where("a.run_id = ANY(:runIds)", { runIds })
    .orderBy("a.run_id")
    .addOrderBy("a.seq", "DESC")
    .getMany();
  const by = new Map(rows.map((a) => [a.runId, a]));
  return runIds.map((id) => by.get(id) ?? null);
}

/**
 * The EVALUATE runs that measured each adapter, newest first (evaluateAdapters: each is one row of an
 * EVALUATION experiment). At most `limit` per adapter.
 */
export async function evaluationsOfAdapters(
  m: EntityManager,
  adapterIds: readonly string[],
  limit = 50,
): Promise<Run[][]> {
  const rows = await m
    .createQueryBuilder(Run, "r")
    .where("r.adapter_id = ANY(:adapterIds)", { adapterIds })
    .andWhere("r.kind = :kind", { kind: RunKind.EVALUATE })
    .orderBy("r.seq", "DESC")
    .getMany();
  const by = new Map<string, Run[]>(adapterIds.map((id) => [id, []]));
  for (const r of rows) {
    const list = by.get(r.inputAdapterId!)!;
    if (list.length < limit) list.push(r);
  }
  return adapterIds.map((id) => by.get(id)!);
}

/** The adapter row of an ADAPTER artifact a run just uploaded: what the run trained, as core counted it. */
export async function insertRunAdapter(m: EntityManager, artifactId: string): Promise<void> {
  await m.query(
    `INSERT INTO adapter (artifact_id, base_model_id, method, method_config, trainable_params, size_bytes,
                          source, run_id)
     SELECT a.id, r.base_model_id, r.method, r.method_config, r.trainable_params, a.size_bytes, 'RUN', r.id
       FROM artifact a JOIN run r ON r.id = a.run_id
      WHERE a.id = $1`,
    [artifactId],
  );
}

/**
 * An adapter's files with who may download them (runners that held an attempt of its run: none for an
 * imported adapter), in one query; null when the adapter is unknown.
 */
export async function folderForDownload(
  m: EntityManager,
  adapterId: string,
): Promise<FolderForDownload | null> {
  const rows: { name: string | null; content: Buffer | null; runner_ids: string[] | null }[] = await m.query(
    `SELECT f.name, f.content,
            (SELECT array_agg(DISTINCT j.runner_id) FROM job j WHERE j.run_id = a.run_id) AS runner_ids
       FROM adapter a LEFT JOIN artifact_file f ON f.artifact_id = a.artifact_id
      WHERE a.id = $1
      ORDER BY f.name`,
    [adapterId],
  );
  if (rows.length === 0) return null;
  return {
    runnerIds: rows[0]!.runner_ids ?? [],
    files: rows.flatMap((r) =>
      r.name !== null && r.content !== null ? [{ name: r.name, content: r.content }] : [],
    ),
  };
}
