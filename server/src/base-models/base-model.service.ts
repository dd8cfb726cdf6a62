import { estimate, mergeMemoryBytes, mergeRefusal, resolveModel, ValidationError } from "@tunelab/core";
import { GraphQLError } from "graphql";
import { type Connection, type ConnectionArgs, pageRequest, toConnection } from "../api/connection.js";
import { notFoundError, userInputError, validationInputError } from "../api/errors.js";
import { findAdapter } from "../adapters/adapter.repository.js";
import type { Events } from "../app/events.js";
import { findDataset } from "../datasets/dataset.repository.js";
import type { Database } from "../db/database.js";
import { validateHyperparameters } from "../experiments/hyperparameters.js";
import { predictRun } from "../runs/predict.js";
import { recordStatus } from "../runs/run-status.js";
import { RunKind, RunStatus } from "../runs/run.entity.js";
import { findRun, insertRuns } from "../runs/run.repository.js";
import { isUuid } from "../runs/uuid.js";
import { baseSeedOf } from "./preset-seed.js";
import { BaseModel, BaseModelSource, BaseModelStatus } from "./base-model.entity.js";
import type { CreateBaseModelInput, PretrainBaseModelInput } from "./base-model.input.js";
import {
  baseModelCursorKey,
  countBaseModels,
  findBaseModel,
  insertBaseModel,
  listBaseModels,
} from "./base-model.repository.js";

/** core's model errors under the client's field: `config.hidden_size`, or `preset`. */
function resolveModelAt(field: "preset" | "config", input: unknown): Record<string, unknown> {
  try {
    return resolveModel(input) as unknown as Record<string, unknown>;
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    throw validationInputError(error, (f) =>
      field === "preset" ? "preset" : `config.${f.replace(/^model\.?/, "")}`.replace(/\.$/, ""),
    );
  }
}

function checkName(raw: string): string {
  const name = raw.trim();
  if (name === "" || name.length > 200)
    throw userInputError("name must be 1 to 200 characters", { field: "name" });
  return name;
}

function nameTaken(name: string): GraphQLError {
  return userInputError(`a base model named "${name}" exists already`, { field: "name" });
}

export class BaseModelService {
  constructor(
    private readonly db: Database,
    private readonly events: Events,
  ) {}

  /** Registers a model from a core preset or a config.json (random weights), or a folder on the runners. */
  async create(input: CreateBaseModelInput): Promise<BaseModel> {
    const name = checkName(input.name);
    const hostPath = input.hostPath?.trim() || null;
    if (input.hostPath != null && hostPath === null) {
      throw userInputError("hostPath must not be empty", { field: "hostPath" });
    }
    const hasPreset = input.preset != null;
    const hasConfig = input.config != null;
    // Runners load a host folder's weights by its own config.json, but estimates and placement read the
    // registered architecture: without one the folder's model is unknown here.
    if (hostPath && !hasPreset && !hasConfig) {
      throw userInputError(
        "a hostPath needs its config: give the folder's config.json as config (or the preset it is)",
        { field: "config" },
      );
    }
    if (hasPreset === hasConfig) {
      throw userInputError("give exactly one of preset or config", {
        field: hasPreset ? "config" : "preset",
      });
    }
    const config = hasPreset
      ? resolveModelAt("preset", input.preset)
      : resolveModelAt("config", input.config);
    return this.db.write(async (m) => {
      const id = await insertBaseModel(m, {
        name,
        config,
        preset: input.preset ?? null,
        source: hostPath ? BaseModelSource.HOST_PATH : BaseModelSource.PRESET,
        hostPath,
        status: BaseModelStatus.READY,
        weightsArtifactId: null,
        pretrainRunId: null,
        mergedAdapterId: null,
        mergeRunId: null,
      });
      if (id === null) throw nameTaken(name);
      return (await findBaseModel(m, id))!;
    });
  }

  /**
   * A PENDING base model and its PRETRAIN run (method full, from random weights) in one transaction;
   * dispatch marks the model READY with the run's MODEL artifact when it succeeds.
   */
  async pretrain(input: PretrainBaseModelInput): Promise<BaseModel> {
    const name = checkName(input.name);
    const config = resolveModelAt("preset", input.preset);
    const hyperparameters = validateHyperparameters(
      {
        steps: input.steps,
        learningRate: input.learningRate,
        batchSize: input.batchSize,
        seqLen: input.seqLen,
        seed: input.seed,
        evalEvery: 0,
        warmupSteps: 0,
        gradientAccumulation: 1,
        checkpointEvery: 0,
        samplePrompts: [],
        generalDatasetId: null,
        gradientCheckpointing: false,
        optimizer: "adamw",
        dtype: "float32",
      },
      "",
    );
    const prediction = predictRun(config, { method: "full" }, hyperparameters, {
      method: "method",
      model: "preset",
      hyperparameters: "",
    });
    const { model, runId } = await this.db.write(async (m) => {
      if (!isUuid(input.datasetId) || !(await findDataset(m, input.datasetId))) {
        throw userInputError(`dataset ${input.datasetId} does not exist`, { field: "datasetId" });
      }
      const id = await insertBaseModel(m, {
        name,
        config,
        preset: input.preset,
        source: BaseModelSource.PRETRAINED,
        hostPath: null,
        status: BaseModelStatus.PENDING,
        weightsArtifactId: null,
        pretrainRunId: null,
        mergedAdapterId: null,
        mergeRunId: null,
      });
      if (id === null) throw nameTaken(name);
      const [runId] = await insertRuns(m, [
        {
          experimentId: null,
          kind: RunKind.PRETRAIN,
          name: `pretrain ${name}`,
          baseModelId: id,
          datasetId: input.datasetId,
          method: "full",
          methodConfig: prediction.methodConfig,
          hyperparameters: { ...hyperparameters },
          requiredLabels: [],
          status: RunStatus.QUEUED,
          trainableParams: prediction.trainable,
          totalParams: prediction.total,
          predictedTotalBytes: prediction.totalBytes,
          predicted: prediction.predicted,
        },
      ]);
      await m.update(BaseModel, { id }, { pretrainRunId: runId! });
      await recordStatus(m, runId!, null, RunStatus.QUEUED, "pretraining requested");
      return { model: (await findBaseModel(m, id))!, runId: runId! };
    });
    this.events.publish("RUNS_QUEUED", { runIds: [runId] });
    this.events.publish("RUN_UPDATED", { runId, experimentId: null });
    return model;
  }

