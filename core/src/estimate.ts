import { countParsedParameters, type ParameterCounts } from "./count/parameters.js";
import { ValidationError } from "./errors.js";
import { estimateParsedMemory, type MemoryEstimate, parseMemoryOptions } from "./memory/estimate.js";
import type { ModelConfig } from "./model/config.js";
import { resolveModel } from "./model/presets.js";
import { parseMethodConfig } from "./methods/parse.js";
import { resolveTargetModules } from "./methods/targets.js";
import type { MethodConfig } from "./methods/types.js";

/** Everything the `estimate` query takes: a preset name or config.json, a method object, the run shape. */
export interface EstimateInput {
  model: unknown;
  method: unknown;
  batchSize: unknown;
  seqLen: unknown;
  optimizer: unknown;
  dtype: unknown;
  gradientCheckpointing?: unknown;
}

export interface Estimate {
  model: ModelConfig;
  method: MethodConfig;
  /** Linear kinds the method wraps, e.g. ["q_proj", "v_proj"]. */
  targetModules: string[];
  parameters: ParameterCounts;
  memory: MemoryEstimate;
}

/**
 * One call for the server's `estimate`: validates all three inputs and answers counts and memory.
 * Errors name the full path: `model.hidden_size`, `method.r`, `batchSize`.
 */
export function estimate(input: EstimateInput): Estimate {
  const model = under("model", () => resolveModel(input.model));
  const method = under("method", () => parseMethodConfig(input.method, model));
  const { model: _m, method: _x, ...options } = input;
  const memoryOptions = parseMemoryOptions(options, model, method);
  return {
    model,
    method,
    targetModules: resolveTargetModules(model, method),
    parameters: countParsedParameters(model, method),
    memory: estimateParsedMemory(model, method, memoryOptions),
  };
}

function under<T>(prefix: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof ValidationError && e.field !== prefix) throw e.under(prefix);
    throw e;
  }
}
