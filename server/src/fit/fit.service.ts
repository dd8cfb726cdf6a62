import { setImmediate as nextTurn } from "node:timers/promises";
import {
  countParameters,
  METHOD_CATALOG,
  type MethodConfig,
  type ModelConfig,
  resolveModel,
} from "@tunelab/core";
import { userInputError, withInputPrefix } from "../api/errors.js";
import type { BaseModelService } from "../base-models/base-model.service.js";
import type { RunnerService } from "../runners/runner.service.js";
import { type FitShape, FIT_LIMITS, parseFitShape } from "./fit-input.js";
import { type GridRow, fitGrid } from "./fit-grid.js";
import { FIGURES_ARE_FOR, type Fit, type FitGrid, type FitInput, type FitMethod } from "./fit.types.js";

/**
 * "Will it fit?": core's memory prediction over a grid of batch × sequence length, for each method, against
 * a budget. Stored data is read only to resolve a base model's config or a runner's largest device.
 */
export class FitService {
  constructor(
    private readonly baseModels: BaseModelService,
    private readonly runners: RunnerService,
  ) {}

  async fit(input: FitInput): Promise<Fit> {
    const { model, modelName } = await this.resolveModel(input);
    const shape = parseFitShape(input, model);
    const budget = await this.resolveBudget(input);
    const methods: FitMethod[] = [];
    for (const method of shape.methods) {
      methods.push(fitMethod(model, method, shape, budget.bytes));
      // A few hundred estimates in all: let other requests in between methods.
      await nextTurn();
    }
    return {
      figuresFor: FIGURES_ARE_FOR,
      model: { ...model },
      modelName,
      parameters: countParameters(model, { method: "full" }).base,
      budgetBytes: budget.bytes,
      budgetSource: budget.source,
      optimizer: shape.optimizer,
      dtype: shape.dtype,
      batchSizes: shape.batchSizes,
      seqLens: shape.seqLens,
      maxSearchBatch: FIT_LIMITS.maxBatch,
      methods,
    };
  }

  private async resolveModel(input: FitInput): Promise<{ model: ModelConfig; modelName: string | null }> {
    const given = input.model !== undefined && input.model !== null;
    if (given === (input.baseModelId != null)) {
      throw userInputError("give exactly one of model (a preset name or config.json) and baseModelId", {
        field: "model",
      });
    }
    if (input.baseModelId != null) {
      const stored = await this.baseModels.get(input.baseModelId);
      return {
        model: withInputPrefix("baseModelId", () => resolveModel(stored.config)),
        modelName: stored.name,
      };
    }
    const model = withInputPrefix("model", () => resolveModel(input.model));
    return { model, modelName: typeof input.model === "string" ? input.model : null };
  }

  private async resolveBudget(input: FitInput): Promise<{ bytes: number; source: string }> {
    if ((input.budgetBytes != null) === (input.runnerId != null)) {
      throw userInputError("give exactly one of budgetBytes and runnerId", { field: "budgetBytes" });
    }
    if (input.runnerId != null) {
      const runner = await this.runners.get(input.runnerId);
      const largest = [...runner.devices].sort((a, b) => b.memoryBytes - a.memoryBytes)[0];
      return {
        bytes: runner.maxDeviceMemoryBytes,
        source: `runner ${runner.name}: ${largest?.name ?? "its largest device"}`,
      };
    }
    const bytes = input.budgetBytes!;
    if (!Number.isFinite(bytes) || bytes <= 0) {
      throw userInputError(`budgetBytes must be a positive number of bytes, got ${bytes}`, {
        field: "budgetBytes",
      });
    }
    return { bytes, source: "typed" };
  }
}

/** Full fine-tuning trains every weight, so a 16-bit dtype (which stores frozen weights) does not apply. */
function methodDtype(
  method: MethodConfig,
  shape: FitShape,
): { dtype: FitShape["dtype"]; note: string | null } {
  if (method.method !== "full" || shape.dtype === "float32") return { dtype: shape.dtype, note: null };
  return {
    dtype: "float32",
    note: `full fine-tuning trains every weight, so nothing is stored in ${shape.dtype}: figures are float32`,
  };
}

function fitMethod(
  model: ModelConfig,
  method: MethodConfig,
  shape: FitShape,
  budgetBytes: number,
): FitMethod {
  const { dtype, note } = methodDtype(method, shape);
  const grid = (gradientCheckpointing: boolean): FitGrid => ({
    gradientCheckpointing,
    rows: fitGrid(model, method, {
      optimizer: shape.optimizer,
      dtype,
      gradientCheckpointing,
      budgetBytes,
      batchSizes: shape.batchSizes,
      seqLens: shape.seqLens,
      maxSearchBatch: FIT_LIMITS.maxBatch,
    }).map(toRow),
  });
  return {
    method: { ...method },
    name: METHOD_CATALOG.find((m) => m.method === method.method)?.name ?? method.method,
    dtype,
    note,
    trainableParameters: countParameters(model, method).trainable,
    withoutCheckpointing: grid(false),
    withCheckpointing: grid(true),
  };
}

function toRow(row: GridRow) {
  return {
    seqLen: row.seqLen,
    cells: row.cells,
    unavailable: row.unavailable,
    largestBatch: row.batchSize,
    largestBatchPeakBytes: row.peakBytes,
    nextBatchPeakBytes: row.nextPeakBytes,
    reachedCap: row.reachedCap,
  };
}
