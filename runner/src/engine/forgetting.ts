/**
 * The catastrophic-forgetting figure: the loss on a held-out "general" dataset (text the base model was
 * trained on, not the fine-tuning data) before and after fine-tuning. A positive delta is knowledge lost;
 * methods differ on it (full fine-tuning forgets most, LoRA-family and prompt methods less).
 */
export interface ForgettingReport {
  /** Mean token loss on the general set with the untouched base (method at its initial state). */
  generalLossBefore: number;
  generalLossAfter: number;
  /** after − before. */
  delta: number;
  /** delta / before. */
  relativeDelta: number;
}

export function forgettingReport(before: number, after: number): ForgettingReport {
  if (!Number.isFinite(before) || !Number.isFinite(after)) {
    throw new RangeError(`general-set loss must be finite, got ${before} before and ${after} after`);
  }
  return {
    generalLossBefore: before,
    generalLossAfter: after,
    delta: after - before,
    relativeDelta: (after - before) / before,
  };
}

/**
 * Runs `train` between two evaluations of the general set and returns its result with the report.
 * `evaluateGeneral` must evaluate the model as it is at call time (no dropout, no parameter update).
 */
export async function withForgetting<T>(
  evaluateGeneral: () => number | Promise<number>,
  train: () => Promise<T>,
): Promise<{ result: T; forgetting: ForgettingReport }> {
  const before = await evaluateGeneral();
  const result = await train();
  const after = await evaluateGeneral();
  return { result, forgetting: forgettingReport(before, after) };
}
