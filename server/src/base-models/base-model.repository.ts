import type { EntityManager } from "typeorm";
import type { CursorKey, PageRequest } from "../api/connection.js";
import { RunKind } from "../runs/run.entity.js";
import { BaseModel } from "./base-model.entity.js";

export function findBaseModel(m: EntityManager, id: string): Promise<BaseModel | null> {
  return m.findOneBy(BaseModel, { id });
}

export function findBaseModelByName(m: EntityManager, name: string): Promise<BaseModel | null> {
  return m.findOneBy(BaseModel, { name });
}

/** Inserts unless the name is taken; returns the id or null. */
export async function insertBaseModel(
  m: EntityManager,
  values: Omit<BaseModel, "id" | "seq" | "createdAt">,
): Promise<string | null> {
  const result = await m
    .createQueryBuilder()
    .insert()
    .into(BaseModel)
    .values(values as never)
    .orIgnore()
    .returning(["id"])
    .execute();
  return (result.raw as { id: string }[])[0]?.id ?? null;
}

export function baseModelCursorKey(b: BaseModel): CursorKey {
  return [b.seq];
}

export function listBaseModels(m: EntityManager, page: PageRequest): Promise<BaseModel[]> {
  const q = m
    .createQueryBuilder(BaseModel, "b")
    .orderBy("b.seq", "DESC")
    .limit(page.first + 1);
  if (page.after) q.where("b.seq < :seq", { seq: page.after[0] });
  return q.getMany();
}

export function countBaseModels(m: EntityManager): Promise<number> {
  return m.count(BaseModel);
}

/** Whether a run of this kind produces a base model's weights (its MODEL artifact): PRETRAIN and MERGE. */
export function producesBaseModel(kind: RunKind): boolean {
  return kind === RunKind.PRETRAIN || kind === RunKind.MERGE;
}

/**
 * The base model whose weights run `runId` produces — a PRETRAIN run's (pretrain_run_id) or a MERGE run's
 * (merge_run_id) — changed as the run ends, is cancelled or retried.
 */
export async function updateProducedModel(
  m: EntityManager,
  runId: string,
  set: Partial<Pick<BaseModel, "status" | "weightsArtifactId">>,
): Promise<void> {
  await m
    .createQueryBuilder()
    .update(BaseModel)
    .set(set)
    .where("pretrain_run_id = :runId OR merge_run_id = :runId", { runId })
    .execute();
}

/**
 * Before experiment `experimentId` is deleted with its adapters (and, through run.adapter_id, the MERGE runs
 * of those adapters): a merged model that has its weights keeps them — its MERGE run is detached from the
 * adapter, so the run and its MODEL artifact stay — and one still waiting for them can no longer get them
 * (FAILED).
 */
export async function detachMergesOfExperiment(m: EntityManager, experimentId: string): Promise<void> {
  const merges = `SELECT r.id FROM run r JOIN adapter a ON a.id = r.adapter_id JOIN run t ON t.id = a.run_id
                   WHERE r.kind = 'MERGE' AND t.experiment_id = $1`;
  await m.query(
    `UPDATE base_model SET status = 'FAILED' WHERE status = 'PENDING' AND merge_run_id IN (${merges})`,
    [experimentId],
  );
  await m.query(`UPDATE run SET adapter_id = NULL WHERE status = 'SUCCEEDED' AND id IN (${merges})`, [
    experimentId,
  ]);
}
