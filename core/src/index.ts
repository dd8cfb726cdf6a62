import { countParsedParameters, type ParameterCounts } from "./count/parameters.js";
import type { ModelConfig } from "./model/config.js";
import {
  estimateParsedMemory,
  type MemoryEstimate,
  type MemoryOptions,
  parseMemoryOptions,
} from "./memory/estimate.js";
import { resolveModel } from "./model/presets.js";
import { parseMethodConfig } from "./methods/parse.js";
import type { MethodConfig } from "./methods/types.js";

export { formatTrainable } from "./count/format.js";
export type { ParameterCounts } from "./count/parameters.js";
export { type FieldIssue, ValidationError } from "./errors.js";
export { type Estimate, type EstimateInput, estimate } from "./estimate.js";
export { DTYPES, type Dtype, dtypeBytes } from "./memory/dtypes.js";
export {
  KERNELS,
  type MemoryEstimate,
  type MemoryOptions,
  OPTIMIZERS,
  type Optimizer,
} from "./memory/estimate.js";
export type { ActivationDetail } from "./memory/activations.js";
export type { Kernels } from "./memory/step.js";
export { nf4Bytes } from "./memory/quantization.js";
export {
  checkMemoryPrediction,
  MEMORY_PREDICTION_TOLERANCE,
  type PredictionCheck,
} from "./memory/accuracy.js";
export { type ModelConfig, parseModelConfig, ropeParameters, SUPPORTED_MODEL_TYPES } from "./model/config.js";
export { type RopeParameters, type RopeType, SUPPORTED_ROPE_TYPES } from "./model/rope.js";
export { type LinearModule, LINEAR_NAMES, layerLinears } from "./model/modules.js";
export { BYTE_VOCAB, MODEL_PRESETS, resolveModel } from "./model/presets.js";
export { type ModelShape, modelShape } from "./model/shape.js";
export { METHOD_CATALOG, type MethodField, type MethodInfo } from "./methods/catalog.js";
export { loraScaling, usesDora } from "./methods/lora.js";
export { type LoraTarget, loraTargets } from "./methods/lora-targets.js";
export { parseMethodConfig } from "./methods/parse.js";
export { fromPeftConfig } from "./methods/peft-config.js";
export {
  bottleneckTensorShapes,
  checkPeftTensors,
  PEFT_PREFIX,
  peftTensorShapes,
} from "./methods/peft-tensors.js";
export {
  BOTTLENECK_ADAPTER_NAME,
  type BottleneckFolderConfig,
  fromBottleneckConfig,
} from "./methods/bottleneck-config.js";
export { assertMergeable, MERGEABLE_METHODS, mergeMemoryBytes, mergeRefusal } from "./methods/merge.js";
export { ALL_LINEAR, matchTargets, resolveTargetModules } from "./methods/targets.js";
export { bottleneckSize, reductionFactorFor } from "./methods/adapter.js";
export * from "./methods/types.js";
export {
  type ExpandSweepInput,
  expandSweep,
  MAX_SWEEP_COMBINATIONS,
  type SweepPlan,
  type SweptRun,
  type SweepVariantInput,
} from "./sweep/expand.js";
export { formatSweepValue, sweepRunName } from "./sweep/names.js";
export {
  parseSweep,
  SWEEP_HYPERPARAMETERS,
  SWEEP_METHOD_FIELDS,
  SWEEP_STRATEGIES,
  type SweepParameter,
  type SweepParameters,
  type SweepSpec,
  type SweepStrategy,
  type SweepValue,
} from "./sweep/spec.js";

/** A preset name, a Hugging Face config.json object, or an already parsed ModelConfig. */
export type ModelInput = string | ModelConfig | Record<string, unknown>;
/** A method as plain JSON (`{ method, ...PEFT fields }`); missing fields take PEFT's defaults. */
export type MethodInput = MethodConfig | ({ method: string } & Record<string, unknown>);

/**
 * Trainable and total parameters as PEFT's print_trainable_parameters() reports them. Accepts raw JSON
 * (validated here; parsing is idempotent) so scripts can pass a config.json and a plain method object.
 */
export function countParameters(model: ModelInput, method: MethodInput): ParameterCounts {
  const parsedModel = resolveModel(model);
  return countParsedParameters(parsedModel, parseMethodConfig(method, parsedModel));
}

/**
 * Predicted training memory in bytes, term by term: the peak of one engine training step (memory/estimate.ts;
 * memory/step.ts records the step op by op, memory/tape.ts replays it). Raw JSON is accepted and validated,
 * as for countParameters.
 */
export function estimateMemory(
  model: ModelInput,
  method: MethodInput,
  options: MemoryOptions | Record<string, unknown>,
): MemoryEstimate {
  const parsedModel = resolveModel(model);
  const parsedMethod = parseMethodConfig(method, parsedModel);
  return estimateParsedMemory(
    parsedModel,
    parsedMethod,
    parseMemoryOptions(options, parsedModel, parsedMethod),
  );
}
export {
  type AxisUnit,
  COST_AXES,
  COST_AXIS_NAMES,
  type CostAxis,
  formatAxisValue,
  type ParetoAxis,
  QUALITY_AXES,
  QUALITY_AXIS_NAMES,
  type QualityAxis,
} from "./pareto/axes.js";
export {
  type Better,
  bestWithinBudget,
  type Directions,
  dominates,
  type Point2,
  paretoFrontier,
  withinBudget,
} from "./pareto/frontier.js";
export { niceTicks } from "./pareto/ticks.js";
export {
  type ParetoExcluded,
  type ParetoPoint,
  type ParetoRun,
  type ParetoView,
  paretoView,
} from "./pareto/view.js";
export { RUNNER_COMMAND, runnerCommand } from "./runner-command.js";
export { formatBytes } from "./format-bytes.js";
export { controlCharacterAt, printableText } from "./text.js";
