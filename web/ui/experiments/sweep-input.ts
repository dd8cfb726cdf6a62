// The form's lists ("4, 8, 16") ⇄ the sweep the API takes (`{ r: { values: [4, 8, 16] } }`).

/** "4, 8, 16" → ["4", "8", "16"]; blanks dropped. */
export function splitList(text: string): string[] {
  return text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/** More than one value: the field is swept. */
export function isList(text: string): boolean {
  return splitList(text).length > 1;
}

export type SweepParameters = Record<string, { values: number[] }>;

/**
 * Numeric text fields → the value every run shares (a list's first, which the sweep overrides) and the
 * swept fields, in the order given.
 */
export function numericSweep(
  texts: Record<string, string>,
  names: readonly string[],
): { values: Record<string, number>; sweep: SweepParameters } {
  const values: Record<string, number> = {};
  const sweep: SweepParameters = {};
  for (const name of names) {
    const list = splitList(texts[name] ?? "").map(Number);
    values[name] = list[0] ?? Number.NaN;
    if (list.length > 1) sweep[name] = { values: list };
  }
  return { values, sweep };
}