  /**
   * A PENDING base model (source MERGED) and the MERGE run that folds `adapterId` into its base model's
   * weights, in one transaction; dispatch marks the model READY with the run's MODEL artifact (an HF folder)
   * when it succeeds. Only LoRA, QLoRA, DoRA and IA3 merge (core's mergeRefusal names why others do not);
   * the adapter's base must be READY. A preset base is rebuilt from the seed its adapter's run trained with,
   * and the base's frozen weights are stored in that run's dtype (what the adapter saw); the merge is float32.
   */
  async merge(adapterId: string, rawName: string): Promise<BaseModel> {
    const name = checkName(rawName);
    const { model, runId } = await this.db.write(async (m) => {
      const adapter = isUuid(adapterId) ? await findAdapter(m, adapterId) : null;
      if (!adapter) throw userInputError(`adapter ${adapterId} does not exist`, { field: "adapterId" });
      const refusal = mergeRefusal(adapter.method);
      if (refusal !== null) throw userInputError(`adapter ${adapterId}: ${refusal}`, { field: "adapterId" });
      const base = (await findBaseModel(m, adapter.baseModelId))!;
      if (base.status !== BaseModelStatus.READY) {
        throw userInputError(
          `adapter ${adapterId}'s base model "${base.name}" is ${base.status}: it has no weights to merge into`,
          { field: "adapterId" },
        );
      }
      const trained = adapter.runId ? await findRun(m, adapter.runId) : null;
      const seed = baseSeedOf(trained?.hyperparameters);
      // the frozen weights as the adapter trained against them (16-bit runs' rounding included)
      const dtype = String(trained?.hyperparameters.dtype ?? "float32");
      const e = estimate({
        model: base.config,
        method: adapter.methodConfig,
        batchSize: 1,
        seqLen: 1,
        optimizer: "adamw",
        dtype: "float32",
      });
      const id = await insertBaseModel(m, {
        name,
        config: base.config,
        preset: null,
        source: BaseModelSource.MERGED,
        hostPath: null,
        status: BaseModelStatus.PENDING,
        weightsArtifactId: null,
        pretrainRunId: null,
        mergedAdapterId: adapter.id,
        mergeRunId: null,
      });
      if (id === null) throw nameTaken(name);
      const [runId] = await insertRuns(m, [
        {
          experimentId: null,
          kind: RunKind.MERGE,
          name: `merge into ${name}`,
          baseModelId: base.id,
          inputAdapterId: adapter.id,
          datasetId: null,
          method: adapter.method,
          methodConfig: adapter.methodConfig,
          hyperparameters: { steps: 0, seed, dtype },
          requiredLabels: [],
          status: RunStatus.QUEUED,
          trainableParams: adapter.trainableParams,
          totalParams: e.parameters.total,
          // placement: the merge's own peak, not the 1 × 1 training estimate kept for the breakdown
          predictedTotalBytes: mergeMemoryBytes(e.parameters.total, adapter.trainableParams),
          predicted: {
            trainable: e.parameters.trainable,
            total: e.parameters.total,
            trainablePercent: e.parameters.trainablePercent,
            targetModules: e.targetModules,
            memory: e.memory,
          },
        },
      ]);
      await m.update(BaseModel, { id }, { mergeRunId: runId! });
      await recordStatus(m, runId!, null, RunStatus.QUEUED, `merge of adapter ${adapter.id} requested`);
      return { model: (await findBaseModel(m, id))!, runId: runId! };
    });
    this.events.publish("RUNS_QUEUED", { runIds: [runId] });
    this.events.publish("RUN_UPDATED", { runId, experimentId: null });
    return model;
  }

  async get(id: string): Promise<BaseModel> {
    const model = isUuid(id) ? await this.db.read((m) => findBaseModel(m, id)) : null;
    if (!model) throw notFoundError("base model", id);
    return model;
  }

  list(args: ConnectionArgs): Promise<Connection<BaseModel>> {
    const page = pageRequest(args, 1);
    return this.db.read(async (m) =>
      toConnection(await listBaseModels(m, page), page, await countBaseModels(m), baseModelCursorKey),
    );
  }
}
