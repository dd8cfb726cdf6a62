// A sweep's runs in the comparison: grouped by method, faceted by a swept field.

export interface SweptRow {
  method: string;
  sweepValues?: Record<string, unknown> | null;
}

/** The swept fields of these runs, in first-seen order (the sweep's own order for one experiment). */
export function sweptFields(rows: readonly SweptRow[]): string[] {
  const fields = new Set<string>();
  for (const r of rows) for (const key of Object.keys(r.sweepValues ?? {})) fields.add(key);
  return [...fields];
}

/** Runs grouped by method: methods in first-seen order, each group keeping the runs' order. */
export function groupByMethod<T extends SweptRow>(rows: readonly T[]): { method: string; rows: T[] }[] {
  const groups = new Map<string, T[]>();
  for (const r of rows) {
    const group = groups.get(r.method);
    if (group) group.push(r);
    else groups.set(r.method, [r]);
  }
  return [...groups].map(([method, rows]) => ({ method, rows }));
}

/** Line dashes that tell apart the runs of one method (which share its colour): solid, then patterns. */
const DASHES: (number[] | undefined)[] = [undefined, [6, 3], [2, 3], [10, 3, 2, 3], [1, 6], [12, 6]];

export function methodDashes<T extends SweptRow & { runId: string }>(
  rows: readonly T[],
): Map<string, number[] | undefined> {
  const out = new Map<string, number[] | undefined>();
  for (const group of groupByMethod(rows)) {
    group.rows.forEach((r, i) => {
      out.set(r.runId, DASHES[i % DASHES.length]);
    });
  }
  return out;
}

export interface Facet<T> {
  /** `r = 4`, or `r not swept` for the runs whose method has no r. */
  label: string;
  /** The value as text (data-facet), "" for the runs without it. */
  key: string;
  rows: T[];
}

/** One facet per distinct value of `field` (numbers ascending, others in first-seen order), then runs without it. */
export function facetsBy<T extends SweptRow>(rows: readonly T[], field: string): Facet<T>[] {
  const byValue = new Map<string, { value: unknown; rows: T[] }>();
  const without: T[] = [];
  for (const r of rows) {
    const values = r.sweepValues ?? {};
    if (!(field in values)) {
      without.push(r);
      continue;
    }
    const key = JSON.stringify(values[field]);
    const facet = byValue.get(key);
    if (facet) facet.rows.push(r);
    else byValue.set(key, { value: values[field], rows: [r] });
  }
  const facets = [...byValue.values()];
  if (facets.every((f) => typeof f.value === "number")) {
    facets.sort((a, b) => (a.value as number) - (b.value as number));
  }
  const out: Facet<T>[] = facets.map((f) => ({
    label: `${field} = ${formatSwept(f.value)}`,
    key: formatSwept(f.value),
    rows: f.rows,
  }));
  if (without.length > 0) out.push({ label: `${field} not swept`, key: "", rows: without });
  return out;
}

/** 1e-4 → "1e-4", 0.5 → "0.5", ["q_proj","v_proj"] → "q_proj,v_proj" (as run names write them). */
export function formatSwept(v: unknown): string {
  if (v == null) return "—";
  if (Array.isArray(v)) return v.join(",");
  if (typeof v !== "number" || Number.isInteger(v) || v === 0) return String(v);
  return Math.abs(v) < 1e-3 || Math.abs(v) >= 1e6 ? v.toExponential().replace("e+", "e") : String(v);
}
