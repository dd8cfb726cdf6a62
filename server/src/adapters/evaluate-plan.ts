import { countParameters, resolveModel } from "@tunelab/core";
import type { EntityManager } from "typeorm";
import { userInputError, withInputPrefix } from "../api/errors.js";
import { BaseModelStatus } from "../base-models/base-model.entity.js";
import { findBaseModel } from "../base-models/base-model.repository.js";
import { findDataset } from "../datasets/dataset.repository.js";
import { ExperimentKind } from "../experiments/experiment.entity.js";
import type { Experiment } from "../experiments/experiment.entity.js";
import { type Hyperparameters, maxSamplePrompts } from "../experiments/hyperparameters.js";
import { predictRun } from "../runs/predict.js";
import { RunKind, RunStatus } from "../runs/run.entity.js";
import type { NewRun } from "../runs/run.repository.js";
import { isUuid } from "../runs/uuid.js";
import { baseSeeds, commonSeed, DEFAULT_TRAINING_SEED } from "../base-models/preset-seed.js";
import { Adapter, AdapterSource } from "./adapter.entity.js";
import type { EvaluateAdaptersInput } from "./evaluate.input.js";

/** How many adapters one evaluation measures (each is a run; the base alone is one more). */
export const maxEvaluatedAdapters = 16;

/** The method name of the reference row: the base model alone, no adapter. */
export const BASE_ALONE = "base";

export interface EvaluationPlan {
  experiment: Omit<Experiment, "id" | "seq" | "createdAt">;
  runs: Omit<NewRun, "experimentId">[];
}

/**
 * Validates an evaluateAdapters input (errors name the field: `adapterIds[2]`, `datasetId`,
 * `samplePrompts[0]`, …) and plans its EVALUATION experiment: one EVALUATE run per adapter and the base
 * alone, with core's counts. Nothing is stored here.
 */
