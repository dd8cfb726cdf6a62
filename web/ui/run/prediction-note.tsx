import { checkMemoryPrediction, MEMORY_PREDICTION_TOLERANCE } from "@tunelab/core/dist/memory/accuracy.js";

/**
 * Whether the run's measured peak is within core's stated accuracy of the prediction (±10%): said plainly
 * when it is not, so a prediction that does not describe this run is not taken at its word.
 */
export function PredictionNote({
  predicted,
  measured,
}: {
  predicted: number | null | undefined;
  measured: number | null | undefined;
}) {
  const check = checkMemoryPrediction(predicted, measured);
  if (!check) return null;
  const pct = Math.round(MEMORY_PREDICTION_TOLERANCE * 100);
  const ratio = `${check.ratio.toFixed(2)}×`;
  if (check.within) {
    return (
      <p className="muted" data-testid="memory-prediction" data-within="true">
        measured peak {ratio} the prediction (within ±{pct}%)
      </p>
    );
  }
  return (
    <p className="notice" role="status" data-testid="memory-prediction" data-within="false">
      The measured peak is {ratio} the prediction, outside core's ±{pct}%: the memory model does not describe
      this run (its backend, dtype or method may not be the one predicted for).
    </p>
  );
}
