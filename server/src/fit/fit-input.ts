import {
  DTYPES,
  type Dtype,
  METHOD_CATALOG,
  type MethodConfig,
  type ModelConfig,
  OPTIMIZERS,
  type Optimizer,
  parseMethodConfig,
} from "@tunelab/core";
import { userInputError, withInputPrefix } from "../api/errors.js";

/** Bounds that keep one `fit` call to a few hundred estimates (each a replay of a training step). */
export const FIT_LIMITS = { methods: 8, batchSizes: 6, seqLens: 4, maxBatch: 4096 } as const;

const DEFAULT_BATCH_SIZES = [1, 4, 16, 64];

/** The grid a fit call asks for, validated against the model, with defaults filled in. */
export interface FitShape {
  methods: MethodConfig[];
  batchSizes: number[];
  seqLens: number[];
  optimizer: Optimizer;
  dtype: Dtype;
}

export interface FitShapeInput {
  methods?: Record<string, unknown>[] | null;
  batchSizes?: number[] | null;
  seqLens?: number[] | null;
  optimizer: string;
  dtype: string;
}

/** Errors are BAD_USER_INPUT naming the field as the client sent it: `methods[1].r`, `seqLens[2]`, `dtype`. */
export function parseFitShape(input: FitShapeInput, model: ModelConfig): FitShape {
  const optimizer = oneOf("optimizer", input.optimizer, OPTIMIZERS);
  const dtype = oneOf("dtype", input.dtype, DTYPES);
  const batchSizes = intList("batchSizes", input.batchSizes ?? DEFAULT_BATCH_SIZES, FIT_LIMITS.batchSizes, {
    max: FIT_LIMITS.maxBatch,
    what: "the largest batch searched",
  });
  const seqLens = intList("seqLens", input.seqLens ?? defaultSeqLens(model), FIT_LIMITS.seqLens, {
    max: model.max_position_embeddings,
    what: "the model's max_position_embeddings",
  });
  const methodJson = input.methods ?? METHOD_CATALOG.map((m) => ({ method: m.method }));
  if (methodJson.length < 1 || methodJson.length > FIT_LIMITS.methods) {
    throw userInputError(
      `methods takes 1 to ${FIT_LIMITS.methods} method objects, got ${methodJson.length}`,
      {
        field: "methods",
      },
    );
  }
  const methods = methodJson.map((json, i) =>
    withInputPrefix(`methods[${i}]`, () => parseMethodConfig(json, model)),
  );
  return { methods, batchSizes, seqLens, optimizer, dtype };
}

/** The three largest powers of two up to min(max_position_embeddings, 4096), ascending. */
export function defaultSeqLens(model: ModelConfig): number[] {
  const top = Math.min(model.max_position_embeddings, 4096);
  const lens: number[] = [];
  for (let s = 2 ** Math.floor(Math.log2(top)); s >= 1 && lens.length < 3; s /= 2) lens.unshift(s);
  return lens;
}

function oneOf<T extends string>(field: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw userInputError(`${field} must be one of ${allowed.join(", ")}, got "${value}"`, { field });
  }
  return value as T;
}

function intList(
  field: string,
  values: number[],
  maxLength: number,
  bound: { max: number; what: string },
): number[] {
  if (values.length < 1 || values.length > maxLength) {
    throw userInputError(`${field} takes 1 to ${maxLength} values, got ${values.length}`, { field });
  }
  const seen = new Set<number>();
  values.forEach((v, i) => {
    const at = `${field}[${i}]`;
    if (v < 1 || v > bound.max) {
      throw userInputError(`${at} must be 1 to ${bound.max} (${bound.what}), got ${v}`, { field: at });
    }
    if (seen.has(v)) throw userInputError(`${at}: ${v} is already in ${field}`, { field: at });
    seen.add(v);
  });
  return [...values];
}
