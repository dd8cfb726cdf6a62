import { estimate, type MemoryEstimate, ValidationError } from "@tunelab/core";
import { validationInputError } from "../api/errors.js";
import type { Hyperparameters } from "../experiments/hyperparameters.js";

/** What core predicts for one run before it starts; stored on the run (columns + `predicted` jsonb). */
export interface Prediction {
  /** The method with every default filled in. */
  methodConfig: Record<string, unknown> & { method: string };
  trainable: number;
  total: number;
  totalBytes: number;
  /** Stored as run.predicted: { trainable, total, trainablePercent, targetModules, memory }. */
  predicted: {
    trainable: number;
    total: number;
    trainablePercent: number;
    targetModules: string[];
    memory: MemoryEstimate;
  };
}

/**
 * Validates a method against the base model and the run's shape with core and predicts its counts and
 * memory. core's fields are renamed to the client's input: `method.r` → `<methodField>.r`, memory options
 * (`batchSize`, `seqLen`, …) → `hyperparameters.<name>`, the model → `modelField`, a swept field → its value.
 */
export function predictRun(
  model: Record<string, unknown>,
  method: unknown,
  h: Hyperparameters,
  fields: {
    method: string;
    model: string;
    hyperparameters?: string;
    /** core's field (`r`, `seqLen`) → where a swept value of it is in the input (`sweep.parameters.r.values[2]`). */
    swept?: Record<string, string>;
  },
): Prediction {
  try {
    const e = estimate({
      model,
      method,
      batchSize: h.batchSize,
      seqLen: h.seqLen,
      optimizer: h.optimizer,
      dtype: h.dtype,
      gradientCheckpointing: h.gradientCheckpointing,
    });
    return {
      methodConfig: e.method as unknown as Prediction["methodConfig"],
      trainable: e.parameters.trainable,
      total: e.parameters.total,
      totalBytes: e.memory.total,
      predicted: {
        trainable: e.parameters.trainable,
        total: e.parameters.total,
        trainablePercent: e.parameters.trainablePercent,
        targetModules: e.targetModules,
        memory: e.memory,
      },
    };
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const rename = (field: string) => {
      const [head, ...rest] = field.split(".");
      const swept = fields.swept?.[head === "method" ? (rest[0] ?? "method") : head!];
      if (swept) return swept;
      const h = fields.hyperparameters ?? "hyperparameters";
      const base =
        head === "method" ? fields.method : head === "model" ? fields.model : h ? `${h}.${head}` : head!;
      return [base, ...rest].join(".");
    };
    throw validationInputError(error, rename);
  }
}
