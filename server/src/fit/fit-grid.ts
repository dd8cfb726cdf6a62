import {
  type Dtype,
  estimateMemory,
  type MethodConfig,
  type ModelConfig,
  type Optimizer,
  ValidationError,
} from "@tunelab/core";
import { type LargestBatch, largestBatch } from "./largest-batch.js";

/** The run shape every cell shares; batch and sequence length vary over the grid. */
export interface GridOptions {
  optimizer: Optimizer;
  dtype: Dtype;
  gradientCheckpointing: boolean;
  budgetBytes: number;
  batchSizes: readonly number[];
  seqLens: readonly number[];
  /** The largest batch the search for the largest fitting batch tries. */
  maxSearchBatch: number;
}

export interface GridCell {
  batchSize: number;
  /** core's predicted peak of one training step (estimateMemory(...).total). */
  peakBytes: number;
  fits: boolean;
}

export interface GridRow extends LargestBatch {
  seqLen: number;
  /** One per batch size, in the order asked; empty when the row is unavailable. */
  cells: GridCell[];
  /** Why this method cannot run at this sequence length (core's message), else null. */
  unavailable: string | null;
}

/**
 * One method's grid of batch × sequence length at one gradient-checkpointing setting, and the largest batch
 * within the budget per sequence length. Every number is core's estimateMemory total, asked at call time,
 * once per (batch, seqLen).
 */
export function fitGrid(model: ModelConfig, method: MethodConfig, options: GridOptions): GridRow[] {
  return options.seqLens.map((seqLen) => {
    const known = new Map<number, number>();
    const peak = (batchSize: number): number => {
      let total = known.get(batchSize);
      if (total === undefined) {
        total = estimateMemory(model, method, {
          batchSize,
          seqLen,
          optimizer: options.optimizer,
          dtype: options.dtype,
          gradientCheckpointing: options.gradientCheckpointing,
        }).total;
        known.set(batchSize, total);
      }
      return total;
    };
    try {
      peak(1);
    } catch (e) {
      // The sequence length does not fit this method (prompt tuning's virtual tokens count as positions).
      if (!(e instanceof ValidationError)) throw e;
      return {
        seqLen,
        cells: [],
        unavailable: e.message,
        batchSize: null,
        peakBytes: null,
        nextPeakBytes: null,
        reachedCap: false,
      };
    }
    const cells = options.batchSizes.map((batchSize) => {
      const peakBytes = peak(batchSize);
      return { batchSize, peakBytes, fits: peakBytes <= options.budgetBytes };
    });
    return {
      seqLen,
      cells,
      unavailable: null,
      ...largestBatch(peak, options.budgetBytes, options.maxSearchBatch),
    };
  });
}