export async function planEvaluation(
  m: EntityManager,
  input: EvaluateAdaptersInput,
): Promise<EvaluationPlan> {
  const ids = input.adapterIds;
  if (ids.length === 0 || ids.length > maxEvaluatedAdapters) {
    throw userInputError(`adapterIds must hold 1 to ${maxEvaluatedAdapters} adapters, got ${ids.length}`, {
      field: "adapterIds",
    });
  }
  const adapters = await loadAdapters(m, ids);
  const first = adapters[0]!;
  const base = (await findBaseModel(m, first.baseModelId))!;
  for (const [i, a] of adapters.entries()) {
    if (a.baseModelId !== first.baseModelId) {
      const other = (await findBaseModel(m, a.baseModelId))!;
      throw userInputError(
        `adapterIds[${i}]: adapter ${a.id} is for base model "${other.name}", adapterIds[0] for "${base.name}"; ` +
          "an evaluation compares adapters of one base model",
        { field: `adapterIds[${i}]` },
      );
    }
  }
  if (base.status !== BaseModelStatus.READY) {
    throw userInputError(`adapterIds[0]: base model "${base.name}" is ${base.status}, not READY`, {
      field: "adapterIds[0]",
    });
  }
  const dataset = isUuid(input.datasetId) ? await findDataset(m, input.datasetId) : null;
  if (!dataset) throw userInputError(`dataset ${input.datasetId} does not exist`, { field: "datasetId" });
  if (dataset.evalRowCount === 0) {
    throw userInputError(
      `dataset "${dataset.name}" has no eval split (0 EVAL rows): upload it with an evalFraction above 0`,
      { field: "datasetId" },
    );
  }
  const generalId = input.generalDatasetId ?? null;
  if (generalId !== null && (!isUuid(generalId) || !(await findDataset(m, generalId)))) {
    throw userInputError(`dataset ${generalId} does not exist`, { field: "generalDatasetId" });
  }
  const model = withInputPrefix("adapterIds[0]", () => resolveModel(base.config));
  const seqLen = input.seqLen ?? Math.min(256, model.max_position_embeddings);
  const int = (field: "batchSize" | "seqLen", v: number, max: number) => {
    if (!Number.isInteger(v) || v < 1 || v > max) {
      throw userInputError(`${field} must be an integer in [1, ${max}], got ${v}`, { field });
    }
  };
  int("batchSize", input.batchSize, 256);
  int("seqLen", seqLen, model.max_position_embeddings);
  if (input.samplePrompts.length > maxSamplePrompts) {
    throw userInputError(
      `samplePrompts holds at most ${maxSamplePrompts} prompts, got ${input.samplePrompts.length}`,
      {
        field: "samplePrompts",
      },
    );
  }
  input.samplePrompts.forEach((p, i) => {
    if (p.length === 0 || p.length > 2000) {
      throw userInputError(`samplePrompts[${i}] must be 1 to 2000 characters`, {
        field: `samplePrompts[${i}]`,
      });
    }
  });
  const name =
    input.name?.trim() ||
    `Evaluate ${ids.length} adapter${ids.length === 1 ? "" : "s"} on ${dataset.name}`.slice(0, 200);
  if (name.length > 200) throw userInputError("name must be at most 200 characters", { field: "name" });

  // what the runner reads (runner/README.md): no optimizer, no steps; the rest of a training run's shape
  // only for core's prediction, which is a training step's and so bounds a forward pass from above
  const stored = {
    steps: 0,
    batchSize: input.batchSize,
    seqLen,
    seed: DEFAULT_TRAINING_SEED,
    samplePrompts: input.samplePrompts,
    generalDatasetId: generalId,
  };
  const h: Hyperparameters = {
    ...stored,
    learningRate: 1e-4,
    evalEvery: 0,
    warmupSteps: 0,
    gradientAccumulation: 1,
    checkpointEvery: 0,
    gradientCheckpointing: false,
    optimizer: "adamw",
    dtype: "float32",
  };
  const runNames = await trainedBy(m, adapters);
  // a preset base is rebuilt per run from the seed its adapter trained from (preset-seed.ts); the base alone
  // from the one its adapters share
  const seeds = await baseSeeds(m, ids);
  const shared = commonSeed(adapters.map((a) => seeds.get(a.id)!));
  const baseAloneSeed = "seed" in shared ? shared.seed : DEFAULT_TRAINING_SEED;
  const common = {
    kind: RunKind.EVALUATE,
    baseModelId: base.id,
    datasetId: dataset.id,
    hyperparameters: { ...stored },
    requiredLabels: [],
    status: RunStatus.QUEUED,
  };
  const runs = adapters.map((a, i): Omit<NewRun, "experimentId"> => {
    const p = predictRun(base.config, { ...a.methodConfig, method: a.method }, h, {
      method: `adapterIds[${i}]`,
      model: `adapterIds[${i}]`,
      hyperparameters: "",
    });
    const from = a.source === AdapterSource.RUN ? `from ${runNames.get(a.runId!) ?? a.runId}` : "imported";
    return {
      ...common,
      name: `${a.method} ${from} (${a.id.slice(0, 8)})`.slice(0, 200),
      method: a.method,
      methodConfig: { ...a.methodConfig, method: a.method },
      trainableParams: a.trainableParams,
      totalParams: p.total,
      predictedTotalBytes: p.totalBytes,
      predicted: { ...p.predicted, trainable: a.trainableParams },
      hyperparameters: { ...stored, seed: seeds.get(a.id)! },
      inputAdapterId: a.id,
    };
  });
  const largest = runs.reduce((x, r) => (r.predictedTotalBytes > x.predictedTotalBytes ? r : x));
  const total = countParameters(model, { method: "full" }).total;
  runs.unshift({
    ...common,
    name: "base model alone",
    hyperparameters: { ...stored, seed: baseAloneSeed },
    method: BASE_ALONE,
    methodConfig: { method: BASE_ALONE },
    trainableParams: 0,
    totalParams: total,
    // a forward pass of the base needs less than any adapter's training step on it
    predictedTotalBytes: largest.predictedTotalBytes,
    predicted: {
      trainable: 0,
      total,
      trainablePercent: 0,
      targetModules: [],
      memory: largest.predicted.memory,
    },
    inputAdapterId: null,
  });
  return {
    experiment: {
      name,
      description: `Eval loss on "${dataset.name}"'s eval split${generalId ? ", forgetting on a general set" : ""}; nothing trained.`,
      kind: ExperimentKind.EVALUATION,
      datasetId: dataset.id,
      generalDatasetId: generalId,
      baseModelId: base.id,
      hyperparameters: { ...stored },
      sweep: null,
    },
    runs,
  };
}

/** The adapters in the order given; a bad, unknown or repeated id is named by its index. */
async function loadAdapters(m: EntityManager, ids: readonly string[]): Promise<Adapter[]> {
  ids.forEach((id, i) => {
    if (!isUuid(id))
      throw userInputError(`adapterIds[${i}] is not an id: ${JSON.stringify(id)}`, {
        field: `adapterIds[${i}]`,
      });
    const j = ids.indexOf(id);
    if (j !== i)
      throw userInputError(`adapterIds[${i}] repeats adapterIds[${j}]`, { field: `adapterIds[${i}]` });
  });
  const found = await m.createQueryBuilder(Adapter, "a").where("a.id = ANY(:ids)", { ids }).getMany();
  const byId = new Map(found.map((a) => [a.id, a]));
  return ids.map((id, i) => {
    const a = byId.get(id);
    if (!a) throw userInputError(`adapter ${id} does not exist`, { field: `adapterIds[${i}]` });
    return a;
  });
}

/** The names of the runs that trained the adapters (source RUN), by run id, in one query. */
async function trainedBy(m: EntityManager, adapters: readonly Adapter[]): Promise<Map<string, string>> {
  const runIds = adapters.flatMap((a) => (a.runId ? [a.runId] : []));
  if (runIds.length === 0) return new Map();
  const rows: { id: string; name: string }[] = await m.query(
    `SELECT id, name FROM run WHERE id = ANY($1::uuid[])`,
    [runIds],
  );
  return new Map(rows.map((r) => [r.id, r.name]));
}
