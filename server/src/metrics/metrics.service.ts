import { recordMetricReads } from "../app/answer-cache/read-dependencies.js";
import { userInputError } from "../api/errors.js";
import type { EntityManager } from "typeorm";
import type { Database } from "../db/database.js";
import { RunSample } from "../runs/run-sample.entity.js";
import { finishedStatuses, Run } from "../runs/run.entity.js";
import { isUuid } from "../runs/uuid.js";
import type { RunComparison } from "./compare.types.js";
import type { MetricSeries } from "./metric-point.type.js";
import {
  downsampledSeries,
  finishedStamps,
  type MetricSummary,
  metricSummaries,
} from "./metrics.repository.js";
import { FinishedRunCache } from "./series-cache.js";
import { emptySeries } from "./series-columns.js";

export const maxRunIds = 100;
export const maxKeys = 50;
export const maxMaxPoints = 10_000;
const summaryKeys = ["train_loss", "eval_loss", "tokens_per_second"];

export interface CompareTarget {
  runIds?: readonly string[] | null;
  experimentId?: string | null;
}

function checkIds(ids: readonly string[], field: string): void {
  if (ids.length === 0 || ids.length > maxRunIds) {
    throw userInputError(`${field} must hold 1 to ${maxRunIds} ids, got ${ids.length}`, { field });
  }
  ids.forEach((id, i) => {
    if (!isUuid(id)) throw userInputError(`run ${id} does not exist`, { field: `${field}[${i}]` });
  });
}

export class MetricsService {
  /** Finished runs' downsampled series, bounded by the points they hold. */
  private readonly seriesCache: FinishedRunCache<readonly MetricSeries[]>;
  /** Finished runs' summaries for compare (a few numbers per key: bounded by entries). */
  private readonly summaryCache: FinishedRunCache<readonly MetricSummary[]>;

  /** cachePoints 0 (the default) turns both caches off: every read runs the SQL. */
  constructor(
    private readonly db: Database,
    cachePoints = 0,
  ) {
    this.seriesCache = new FinishedRunCache(cachePoints, (series) =>
      series.reduce((n, s) => n + s.steps.length, 0),
    );
    this.summaryCache = new FinishedRunCache(Math.ceil(cachePoints / 100), (summaries) => summaries.length);
  }

  /**
   * Every (run, key) series, downsampled in the database in one statement (see downsampledSeries);
   * series come in runIds order, keys sorted, each with at most maxPoints points, first and last kept.
   * Finished runs' series come from the cache when it holds them under the run's current finished stamp.
   */
  async series(
    runIds: readonly string[],
    keys: readonly string[] | null,
    maxPoints: number,
  ): Promise<MetricSeries[]> {
    checkIds(runIds, "runIds");
    if (keys && keys.length > maxKeys) {
      throw userInputError(`keys holds at most ${maxKeys} keys, got ${keys.length}`, { field: "keys" });
    }
    if (!Number.isInteger(maxPoints) || maxPoints < 4 || maxPoints > maxMaxPoints) {
      throw userInputError(`maxPoints must be an integer in [4, ${maxMaxPoints}], got ${maxPoints}`, {
        field: "maxPoints",
      });
    }
    const ids = [...new Set(runIds)];
    recordMetricReads(ids);
    const wantedKeys = keys ? [...new Set(keys)].sort() : null;
    const stamps = this.seriesCache.enabled
      ? await this.db.read((m) => finishedStamps(m, ids))
      : new Map<string, string>();
    const byRun = new Map<string, readonly MetricSeries[]>();
    for (const id of ids) {
      const stamp = stamps.get(id);
      const hit = stamp === undefined ? undefined : this.seriesCache.get(id, stamp, [wantedKeys, maxPoints]);
      if (hit) byRun.set(id, hit);
    }
    const missing = ids.filter((id) => !byRun.has(id));
    if (missing.length > 0) {
      const read = await this.db.read((m) => downsampledSeries(m, missing, wantedKeys, maxPoints));
      const stored = new Map<string, Map<string, MetricSeries>>();
      for (const s of read) {
        const run = stored.get(s.runId) ?? new Map<string, MetricSeries>();
        stored.set(s.runId, run);
        run.set(s.key, s);
      }
      for (const runId of missing) {
        const run = stored.get(runId) ?? new Map<string, MetricSeries>();
        const series = (wantedKeys ?? [...run.keys()].sort()).map(
          (key) => run.get(key) ?? emptySeries(runId, key),
        );
        byRun.set(runId, series);
        const stamp = stamps.get(runId);
        // Stamped before the points were read: if the run was retried in between, this entry's stamp
        // can never be the run's again, so it is never served.
        if (stamp !== undefined) this.seriesCache.set(runId, stamp, [wantedKeys, maxPoints], series);
      }
    }
    return ids.flatMap((id) => byRun.get(id)!.map((s) => ({ ...s })));
  }

