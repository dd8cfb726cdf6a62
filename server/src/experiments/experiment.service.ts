import { type Connection, type ConnectionArgs, pageRequest, toConnection } from "../api/connection.js";
import { notFoundError, userInputError } from "../api/errors.js";
import type { Events } from "../app/events.js";
import { BaseModelStatus } from "../base-models/base-model.entity.js";
import { findBaseModel } from "../base-models/base-model.repository.js";
import { findDataset } from "../datasets/dataset.repository.js";
import type { Database } from "../db/database.js";
import type { ListOrder } from "../runs/list-order.js";
import { predictRun } from "../runs/predict.js";
import { recordStatus } from "../runs/run-status.js";
import { RunKind, RunStatus } from "../runs/run.entity.js";
import { insertRuns, type NewRun } from "../runs/run.repository.js";
import { isUuid } from "../runs/uuid.js";
import type { Experiment } from "./experiment.entity.js";
import type { CreateExperimentInput, ExperimentFilter } from "./experiment.input.js";
import {
  countExperiments,
  experimentCursorKey,
  findExperiment,
  insertExperiment,
  listExperiments,
} from "./experiment.repository.js";
import { validateHyperparameters } from "./hyperparameters.js";

export const maxVariants = 50;
const labelPattern = /^[A-Za-z0-9_.:/-]{1,64}$/;

export class ExperimentService {
  constructor(
    private readonly db: Database,
    private readonly events: Events,
  ) {}

  /**
   * Validates everything (errors name the input field, e.g. `variants[1].method.r`), then stores the
   * experiment and one QUEUED run per variant, with core's predicted counts and memory, in one
   * transaction: on any error nothing is created.
   */
  async create(input: CreateExperimentInput): Promise<Experiment> {
    const name = input.name.trim();
    if (name === "" || name.length > 200)
      throw userInputError("name must be 1 to 200 characters", { field: "name" });
    if (input.description.length > 10_000) {
      throw userInputError("description must be at most 10,000 characters", { field: "description" });
    }
    const h = validateHyperparameters(input.hyperparameters);
    if (input.variants.length === 0 || input.variants.length > maxVariants) {
      throw userInputError(`variants must hold 1 to ${maxVariants} methods, got ${input.variants.length}`, {
        field: "variants",
      });
    }
    const { experiment, runIds } = await this.db.write(async (m) => {
      if (!isUuid(input.datasetId) || !(await findDataset(m, input.datasetId))) {
        throw userInputError(`dataset ${input.datasetId} does not exist`, { field: "datasetId" });
      }
      if (
        h.generalDatasetId &&
        (!isUuid(h.generalDatasetId) || !(await findDataset(m, h.generalDatasetId)))
      ) {
        throw userInputError(`dataset ${h.generalDatasetId} does not exist`, {
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
      const runs: NewRun[] = input.variants.map((v, i) => {
        const at = `variants[${i}]`;
        const prediction = predictRun(baseModel.config, v.method, h, {
          method: `${at}.method`,
          model: "baseModelId",
        });
        const labels = v.requiredLabels ?? [];
        labels.forEach((label, j) => {
          if (!labelPattern.test(label)) {
            throw userInputError(`label "${label}" must match ${labelPattern}`, {
              field: `${at}.requiredLabels[${j}]`,
            });
          }
        });
        const runName = v.name?.trim() || uniqueName(prediction.methodConfig.method, names);
        if (runName.length > 200)
          throw userInputError("name must be at most 200 characters", { field: `${at}.name` });
        if (names.has(runName)) {
          throw userInputError(`two variants are named "${runName}"`, { field: `${at}.name` });
        }
        names.add(runName);
        return {
          experimentId: null,
          kind: RunKind.TRAIN,
          name: runName,
          baseModelId: baseModel.id,
          datasetId: input.datasetId,
          method: prediction.methodConfig.method,
          methodConfig: prediction.methodConfig,
          hyperparameters: { ...h },
          requiredLabels: [...new Set(labels)],
          status: RunStatus.QUEUED,
          trainableParams: prediction.trainable,
          totalParams: prediction.total,
          predictedTotalBytes: prediction.totalBytes,
          predicted: prediction.predicted,
        };
      });
      const experimentId = await insertExperiment(m, {
        name,
        description: input.description,
        datasetId: input.datasetId,
        generalDatasetId: h.generalDatasetId,
        baseModelId: baseModel.id,
        hyperparameters: { ...h },
      });
      const runIds = await insertRuns(
        m,
        runs.map((r) => ({ ...r, experimentId })),
      );
      for (const runId of runIds) await recordStatus(m, runId, null, RunStatus.QUEUED, "created");
      return { experiment: (await findExperiment(m, experimentId))!, runIds };
    });
    this.events.publish("RUNS_QUEUED", { runIds });
    for (const runId of runIds) this.events.publish("RUN_UPDATED", { runId, experimentId: experiment.id });
    return experiment;
  }

  async get(id: string): Promise<Experiment> {
    const experiment = isUuid(id) ? await this.db.read((m) => findExperiment(m, id)) : null;
    if (!experiment) throw notFoundError("experiment", id);
    return experiment;
  }

  list(
    args: ConnectionArgs,
    filter: ExperimentFilter = {},
    order?: ListOrder | null,
  ): Promise<Connection<Experiment>> {
    const page = pageRequest(args, 1);
    return this.db.read(async (m) =>
      toConnection(
        await listExperiments(m, page, filter, order),
        page,
        await countExperiments(m, filter),
        experimentCursorKey,
      ),
    );
  }
}

/** "lora", then "lora-2", "lora-3" for further unnamed variants of the same method. */
function uniqueName(method: string, taken: Set<string>): string {
  if (!taken.has(method)) return method;
  let i = 2;
  while (taken.has(`${method}-${i}`)) i++;
  return `${method}-${i}`;
}
