import type { EntityManager } from "typeorm";
import { finishedStatuses } from "../runs/run.entity.js";
import type { MetricSeries } from "./metric-point.type.js";

/**
 * Every requested series downsampled in one statement, exactly as downsampleMinMax does it: the first and
 * last point of a series, and in each of B = ⌊(maxPoints − 2) / 2⌋ buckets over the inner points the first
 * minimum and the first maximum. Inner index j (0-based, after the first point) falls in bucket
 * ⌊((j + 1)·B − 1) / inner⌋, the bucket whose start ⌊b·inner/B⌋ is the last ≤ j. Series with at most
 * maxPoints points come back whole. `keys` null = every key. One row per series, its kept points as JSON
 * arrays (a row per point, or a PostgreSQL array, costs the server more to parse than JSON.parse does;
 * float8 prints exactly), in (run, key) order; series with no points are absent.
 */
export async function downsampledSeries(
  m: EntityManager,
  runIds: readonly string[],
  keys: readonly string[] | null,
  maxPoints: number,
): Promise<MetricSeries[]> {
  const buckets = Math.max(1, Math.floor((maxPoints - 2) / 2));
  const rows: {
    run_id: string;
    key: string;
    n: string;
    steps: number[];
    vals: number[];
    wall_ms: number[];
  }[] = await m.query(
    `WITH numbered AS (
       SELECT run_id, key, step, value, wall_time,
              row_number() OVER (PARTITION BY run_id, key ORDER BY step) - 1 AS i,
              count(*) OVER (PARTITION BY run_id, key) AS n
         FROM metric_point
        WHERE run_id = ANY($1::uuid[]) AND ($2::text[] IS NULL OR key = ANY($2::text[]))
     ), bucketed AS (
       SELECT *, CASE WHEN n > $3 AND i > 0 AND i < n - 1 THEN (i * $4 - 1) / (n - 2) END AS bucket
         FROM numbered
     ), ranked AS (
       SELECT *,
              row_number() OVER (PARTITION BY run_id, key, bucket ORDER BY value, step) AS lo,
              row_number() OVER (PARTITION BY run_id, key, bucket ORDER BY value DESC, step) AS hi
         FROM bucketed
     )
     SELECT run_id, key, max(n) AS n, json_agg(step ORDER BY step) AS steps,
            json_agg(value ORDER BY step) AS vals,
            json_agg((extract(epoch FROM wall_time) * 1000)::bigint ORDER BY step) AS wall_ms
       FROM ranked
      WHERE bucket IS NULL OR lo = 1 OR hi = 1
      GROUP BY run_id, key
      ORDER BY run_id, key`,
    [runIds, keys, maxPoints, buckets],
  );
  return rows.map((r) => ({
    runId: r.run_id,
    key: r.key,
    totalPoints: Number(r.n),
    steps: Int32Array.from(r.steps),
    values: Float64Array.from(r.vals),
    wallTimesMs: Float64Array.from(r.wall_ms),
  }));
}

/**
 * For each of the runs that is finished (its points can no longer change): a stamp that changes whenever
 * it finishes again (finished_at and attempt_count; a retry deletes the points and clears finished_at).
 */
export async function finishedStamps(
  m: EntityManager,
  runIds: readonly string[],
): Promise<Map<string, string>> {
  const rows: { id: string; stamp: string }[] = await m.query(
    `SELECT id, finished_at::text || '/' || attempt_count AS stamp
       FROM run
      WHERE id = ANY($1::uuid[]) AND status = ANY($2::text[]) AND finished_at IS NOT NULL`,
    [runIds, finishedStatuses],
  );
  return new Map(rows.map((r) => [r.id, r.stamp]));
}

export interface MetricSummary {
  runId: string;
  key: string;
  count: number;
  min: number;
  last: number;
  lastStep: number;
  mean: number;
}

/** Per (run, key): count, min, mean and the value at the last step, in one statement. */
export async function metricSummaries(
  m: EntityManager,
  runIds: readonly string[],
  keys: readonly string[],
): Promise<MetricSummary[]> {
  const rows: {
    run_id: string;
    key: string;
    count: string;
    min: number;
    last: number;
    last_step: number;
    mean: number;
  }[] = await m.query(
    `SELECT run_id, key, count(*) AS count, min(value) AS min, avg(value) AS mean, max(step) AS last_step,
              (array_agg(value ORDER BY step DESC))[1] AS last
         FROM metric_point WHERE run_id = ANY($1::uuid[]) AND key = ANY($2::text[])
        GROUP BY run_id, key`,
    [runIds, keys],
  );
  return rows.map((r) => ({
    runId: r.run_id,
    key: r.key,
    count: Number(r.count),
    min: r.min,
    last: r.last,
    lastStep: r.last_step,
    mean: r.mean,
  }));
}
