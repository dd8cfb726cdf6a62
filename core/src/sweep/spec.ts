import { ValidationError } from "../errors.js";
import { describe } from "../fields.js";
import { METHOD_CATALOG } from "../methods/catalog.js";
import { METHOD_NAMES } from "../methods/types.js";

/** W&B's two search methods that need no feedback: every combination, or a seeded sample of them. */
export const SWEEP_STRATEGIES = ["grid", "random"] as const;
export type SweepStrategy = (typeof SWEEP_STRATEGIES)[number];

/**
 * The shared hyperparameters a sweep may vary (the server's HyperparametersInput names). Not the
 * bookkeeping ones (evalEvery, checkpointEvery, samplePrompts, generalDatasetId): varying them changes
 * what is recorded, not what is trained.
 */
export const SWEEP_HYPERPARAMETERS = [
  "steps",
  "learningRate",
  "batchSize",
  "seqLen",
  "seed",
  "warmupSteps",
  "gradientAccumulation",
  "optimizer",
  "dtype",
  "gradientCheckpointing",
] as const;

/** Every method's configurable fields (PEFT key names), from the catalogue. */
export const SWEEP_METHOD_FIELDS: readonly string[] = [
  ...new Set(METHOD_CATALOG.flatMap((m) => m.fields.map((f) => f.name))),
];

/** One value of a swept field: a number, a string, a boolean, or a list of module names (target_modules). */
export type SweepValue = number | string | boolean | string[];

/** A swept field: W&B's `{ values: [...] }` (the only distribution a grid can enumerate). */
export interface SweepParameter {
  values: SweepValue[];
}

/** Key order is significant: the first key varies slowest, the last fastest (itertools.product order). */
export type SweepParameters = Record<string, SweepParameter>;

export interface SweepSpec {
  strategy: SweepStrategy;
  parameters: SweepParameters;
  /** RANDOM: how many distinct runs to draw. */
  count: number | null;
  /** RANDOM: the sampler's seed (same seed, same runs). */
  seed: number | null;
}

export type SweepKeyKind = "method" | "hyperparameter" | "methodField";

export function sweepKeyKind(key: string): SweepKeyKind | null {
  if (key === "method") return "method";
  if ((SWEEP_HYPERPARAMETERS as readonly string[]).includes(key)) return "hyperparameter";
  if (SWEEP_METHOD_FIELDS.includes(key)) return "methodField";
  return null;
}

/**
 * `{ r: { values: [4, 8] }, … }` from untrusted JSON. `at` is where the object sits in the caller's input
 * (`sweep.parameters`); errors name `<at>.<key>` or `<at>.<key>.values[i]`. `allowed` limits the kinds
 * of key (a variant's own sweep may only vary its method's fields).
 */
export function parseSweepParameters(
  json: unknown,
  at: string,
  allowed: readonly SweepKeyKind[] = ["method", "hyperparameter", "methodField"],
): SweepParameters {
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new ValidationError({ field: at, message: `${at} must be a JSON object, got ${describe(json)}` });
  }
  const issues: { field: string; message: string }[] = [];
  const out: SweepParameters = {};
  for (const [key, raw] of Object.entries(json as Record<string, unknown>)) {
    const field = `${at}.${key}`;
    const kind = sweepKeyKind(key);
    if (kind === null || !allowed.includes(kind)) {
      const names = [
        ...(allowed.includes("method") ? ["method"] : []),
        ...(allowed.includes("hyperparameter") ? SWEEP_HYPERPARAMETERS : []),
        ...(allowed.includes("methodField") ? ["a method field (r, lora_alpha, …)"] : []),
      ];
      issues.push({ field, message: `${key} cannot be swept here; sweepable: ${names.join(", ")}` });
      continue;
    }
    const values = (raw as { values?: unknown } | null)?.values;
    if (raw === null || typeof raw !== "object" || !Array.isArray(values) || values.length === 0) {
      issues.push({ field, message: `${key} must be { "values": [ … ] } with at least one value` });
      continue;
    }
    const seen = new Map<string, number>();
    values.forEach((v, i) => {
      const vField = `${field}.values[${i}]`;
      if (!isSweepValue(v)) {
        issues.push({
          field: vField,
          message: `a value must be a number, string, boolean or list of strings, got ${describe(v)}`,
        });
      } else if (kind === "method" && !(METHOD_NAMES as readonly string[]).includes(v as string)) {
        issues.push({
          field: vField,
          message: `method must be one of ${METHOD_NAMES.map((m) => `"${m}"`).join(", ")}, got ${describe(v)}`,
        });
      } else {
        const k = JSON.stringify(v);
        const first = seen.get(k);
        if (first !== undefined) issues.push({ field: vField, message: `repeats values[${first}]` });
        else seen.set(k, i);
      }
    });
    out[key] = { values: values as SweepValue[] };
  }
  if (issues.length > 0) throw new ValidationError(issues);
  return out;
}

function isSweepValue(v: unknown): v is SweepValue {
  if (typeof v === "number") return Number.isFinite(v);
  if (typeof v === "string" || typeof v === "boolean") return true;
  return Array.isArray(v) && v.every((s) => typeof s === "string");
}

/** The sweep object as a whole (`{ strategy, parameters, count, seed }`), errors under `at`. */
export function parseSweep(json: unknown, at = "sweep"): SweepSpec {
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new ValidationError({ field: at, message: `${at} must be a JSON object, got ${describe(json)}` });
  }
  const o = json as Record<string, unknown>;
  const strategy = typeof o.strategy === "string" ? o.strategy.toLowerCase() : o.strategy;
  if (!(SWEEP_STRATEGIES as readonly unknown[]).includes(strategy)) {
    throw new ValidationError({
      field: `${at}.strategy`,
      message: `strategy must be "grid" or "random", got ${describe(o.strategy)}`,
    });
  }
  const count = o.count ?? null;
  const seed = o.seed ?? null;
  if (strategy === "grid" && count !== null) {
    throw new ValidationError({
      field: `${at}.count`,
      message: "count is for RANDOM sweeps; a GRID runs every combination",
    });
  }
  if (strategy === "random") {
    if (typeof count !== "number" || !Number.isInteger(count) || count < 1) {
      throw new ValidationError({
        field: `${at}.count`,
        message: `a RANDOM sweep needs count, an integer >= 1, got ${describe(count)}`,
      });
    }
    if (typeof seed !== "number" || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new ValidationError({
        field: `${at}.seed`,
        message: `seed must be an integer in [0, 4294967295], got ${describe(seed)}`,
      });
    }
  }
  return {
    strategy: strategy as SweepStrategy,
    parameters: parseSweepParameters(o.parameters ?? {}, `${at}.parameters`),
    count: count as number | null,
    seed: strategy === "random" ? (seed as number) : null,
  };
}
