import { randomInt } from "node:crypto";
import { expandSweep, SWEEP_HYPERPARAMETERS, type SweptRun, ValidationError } from "@tunelab/core";
import type { EntityManager } from "typeorm";
import { userInputError, validationInputError } from "../api/errors.js";
import { type BaseModel, BaseModelStatus } from "../base-models/base-model.entity.js";
import { findBaseModel } from "../base-models/base-model.repository.js";
import { findDataset } from "../datasets/dataset.repository.js";
import { predictRun } from "../runs/predict.js";
import { RunKind, RunStatus } from "../runs/run.entity.js";
import type { NewRun } from "../runs/run.repository.js";
import { isUuid } from "../runs/uuid.js";
import { ExperimentKind } from "./experiment.entity.js";
import type { CreateExperimentInput, HyperparametersInput } from "./experiment.input.js";
import { resolveVariantMethod, variantMethodField } from "./peft-variant.js";
import { type Hyperparameters, validateHyperparameters } from "./hyperparameters.js";
import type { Sweep, SweepStrategy } from "./sweep.types.js";

export const maxVariants = 50;
/** Runs one experiment may queue (a sweep's grid included). */
export const maxRunsPerExperiment = 100;
const labelPattern = /^[A-Za-z0-9_.:/-]{1,64}$/;

/** Everything createExperiment stores, validated; planExperiment shows it without storing. */
export interface ExperimentPlan {
  name: string;
  hyperparameters: Hyperparameters;
  baseModel: BaseModel;
  sweep: Sweep | null;
  combinations: number;
  runs: Omit<NewRun, "experimentId">[];
}

/**
 * Validates an experiment (errors name the input field: `variants[1].method.r`,
 * `sweep.parameters.r.values[2]`) and works out its runs, with core's predictions, reading only the
 * dataset and base model it refers to.
 */
export async function planExperiment(
  m: EntityManager,
  input: CreateExperimentInput,
): Promise<ExperimentPlan> {
  const name = input.name.trim();
  if (name === "" || name.length > 200)
    throw userInputError("name must be 1 to 200 characters", { field: "name" });
  if (input.description.length > 10_000) {
    throw userInputError("description must be at most 10,000 characters", { field: "description" });
  }
  if (input.kind === ExperimentKind.EVALUATION) {
    throw userInputError("kind EVALUATION trains nothing: evaluateAdapters creates those experiments", {
      field: "kind",
    });
  }
  const shared = validateHyperparameters(input.hyperparameters);
  if (input.variants.length === 0 || input.variants.length > maxVariants) {
    throw userInputError(`variants must hold 1 to ${maxVariants} methods, got ${input.variants.length}`, {
      field: "variants",
    });
  }
  input = {
    ...input,
    variants: input.variants.map((v, i) => ({ ...v, method: resolveVariantMethod(v, `variants[${i}]`) })),
  };
  const { runs: swept, sweep, combinations } = expand(input);
  const datasetId = input.datasetId ?? null;
  if (datasetId === null && input.kind !== ExperimentKind.PROFILE) {
    throw userInputError("datasetId is required: a TRAIN experiment trains on a dataset", {
      field: "datasetId",
    });
  }
  if (datasetId !== null && (!isUuid(datasetId) || !(await findDataset(m, datasetId)))) {
    throw userInputError(`dataset ${datasetId} does not exist`, { field: "datasetId" });
  }
  if (
    shared.generalDatasetId &&
    (!isUuid(shared.generalDatasetId) || !(await findDataset(m, shared.generalDatasetId)))
  ) {
    throw userInputError(`dataset ${shared.generalDatasetId} does not exist`, {
      field: "hyperparameters.generalDatasetId",
    });
  }
  const baseModel = isUuid(input.baseModelId) ? await findBaseModel(m, input.baseModelId) : null;
  if (!baseModel) {
    throw userInputError(`base model ${input.baseModelId} does not exist`, { field: "baseModelId" });
  }
  if (baseModel.status !== BaseModelStatus.READY) {
    throw userInputError(`base model "${baseModel.name}" is ${baseModel.status}, not READY`, {
      field: "baseModelId",
    });
  }
  const names = new Set<string>();
  const runs = swept.map((s): Omit<NewRun, "experimentId"> => {
    const at = `variants[${s.variant}]`;
    const v = input.variants[s.variant]!;
    const h = validateHyperparameters(
      { ...input.hyperparameters, ...s.hyperparameters } as HyperparametersInput,
      "hyperparameters",
      s.sources,
    );
    const prediction = predictRun(baseModel.config, s.method, h, {
      method: variantMethodField(v, at),
      model: "baseModelId",
      swept: s.sources,
    });
    const labels = v.requiredLabels ?? [];
    labels.forEach((label, j) => {
      if (!labelPattern.test(label)) {
        throw userInputError(`label "${label}" must match ${labelPattern}`, {
          field: `${at}.requiredLabels[${j}]`,
        });
      }
    });
    let runName: string;
    if (sweep) runName = uniqueName(s.name, names);
    else {
      runName = v.name?.trim() || uniqueName(prediction.methodConfig.method, names);
      if (names.has(runName)) {
        throw userInputError(`two variants are named "${runName}"`, { field: `${at}.name` });
      }
    }
    if (runName.length > 200)
      throw userInputError("name must be at most 200 characters", { field: `${at}.name` });
    names.add(runName);
    return {
      kind: input.kind === ExperimentKind.PROFILE ? RunKind.PROFILE : RunKind.TRAIN,
      name: runName,
      baseModelId: baseModel.id,
      datasetId,
      method: prediction.methodConfig.method,
      methodConfig: prediction.methodConfig,
      hyperparameters: { ...h },
      sweepValues: sweep ? s.sweepValues : null,
      requiredLabels: [...new Set(labels)],
      status: RunStatus.QUEUED,
      trainableParams: prediction.trainable,
      totalParams: prediction.total,
      predictedTotalBytes: prediction.totalBytes,
      predicted: prediction.predicted,
    };
  });
  return { name, hyperparameters: shared, baseModel, sweep, combinations, runs };
}

