import { type FieldIssue, ValidationError } from "../errors.js";
import { METHOD_CATALOG } from "../methods/catalog.js";
import { parseMethodConfig } from "../methods/parse.js";
import type { MethodConfig } from "../methods/types.js";
import { sweepRunName } from "./names.js";
import { shuffledIndices } from "./random.js";
import {
  parseSweep,
  parseSweepParameters,
  type SweepParameters,
  type SweepSpec,
  type SweepValue,
  sweepKeyKind,
} from "./spec.js";

/** A variant as the client gave it: its method object and, optionally, its own method fields to sweep. */
export interface SweepVariantInput {
  name?: string | null;
  method: unknown;
  /** `{ r: { values: [4, 8] } }`: fields of this variant's method only. */
  sweep?: unknown;
}

export interface ExpandSweepInput {
  variants: readonly SweepVariantInput[];
  /** `{ strategy, parameters, count, seed }`; null: only the variants' own sweeps, as a grid. */
  sweep: unknown;
  /** Most runs one experiment may have. */
  maxRuns: number;
}

/** One run of the sweep. */
export interface SweptRun {
  /** Index of the variant it came from. */
  variant: number;
  /** Named by what varies: `lora r=4 lr=1e-4`. */
  name: string;
  /** The method object to train (the variant's, with the swept fields set; not yet checked against a model). */
  method: { method: string } & Record<string, unknown>;
  /** Hyperparameters this run overrides. */
  hyperparameters: Record<string, SweepValue>;
  /** Every swept field that applies to this run (a field its method lacks is left out). */
  sweepValues: Record<string, SweepValue>;
  /** Where each swept value is in the input, e.g. `r` → `sweep.parameters.r.values[2]`: later checks name it. */
  sources: Record<string, string>;
}

export interface SweepPlan {
  spec: SweepSpec;
  /** Each variant's own swept fields (empty when none), in variant order. */
  variantParameters: SweepParameters[];
  /** Combinations before duplicates were dropped (and, for RANDOM, before sampling). */
  combinations: number;
  runs: SweptRun[];
}

/** Above this, a grid is a typo, not an experiment: refuse before enumerating it. */
export const MAX_SWEEP_COMBINATIONS = 1_000_000;

const FIELDS = new Map(METHOD_CATALOG.map((m) => [m.method as string, new Set(m.fields.map((f) => f.name))]));
const hasField = (method: string, key: string) => FIELDS.get(method)?.has(key) ?? false;

interface Axis {
  key: string;
  values: SweepValue[];
  /** `sweep.parameters.r` or `variants[1].sweep.r`. */
  at: string;
}

/**
 * The runs of a sweep, in grid order (variants outermost, then the sweep's keys as given, the last varying
 * fastest). The grid crosses every variant: a hyperparameter applies to all runs, a method field to the
 * runs whose method has it, a swept `method` replaces the variant's method (keeping the fields the new
 * method has). Runs equal after defaults are filled in are dropped (the first is kept). RANDOM draws
 * `count` distinct runs with a seeded shuffle and keeps them in grid order. Every value is checked by
 * core's method parser: errors name it as `sweep.parameters.r.values[2]`.
 */
export function expandSweep(input: ExpandSweepInput): SweepPlan {
  const spec: SweepSpec =
    input.sweep == null
      ? { strategy: "grid", parameters: {}, count: null, seed: null }
      : parseSweep(input.sweep, "sweep");
  const variantParameters = input.variants.map((v, i) =>
    v.sweep == null ? {} : parseSweepParameters(v.sweep, `variants[${i}].sweep`, ["methodField"]),
  );
  const axesOf = variantParameters.map((own, i) => {
    const axes: Axis[] = Object.entries(spec.parameters).map(([key, p]) => ({
      key,
      values: p.values,
      at: `sweep.parameters.${key}`,
    }));
    for (const [key, p] of Object.entries(own)) {
      if (key in spec.parameters) {
        fail(
          `variants[${i}].sweep.${key}`,
          `${key} is also swept in sweep.parameters; sweep it in one place`,
        );
      }
      axes.push({ key, values: p.values, at: `variants[${i}].sweep.${key}` });
    }
    return axes;
  });
  checkFieldsApply(input.variants, axesOf);

  const sizes = axesOf.map((axes) => axes.reduce((n, a) => n * a.values.length, 1));
  const combinations = sizes.reduce((a, b) => a + b, 0);
  if (combinations > MAX_SWEEP_COMBINATIONS) {
    fail(
      "sweep.parameters",
      `the sweep has ${combinations} combinations; at most ${MAX_SWEEP_COMBINATIONS} (use fewer values)`,
    );
  }
  if (spec.strategy === "random" && spec.count! > input.maxRuns) {
    fail("sweep.count", `count must be at most ${input.maxRuns} (runs per experiment), got ${spec.count}`);
  }

  const candidate = (index: number): SweptRun => {
    let variant = 0;
    while (index >= sizes[variant]!) index -= sizes[variant++]!;
    const axes = axesOf[variant]!;
    const choice = new Array<number>(axes.length);
    for (let k = axes.length - 1; k >= 0; k--) {
      choice[k] = index % axes[k]!.values.length;
      index = Math.floor(index / axes[k]!.values.length);
    }
    return build(input.variants[variant]!, variant, axes, choice);
  };
  // Every value once, whatever the strategy draws: a bad value a sample skipped is still a bad input.
  axesOf.forEach((axes, v) => {
    axes.forEach((axis, k) => {
      axis.values.forEach((_, j) => {
        const choice = axes.map((_, kk) => (kk === k ? j : 0));
        build(input.variants[v]!, v, axes, choice);
      });
    });
  });

  const runs: SweptRun[] = [];
  const indices: number[] = [];
  const seen = new Set<string>();
  const order =
    spec.strategy === "grid" ? range(combinations) : shuffledIndices(combinations, spec.seed ?? 0);
  const wanted = spec.strategy === "grid" ? Number.POSITIVE_INFINITY : spec.count!;
  for (const index of order) {
    if (runs.length === wanted) break;
    const run = candidate(index);
    const key = identity(run);
    if (seen.has(key)) continue;
    seen.add(key);
    runs.push(run);
    indices.push(index);
    if (runs.length > input.maxRuns) {
      fail(
        "sweep",
        `the sweep yields more than ${input.maxRuns} runs (${combinations} combinations); at most ${input.maxRuns} per experiment: use fewer values, or RANDOM with a count`,
      );
    }
  }
  if (runs.length < wanted && wanted !== Number.POSITIVE_INFINITY) {
    fail("sweep.count", `the sweep has only ${runs.length} distinct runs; count is ${spec.count}`);
  }
  const ordered = indices.map((index, i) => ({ index, run: runs[i]! })).sort((a, b) => a.index - b.index);
  return { spec, variantParameters, combinations, runs: ordered.map((o) => o.run) };
}

