import { DTYPES, OPTIMIZERS } from "@tunelab/core";
import { userInputError } from "../api/errors.js";
import type { HyperparametersInput } from "./experiment.input.js";

/** The hyperparameters stored on an experiment and each of its runs (and sent to runners in job specs). */
export interface Hyperparameters {
  steps: number;
  learningRate: number;
  batchSize: number;
  seqLen: number;
  seed: number;
  evalEvery: number;
  warmupSteps: number;
  gradientAccumulation: number;
  checkpointEvery: number;
  samplePrompts: string[];
  generalDatasetId: string | null;
  gradientCheckpointing: boolean;
  optimizer: string;
  dtype: string;
}

export const maxSamplePrompts = 20;

/**
 * Range checks of everything that is not the model's business (seqLen against the model is checked by
 * core.estimate). Errors name `<prefix>.<field>`, or `paths[field]` where a field's value came from
 * elsewhere (a sweep's `sweep.parameters.learningRate.values[1]`).
 */
export function validateHyperparameters(
  h: HyperparametersInput,
  prefix = "hyperparameters",
  paths: Record<string, string> = {},
): Hyperparameters {
  const fail = (field: string, message: string) => {
    const swept = paths[field];
    const path = swept ?? (prefix ? `${prefix}.${field}` : field);
    throw userInputError(swept ? `${swept}: ${field} ${message}` : `${path} ${message}`, { field: path });
  };
  const int = (field: keyof HyperparametersInput, min: number, max: number) => {
    const v = h[field] as number;
    if (!Number.isInteger(v) || v < min || v > max)
      fail(field, `must be an integer in [${min}, ${max}], got ${v}`);
  };
  int("steps", 1, 1_000_000);
  if (!(Number.isFinite(h.learningRate) && h.learningRate > 0 && h.learningRate <= 1)) {
    fail("learningRate", `must be in (0, 1], got ${h.learningRate}`);
  }
  int("batchSize", 1, 4096);
  int("seqLen", 1, 1_048_576);
  int("seed", 0, 2_147_483_647);
  int("evalEvery", 0, 1_000_000);
  int("warmupSteps", 0, h.steps);
  int("gradientAccumulation", 1, 1024);
  int("checkpointEvery", 0, 1_000_000);
  if (h.samplePrompts.length > maxSamplePrompts) {
    fail("samplePrompts", `holds at most ${maxSamplePrompts} prompts, got ${h.samplePrompts.length}`);
  }
  h.samplePrompts.forEach((p, i) => {
    if (p.length === 0 || p.length > 2000) fail(`samplePrompts[${i}]`, "must be 1 to 2000 characters");
  });
  if (!(OPTIMIZERS as readonly string[]).includes(h.optimizer)) {
    fail("optimizer", `must be one of ${OPTIMIZERS.join(", ")}, got "${h.optimizer}"`);
  }
  if (!(DTYPES as readonly string[]).includes(h.dtype)) {
    fail("dtype", `must be one of ${DTYPES.join(", ")}, got "${h.dtype}"`);
  }
  // GraphQL checks the type of a field typed in; a swept value arrives as JSON.
  if (typeof h.gradientCheckpointing !== "boolean") {
    fail("gradientCheckpointing", `must be true or false, got ${JSON.stringify(h.gradientCheckpointing)}`);
  }
  return {
    steps: h.steps,
    learningRate: h.learningRate,
    batchSize: h.batchSize,
    seqLen: h.seqLen,
    seed: h.seed,
    evalEvery: h.evalEvery,
    warmupSteps: h.warmupSteps,
    gradientAccumulation: h.gradientAccumulation,
    checkpointEvery: h.checkpointEvery,
    samplePrompts: h.samplePrompts,
    generalDatasetId: h.generalDatasetId ?? null,
    gradientCheckpointing: h.gradientCheckpointing,
    optimizer: h.optimizer,
    dtype: h.dtype,
  };
}