  /** The runs of an experiment (variant order) or the given runs (that order), side by side. */
  async compare(target: CompareTarget): Promise<RunComparison[]> {
    const byExperiment = target.experimentId != null;
    if (byExperiment === (target.runIds != null)) {
      throw userInputError("give exactly one of runIds or experimentId", {
        field: byExperiment ? "runIds" : "experimentId",
      });
    }
    if (byExperiment && !isUuid(target.experimentId!)) {
      throw userInputError(`experiment ${target.experimentId} does not exist`, { field: "experimentId" });
    }
    if (!byExperiment) checkIds(target.runIds!, "runIds");
    return this.db.read(async (m) => {
      let runs: Run[];
      if (byExperiment) {
        runs = await m.find(Run, { where: { experimentId: target.experimentId! }, order: { seq: "ASC" } });
        if (
          runs.length === 0 &&
          !(await m.query(`SELECT 1 FROM experiment WHERE id = $1`, [target.experimentId]))[0]
        ) {
          throw userInputError(`experiment ${target.experimentId} does not exist`, { field: "experimentId" });
        }
      } else {
        const found = await m
          .createQueryBuilder(Run, "r")
          .where("r.id = ANY(:ids)", { ids: target.runIds })
          .getMany();
        const byId = new Map(found.map((r) => [r.id, r]));
        runs = target.runIds!.map((id, i) => {
          const run = byId.get(id);
          if (!run) throw userInputError(`run ${id} does not exist`, { field: `runIds[${i}]` });
          return run;
        });
      }
      const ids = runs.map((r) => r.id);
      recordMetricReads(ids);
      const summaries = await this.summaries(m, runs);
      const samples = await m
        .createQueryBuilder(RunSample, "s")
        .distinctOn(["s.run_id", "s.prompt"])
        .where("s.run_id = ANY(:ids)", { ids })
        .orderBy("s.run_id")
        .addOrderBy("s.prompt")
        .addOrderBy("s.step", "DESC")
        .getMany();
      const summary = (runId: string, key: string) =>
        summaries.find((s) => s.runId === runId && s.key === key);
      return runs
        .map((run): RunComparison => {
          const result = (run.result ?? {}) as Record<string, unknown>;
          const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : null);
          const train = summary(run.id, "train_loss");
          const evalLoss = summary(run.id, "eval_loss");
          const tps = summary(run.id, "tokens_per_second");
          const forgetting = (result.forgetting ?? null) as Record<string, unknown> | null;
          const before = num(forgetting?.generalLossBefore);
          const after = num(forgetting?.generalLossAfter);
          const predicted = run.predicted as { memory?: Record<string, unknown> };
          return {
            runId: run.id,
            name: run.name,
            experimentId: run.experimentId,
            status: run.status,
            kind: run.kind,
            inputAdapterId: run.inputAdapterId,
            method: run.method,
            methodConfig: run.methodConfig,
            hyperparameters: run.hyperparameters,
            sweepValues: run.sweepValues,
            trainableParams: run.trainableParams,
            totalParams: run.totalParams,
            trainablePercent: (100 * run.trainableParams) / run.totalParams,
            predictedTotalBytes: run.predictedTotalBytes,
            predictedMemory: predicted.memory ?? {},
            measuredPeakBytes: run.measuredPeakBytes ?? num(result.measuredPeakBytes),
            peakOverPredicted: null,
            finalTrainLoss: run.finalTrainLoss ?? num(result.finalTrainLoss) ?? train?.last ?? null,
            bestTrainLoss: train?.min ?? null,
            finalEvalLoss: evalLoss?.last ?? null,
            bestEvalLoss: run.bestEvalLoss ?? num(result.bestEvalLoss) ?? evalLoss?.min ?? null,
            tokensPerSecond: run.tokensPerSecond ?? num(result.tokensPerSecond) ?? tps?.mean ?? null,
            startedAt: run.startedAt,
            durationMs:
              run.startedAt && run.finishedAt ? run.finishedAt.getTime() - run.startedAt.getTime() : null,
            steps: train?.lastStep ?? num(result.steps),
            forgetting,
            forgettingDelta: before !== null && after !== null ? after - before : null,
            samples: samples.filter((s) => s.runId === run.id),
          };
        })
        .map((c) => ({
          ...c,
          peakOverPredicted:
            c.measuredPeakBytes !== null ? c.measuredPeakBytes / c.predictedTotalBytes : null,
        }));
    });
  }

  /**
   * compare's per-run summaries of train/eval loss and throughput: finished runs' from the cache (stamped
   * by the run rows just read), the others' in one statement.
   */
  private async summaries(m: EntityManager, runs: readonly Run[]): Promise<MetricSummary[]> {
    const stamp = (run: Run) =>
      finishedStatuses.includes(run.status) && run.finishedAt
        ? `${run.finishedAt.getTime()}/${run.attemptCount}`
        : undefined;
    const out: MetricSummary[] = [];
    const missing: Run[] = [];
    for (const run of runs) {
      const s = stamp(run);
      const hit = s === undefined ? undefined : this.summaryCache.get(run.id, s, summaryKeys);
      if (hit) out.push(...hit);
      else missing.push(run);
    }
    if (missing.length === 0) return out;
    const read = await metricSummaries(
      m,
      missing.map((r) => r.id),
      summaryKeys,
    );
    for (const run of missing) {
      const mine = read.filter((r) => r.runId === run.id);
      out.push(...mine);
      const s = stamp(run);
      if (s !== undefined) this.summaryCache.set(run.id, s, summaryKeys, mine);
    }
    return out;
  }
}
