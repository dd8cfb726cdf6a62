/**
 * How far a run's measured peak may sit from core's prediction before the dashboard says so: the memory
 * model's stated accuracy (bench/engine/methods.mjs checks every method, model size and batch against it).
 */
export const MEMORY_PREDICTION_TOLERANCE = 0.1;

export interface PredictionCheck {
  /** measured / predicted */
  ratio: number;
  /** |ratio − 1| ≤ MEMORY_PREDICTION_TOLERANCE */
  within: boolean;
}

/** The measured peak against the prediction; null until both exist. */
export function checkMemoryPrediction(
  predictedBytes: number | null | undefined,
  measuredBytes: number | null | undefined,
): PredictionCheck | null {
  if (predictedBytes == null || measuredBytes == null || predictedBytes <= 0) return null;
  const ratio = measuredBytes / predictedBytes;
  // 1e-9: 110/100 − 1 is 0.10000000000000009 in binary floating point, and 10% off is within
  return { ratio, within: Math.abs(ratio - 1) <= MEMORY_PREDICTION_TOLERANCE + 1e-9 };
}
