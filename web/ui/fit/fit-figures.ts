// The fit page's arithmetic on what the server answered: units, the grid's lists, what checkpointing changes.

const GiB = 1024 ** 3;

/** GPU memory is sold in GiB (an "80 GB" A100 has 80 GiB), so the fit page speaks GiB throughout. */
export function formatGiB(bytes: number | null | undefined): string {
  if (bytes == null || !Number.isFinite(bytes)) return "—";
  const g = bytes / GiB;
  return `${g >= 100 ? g.toFixed(0) : g >= 10 ? g.toFixed(1) : g.toFixed(2)} GiB`;
}

/** "80" → 80 GiB in bytes; null for anything that is not a positive number. */
export function gibToBytes(text: string): number | null {
  const g = Number(text.trim());
  return text.trim() !== "" && Number.isFinite(g) && g > 0 ? Math.round(g * GiB) : null;
}

/** Bytes as the budget field shows them: GiB with at most three decimals ("80", "15.75"). */
export function bytesToGibText(bytes: number): string {
  return String(Number((bytes / GiB).toFixed(3)));
}

/** "1, 4, 16" → [1, 4, 16]; "" → null (the server's default); anything else not a positive integer → error. */
export function parseIntList(text: string): { values: number[] | null; error?: string } {
  const parts = text
    .split(/[\s,]+/)
    .map((p) => p.trim())
    .filter((p) => p !== "");
  if (parts.length === 0) return { values: null };
  const values = parts.map(Number);
  const bad = values.findIndex((v) => !Number.isInteger(v) || v < 1);
  return bad < 0 ? { values } : { values: null, error: `"${parts[bad]}" is not a positive whole number` };
}

export interface RowFigures {
  seqLen: number;
  unavailable?: string | null;
  largestBatch?: number | null;
  reachedCap: boolean;
  cells: { batchSize: number; peakBytes: number }[];
}

/** "12", "none", "≥ 4096" (the search's cap), or "—" where the method cannot run at that length. */
export function largestText(row: RowFigures): string {
  if (row.unavailable) return "—";
  if (row.largestBatch == null) return "none";
  return row.reachedCap ? `≥ ${row.largestBatch}` : String(row.largestBatch);
}

/**
 * What gradient checkpointing changes at one sequence length: the largest batch before → after, and the peak
 * at the grid's largest batch (where activations weigh most) before → after.
 */
export function checkpointingChange(plain: RowFigures, checkpointed: RowFigures): string | null {
  if (plain.unavailable || checkpointed.unavailable) return null;
  const last = plain.cells.at(-1);
  const after = checkpointed.cells.find((c) => c.batchSize === last?.batchSize);
  const peak =
    last && after
      ? `; peak at batch ${last.batchSize} ${formatGiB(last.peakBytes)} → ${formatGiB(after.peakBytes)} (${savedPercent(last.peakBytes, after.peakBytes)})`
      : "";
  return `${plain.seqLen} tokens: largest batch ${largestText(plain)} → ${largestText(checkpointed)}${peak}`;
}

function savedPercent(before: number, after: number): string {
  const change = ((after - before) / before) * 100;
  return `${change > 0 ? "+" : "−"}${Math.abs(change).toFixed(0)}%`;
}