function build(variant: SweepVariantInput, index: number, axes: Axis[], choice: number[]): SweptRun {
  const at = `variants[${index}].method`;
  const given = variant.method;
  if (given === null || typeof given !== "object" || Array.isArray(given)) {
    throw new ValidationError({ field: at, message: "method must be a JSON object" });
  }
  let method = { ...(given as Record<string, unknown>) } as SweptRun["method"];
  const hyperparameters: Record<string, SweepValue> = {};
  const sweepValues: Record<string, SweepValue> = {};
  const sources: Record<string, string> = {};
  const varying: [string, SweepValue][] = [];
  const apply = (axis: Axis, j: number) => {
    const value = axis.values[j]!;
    sweepValues[axis.key] = value;
    sources[axis.key] = `${axis.at}.values[${j}]`;
    if (axis.values.length > 1) varying.push([axis.key, value]);
  };
  const methodAxis = axes.findIndex((a) => a.key === "method");
  if (methodAxis >= 0) {
    const name = axes[methodAxis]!.values[choice[methodAxis]!] as string;
    if (name !== method.method) {
      method = { method: name };
      for (const [k, v] of Object.entries(given as Record<string, unknown>))
        if (hasField(name, k)) method[k] = v;
    }
    apply(axes[methodAxis]!, choice[methodAxis]!);
  }
  axes.forEach((axis, k) => {
    if (k === methodAxis) return;
    const value = axis.values[choice[k]!]!;
    const kind = sweepKeyKind(axis.key);
    if (kind === "hyperparameter") hyperparameters[axis.key] = value;
    else if (hasField(method.method, axis.key)) method[axis.key] = value;
    else return;
    apply(axis, choice[k]!);
  });
  try {
    parseMethodConfig(method);
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    throw new ValidationError(
      e.issues.map((issue): FieldIssue => {
        const head = issue.field.split(".")[0]!;
        const source = sources[head];
        return source
          ? { field: source, message: `${issue.message} (method ${method.method})` }
          : { field: `${at}.${issue.field}`, message: issue.message };
      }),
    );
  }
  const givenName = variant.name?.trim() || null;
  const ownName = givenName === (given as { method?: unknown }).method ? null : givenName;
  return {
    variant: index,
    name: sweepRunName(ownName, method.method, varying),
    method,
    hyperparameters,
    sweepValues,
    sources,
  };
}

/** What makes two runs the same run: the method with defaults filled in, and the overridden hyperparameters. */
function identity(run: SweptRun): string {
  const method: MethodConfig = parseMethodConfig(run.method);
  const hp = Object.entries(run.hyperparameters).sort(([a], [b]) => (a < b ? -1 : 1));
  return JSON.stringify([method, hp]);
}

/** A method field nobody's method has is a typo or a misunderstanding, not something to ignore silently. */
function checkFieldsApply(variants: readonly SweepVariantInput[], axesOf: Axis[][]): void {
  axesOf.forEach((axes, v) => {
    const own = (variants[v]!.method as { method?: unknown } | null)?.method;
    const methodAxis = axes.find((a) => a.key === "method");
    const methods = methodAxis ? (methodAxis.values as string[]) : [String(own)];
    for (const axis of axes) {
      if (sweepKeyKind(axis.key) !== "methodField" || !axis.at.startsWith("variants[")) continue;
      if (!methods.some((m) => hasField(m, axis.key))) {
        fail(axis.at, `${axis.key} is not a field of method ${methods.map((m) => `"${m}"`).join(" or ")}`);
      }
    }
  });
  const global = (axesOf[0] ?? []).filter((a) => a.at.startsWith("sweep."));
  for (const axis of global) {
    if (sweepKeyKind(axis.key) !== "methodField") continue;
    const methods = axesOf.flatMap((axes, v) => {
      const m = axes.find((a) => a.key === "method");
      return m
        ? (m.values as string[])
        : [String((variants[v]!.method as { method?: unknown } | null)?.method)];
    });
    if (!methods.some((m) => hasField(m, axis.key))) {
      fail(
        axis.at,
        `${axis.key} is a field of none of the methods (${[...new Set(methods)].join(", ")}); it would change no run`,
      );
    }
  }
}

function* range(n: number): Generator<number> {
  for (let i = 0; i < n; i++) yield i;
}

function fail(field: string, message: string): never {
  throw new ValidationError({ field, message });
}
