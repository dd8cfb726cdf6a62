import { userInputError } from "../api/errors.js";
import { type CostProfile, costProfileByteFields } from "../runs/cost-profile.type.js";
import { isUuid } from "../runs/uuid.js";
import type { FileUploadInput, MetricPointInput, SampleInput } from "./job.types.js";

/** Largest batches one call may carry (a runner sends far fewer; this bounds one transaction). */
export const maxMetricPoints = 10_000;
export const maxSamples = 1_000;
const maxKeyLength = 200;
const maxTextLength = 100_000;

export function requireId(value: string, field: string): string {
  if (!isUuid(value)) throw userInputError(`${field} must be an id, got ${JSON.stringify(value)}`, { field });
  return value;
}

export function validatePoints(points: readonly MetricPointInput[]): void {
  if (points.length > maxMetricPoints) {
    throw userInputError(`at most ${maxMetricPoints} points per call, got ${points.length}`, {
      field: "points",
    });
  }
  points.forEach((p, i) => {
    const at = `points[${i}]`;
    if (p.key.length === 0 || p.key.length > maxKeyLength || p.key.trim() !== p.key) {
      throw userInputError(`${at}.key must be 1-${maxKeyLength} characters without surrounding spaces`, {
        field: `${at}.key`,
      });
    }
    if (!Number.isInteger(p.step) || p.step < 0) {
      throw userInputError(`${at}.step must be an integer ≥ 0, got ${p.step}`, { field: `${at}.step` });
    }
    if (!Number.isFinite(p.value)) {
      throw userInputError(`${at}.value is not finite (${p.value})`, { field: `${at}.value` });
    }
    if (p.wallTimeMs != null && (!Number.isFinite(p.wallTimeMs) || p.wallTimeMs < 0)) {
      throw userInputError(`${at}.wallTimeMs must be ms since the epoch, got ${p.wallTimeMs}`, {
        field: `${at}.wallTimeMs`,
      });
    }
  });
}

export function validateSamples(samples: readonly SampleInput[]): void {
  if (samples.length > maxSamples) {
    throw userInputError(`at most ${maxSamples} samples per call, got ${samples.length}`, {
      field: "samples",
    });
  }
  samples.forEach((s, i) => {
    const at = `samples[${i}]`;
    if (!Number.isInteger(s.step) || s.step < 0) {
      throw userInputError(`${at}.step must be an integer ≥ 0, got ${s.step}`, { field: `${at}.step` });
    }
    if (s.prompt.length > maxTextLength)
      throw userInputError(`${at}.prompt is too long`, { field: `${at}.prompt` });
    if (s.output.length > maxTextLength)
      throw userInputError(`${at}.output is too long`, { field: `${at}.output` });
  });
}

const fileNamePattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

/** An upload's files: names are plain file names (no folders), unique; the bytes already resolved. */
export function checkFileNames(files: readonly FileUploadInput[]): void {
  if (files.length === 0) throw userInputError("files must not be empty", { field: "files" });
  const seen = new Set<string>();
  for (const [i, f] of files.entries()) {
    const at = `files[${i}]`;
    if (!fileNamePattern.test(f.name) || f.name.includes("..")) {
      throw userInputError(
        `${at}.name must be a plain file name (letters, digits, . _ -), got ${JSON.stringify(f.name)}`,
        { field: `${at}.name` },
      );
    }
    if (seen.has(f.name)) throw userInputError(`${at}.name repeats ${f.name}`, { field: `${at}.name` });
    seen.add(f.name);
  }
}

const resultNumbers = [
  "measuredPeakBytes",
  "finalTrainLoss",
  "bestEvalLoss",
  "tokensPerSecond",
  "msPerStep",
  "steps",
];

/** The engine's TrainingResult (minus history) as completeJob takes it: an object with finite numbers. */
export function validateResult(input: unknown): Record<string, unknown> {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw userInputError("result must be a JSON object (the TrainingResult)", { field: "result" });
  }
  const result = input as Record<string, unknown>;
  for (const key of resultNumbers) {
    const v = result[key];
    if (v !== undefined && v !== null && (typeof v !== "number" || !Number.isFinite(v))) {
      throw userInputError(`result.${key} must be a finite number or null`, { field: `result.${key}` });
    }
  }
  if (result.cancelled !== undefined && typeof result.cancelled !== "boolean") {
    throw userInputError("result.cancelled must be a boolean", { field: "result.cancelled" });
  }
  return result;
}

/**
 * A PROFILE run's `result.costProfile` (the engine's CostProfile): byte counts are integers ≥ 0 whose
 * parts sum to peakBytes, speeds finite ≥ 0, steps an integer ≥ 0, randomWeights a boolean. Errors name
 * the field, e.g. `result.costProfile.gradientBytes`.
 */
export function validateCostProfile(input: unknown): CostProfile {
  const at = "result.costProfile";
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw userInputError(`${at} must be an object (a PROFILE run's measurements)`, { field: at });
  }
  const p = input as Record<string, unknown>;
  const fail = (key: string, message: string): never => {
    throw userInputError(`${at}.${key} ${message}`, { field: `${at}.${key}` });
  };
  for (const key of costProfileByteFields) {
    const v = p[key];
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0)
      fail(key, `must be a whole number of bytes ≥ 0, got ${JSON.stringify(v)}`);
  }
  for (const key of ["msPerStep", "tokensPerSecond"]) {
    const v = p[key];
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0)
      fail(key, `must be a finite number ≥ 0, got ${JSON.stringify(v)}`);
  }
  if (typeof p.steps !== "number" || !Number.isInteger(p.steps) || p.steps < 0)
    fail("steps", `must be an integer ≥ 0, got ${JSON.stringify(p.steps)}`);
  if (typeof p.randomWeights !== "boolean")
    fail("randomWeights", `must be a boolean, got ${JSON.stringify(p.randomWeights)}`);
  const n = (key: string) => p[key] as number;
  const parts = costProfileByteFields.slice(1).reduce((sum, key) => sum + n(key), 0);
  if (parts !== n("peakBytes"))
    fail("peakBytes", `must equal the sum of its parts (${parts}), got ${n("peakBytes")}`);
  return {
    peakBytes: n("peakBytes"),
    frozenBytes: n("frozenBytes"),
    trainableBytes: n("trainableBytes"),
    gradientBytes: n("gradientBytes"),
    optimizerBytes: n("optimizerBytes"),
    activationBytes: n("activationBytes"),
    msPerStep: n("msPerStep"),
    tokensPerSecond: n("tokensPerSecond"),
    steps: n("steps"),
    randomWeights: p.randomWeights as boolean,
  };
}
