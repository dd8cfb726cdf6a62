import { stringify } from "csv-stringify/sync";
import type { RunComparison } from "../metrics/compare.types.js";

/** The columns of compare.csv, in order: header name → value of a comparison row. */
const columns: [string, (c: RunComparison) => unknown][] = [
  ["run_id", (c) => c.runId],
  ["name", (c) => c.name],
  ["experiment_id", (c) => c.experimentId],
  ["status", (c) => c.status],
  ["method", (c) => c.method],
  // EVALUATE rows measured an existing adapter (input_adapter_id; empty: the base model alone), not trained here
  ["kind", (c) => c.kind],
  ["input_adapter_id", (c) => c.inputAdapterId],
  ["trainable_params", (c) => c.trainableParams],
  ["total_params", (c) => c.totalParams],
  ["trainable_percent", (c) => c.trainablePercent],
  ["predicted_total_bytes", (c) => c.predictedTotalBytes],
  ["measured_peak_bytes", (c) => c.measuredPeakBytes],
  ["peak_over_predicted", (c) => c.peakOverPredicted],
  ["final_train_loss", (c) => c.finalTrainLoss],
  ["best_train_loss", (c) => c.bestTrainLoss],
  ["final_eval_loss", (c) => c.finalEvalLoss],
  ["best_eval_loss", (c) => c.bestEvalLoss],
  ["tokens_per_second", (c) => c.tokensPerSecond],
  ["duration_ms", (c) => c.durationMs],
  ["steps", (c) => c.steps],
  ["forgetting_delta", (c) => c.forgettingDelta],
  ["method_config", (c) => JSON.stringify(c.methodConfig)],
  ["sweep_values", (c) => (c.sweepValues ? JSON.stringify(c.sweepValues) : null)],
  ["predicted_memory", (c) => JSON.stringify(c.predictedMemory)],
];

/** RFC 4180 CSV (csv-stringify): one header line, one line per run; empty cells for unknown values. */
export function compareCsv(rows: RunComparison[]): string {
  return stringify(
    rows.map((r) => columns.map(([, value]) => value(r) ?? "")),
    { header: true, columns: columns.map(([name]) => name), record_delimiter: "\r\n" },
  );
}
