// What a comparison row is, beside its method: training rows trained it; an evaluation's rows measured an
// existing adapter (or the base model alone) without training, so their train-loss columns stay empty.

export interface RowKind {
  kind: string;
  method: string;
}

/** A short note for the method cell: null for a training row. */
export function rowKindNote(row: RowKind): string | null {
  if (row.kind !== "EVALUATE") return null;
  return row.method === "base" ? "base model alone, evaluated" : "evaluated, not trained here";
}
