import type { EntityManager } from "typeorm";
import type { CursorKey, PageRequest } from "../api/connection.js";
import { type ListOrder, seqOrder } from "../runs/list-order.js";
import { Experiment } from "./experiment.entity.js";

export function findExperiment(m: EntityManager, id: string): Promise<Experiment | null> {
  return m.findOneBy(Experiment, { id });
}

export async function insertExperiment(
  m: EntityManager,
  values: Omit<Experiment, "id" | "seq" | "createdAt">,
): Promise<string> {
  const result = await m
    .createQueryBuilder()
    .insert()
    .into(Experiment)
    .values(values as never)
    .returning(["id"])
    .execute();
  return (result.raw as { id: string }[])[0]!.id;
}

export interface ExperimentFilterValues {
  nameContains?: string | null;
}

function filtered(m: EntityManager, filter: ExperimentFilterValues) {
  const q = m.createQueryBuilder(Experiment, "e").where("true");
  if (filter.nameContains) {
    const escaped = filter.nameContains.replace(/[\\%_]/g, (c) => `\\${c}`);
    q.andWhere("e.name ILIKE :pattern", { pattern: `%${escaped}%` });
  }
  return q;
}

/** Newest (default) or oldest first; the cursor key is [seq]. */
export function experimentCursorKey(e: Experiment): CursorKey {
  return [e.seq];
}

export function listExperiments(
  m: EntityManager,
  page: PageRequest,
  filter: ExperimentFilterValues,
  order?: ListOrder | null,
): Promise<Experiment[]> {
  const { direction, after } = seqOrder(order);
  const q = filtered(m, filter)
    .orderBy("e.seq", direction)
    .limit(page.first + 1);
  if (page.after) q.andWhere(`e.seq ${after} :seq`, { seq: page.after[0] });
  return q.getMany();
}

export function countExperiments(m: EntityManager, filter: ExperimentFilterValues): Promise<number> {
  return filtered(m, filter).getCount();
}

export async function deleteExperimentRow(m: EntityManager, id: string): Promise<void> {
  await m.delete(Experiment, { id });
}