/** The variants as they are, or the sweep's runs (core's expandSweep) when the input sweeps anything. */
function expand(input: CreateExperimentInput): {
  runs: SweptRun[];
  sweep: Sweep | null;
  combinations: number;
} {
  if (input.sweep == null && input.variants.every((v) => v.sweep == null)) {
    const runs = input.variants.map(
      (v, variant): SweptRun => ({
        variant,
        name: "",
        method: v.method as SweptRun["method"],
        hyperparameters: {},
        sweepValues: {},
        sources: {},
      }),
    );
    return { runs, sweep: null, combinations: runs.length };
  }
  const given = input.sweep;
  const sweep =
    given == null
      ? null
      : {
          ...given,
          // Drawn when not given, and stored: a random sweep can always be drawn again.
          seed: given.strategy === "random" ? (given.seed ?? randomInt(0, 2 ** 32 - 1)) : given.seed,
        };
  let plan: ReturnType<typeof expandSweep>;
  try {
    // planExperiment has resolved every variant's method (resolveVariantMethod)
    const variants = input.variants.map((v) => ({ ...v, method: v.method! }));
    plan = expandSweep({ variants, sweep, maxRuns: maxRunsPerExperiment });
  } catch (e) {
    if (e instanceof ValidationError) throw validationInputError(e);
    throw e;
  }
  checkSweptHyperparameters(input.hyperparameters, plan.spec.parameters);
  const fields = [
    ...Object.keys(plan.spec.parameters),
    ...new Set(plan.variantParameters.flatMap((p) => Object.keys(p))),
  ];
  return {
    runs: plan.runs,
    combinations: plan.combinations,
    sweep: {
      strategy: plan.spec.strategy as SweepStrategy,
      parameters: plan.spec.parameters,
      count: plan.spec.count,
      seed: plan.spec.seed,
      variantParameters: plan.variantParameters,
      fields: [...new Set(fields)],
    },
  };
}

/** Every swept hyperparameter value on its own, so one a random sample skipped is refused all the same. */
function checkSweptHyperparameters(
  shared: HyperparametersInput,
  parameters: Record<string, { values: unknown[] }>,
): void {
  for (const [key, { values }] of Object.entries(parameters)) {
    if (!(SWEEP_HYPERPARAMETERS as readonly string[]).includes(key)) continue;
    values.forEach((value, j) => {
      validateHyperparameters({ ...shared, [key]: value } as HyperparametersInput, "hyperparameters", {
        [key]: `sweep.parameters.${key}.values[${j}]`,
      });
    });
  }
}

/** "lora", then "lora-2", "lora-3" for further runs of the same name. */
function uniqueName(name: string, taken: Set<string>): string {
  if (!taken.has(name)) return name;
  let i = 2;
  while (taken.has(`${name}-${i}`)) i++;
  return `${name}-${i}`;
}
