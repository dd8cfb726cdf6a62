import type { EntityManager } from "typeorm";

/** The seed a training run gets when its hyperparameters name none (CreateExperimentInput). */
export const DEFAULT_TRAINING_SEED = 42;

/**
 * A preset base model has no stored weights: every job rebuilds them from a seed, so an adapter fits only
 * the weights its training run started from. Jobs that load an adapter on its base (evaluate, merge, the
 * playground) rebuild the base from that run's seed; an imported adapter, or one whose run is gone, from the
 * seed a training run gets by default. (Bases with weights or a host folder ignore the seed.)
 */
export function baseSeedOf(trainedWith: Record<string, unknown> | null | undefined): number {
  const seed = trainedWith?.seed;
  return typeof seed === "number" && Number.isInteger(seed) ? seed : DEFAULT_TRAINING_SEED;
}

/** baseSeedOf for each adapter id, read in one query. */
export async function baseSeeds(
  m: EntityManager,
  adapterIds: readonly string[],
): Promise<Map<string, number>> {
  if (adapterIds.length === 0) return new Map();
  const rows: { id: string; hyperparameters: Record<string, unknown> | null }[] = await m.query(
    `SELECT a.id, r.hyperparameters FROM adapter a LEFT JOIN run r ON r.id = a.run_id WHERE a.id = ANY($1::uuid[])`,
    [adapterIds],
  );
  return new Map(rows.map((r) => [r.id, baseSeedOf(r.hyperparameters)]));
}

/**
 * The one seed a job holding several adapters of a preset base rebuilds it with: theirs when they agree,
 * else the index of the first adapter that disagrees (they do not share a base: no one job can hold them).
 */
export function commonSeed(seeds: readonly number[]): { seed: number } | { conflictAt: number } {
  const seed = seeds[0] ?? DEFAULT_TRAINING_SEED;
  const at = seeds.findIndex((s) => s !== seed);
  return at === -1 ? { seed } : { conflictAt: at };
}
