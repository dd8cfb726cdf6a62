import DataLoader from "dataloader";
import type { EntityManager } from "typeorm";
import { Adapter } from "../adapters/adapter.entity.js";
import { adaptersOfRuns, evaluationsOfAdapters } from "../adapters/adapter.repository.js";
import { Artifact, type ArtifactFile } from "../artifacts/artifact.entity.js";
import { BaseModel } from "../base-models/base-model.entity.js";
import { Dataset } from "../datasets/dataset.entity.js";
import type { Database } from "../db/database.js";
import { Experiment } from "../experiments/experiment.entity.js";
import type { PlaygroundOutput } from "../playground/playground.entity.js";
import { outputsOfSessions } from "../playground/playground.repository.js";
import { Runner } from "../runners/runner.entity.js";
import type { RunAttempt } from "./run-attempt.type.js";
import type { RunSample } from "./run-sample.entity.js";
import type { RunStatusChange } from "./run-status-change.entity.js";
import { Run, type RunStatus } from "./run.entity.js";
import {
  artifactsOfRuns,
  attemptsOf,
  filesOfArtifacts,
  metricKeysOf,
  outputArtifactsOf,
  runsOfExperiments,
  samplesOf,
  statusCountsOf,
  statusHistoryOf,
} from "./run.repository.js";

/**
 * Per-request loaders of everything the people API's field resolvers read: each batches the keys of one
 * request tick into one query (no per-row queries in field resolvers).
 */
export type PeopleLoaders = ReturnType<typeof createPeopleLoaders>;

export function createPeopleLoaders(db: Database) {
  const batched = <K, V>(query: (m: EntityManager, keys: readonly K[]) => Promise<V[]>) =>
    new DataLoader<K, V>((keys) => db.read((m) => query(m, keys)));
  const byId = <T extends { id: string }>(entity: new () => T) =>
    batched<string, T | null>(async (m, ids) => {
      const rows = (await m
        .createQueryBuilder(entity, "e")
        .where("e.id = ANY(:ids)", { ids })
        .getMany()) as T[];
      const by = new Map(rows.map((r) => [r.id, r]));
      return ids.map((id) => by.get(id) ?? null);
    });
  return {
    baseModel: byId(BaseModel),
    dataset: byId(Dataset),
    experiment: byId(Experiment),
    run: byId(Run),
    artifact: byId(Artifact),
    runner: byId(Runner),
    adapter: byId(Adapter),
    runsOfExperiment: batched<string, Run[]>(runsOfExperiments),
    statusCounts: batched<string, { status: RunStatus; count: number }[]>(statusCountsOf),
    statusHistory: batched<string, RunStatusChange[]>(statusHistoryOf),
    attempts: batched<string, RunAttempt[]>(attemptsOf),
    samples: batched<string, RunSample[]>(samplesOf),
    metricKeys: batched<string, string[]>(metricKeysOf),
    adapterOfRun: batched<string, Adapter | null>(adaptersOfRuns),
    evaluationsOfAdapter: batched<string, Run[]>((m, ids) => evaluationsOfAdapters(m, ids)),
    outputArtifact: batched<string, Artifact | null>(outputArtifactsOf),
    artifacts: batched<string, Artifact[]>(artifactsOfRuns),
    artifactFiles: batched<string, ArtifactFile[]>(filesOfArtifacts),
    playgroundOutputs: batched<string, PlaygroundOutput[]>(outputsOfSessions),
  };
}
