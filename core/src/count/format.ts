import type { ParameterCounts } from "./parameters.js";

/** PEFT's print_trainable_parameters line: `trainable params: {:,} || all params: {:,} || trainable%: {:.4f}`. */
export function formatTrainable(counts: Pick<ParameterCounts, "trainable" | "total">): string {
  const percent = (100 * counts.trainable) / counts.total;
  return `trainable params: ${groupThousands(counts.trainable)} || all params: ${groupThousands(counts.total)} || trainable%: ${percent.toFixed(4)}`;
}

/** Python's `{:,}` for a non-negative integer, independent of the host's locale data. */
function groupThousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}
