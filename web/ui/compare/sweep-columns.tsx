// The comparison's columns for a sweep's swept fields (one per field; "—" where a run's method lacks it).
import type { Column, Row } from "./columns";
import { formatSwept } from "./sweep-groups";

export function sweepColumns(fields: readonly string[]): Column[] {
  return fields.map((field) => {
    const value = (r: Row) => {
      const v = (r.sweepValues as Record<string, unknown> | null | undefined)?.[field];
      return typeof v === "number" || typeof v === "string" ? v : v == null ? null : formatSwept(v);
    };
    return {
      key: `sweep.${field}`,
      label: field,
      numeric: true,
      value,
      cell: (r: Row) => <code>{formatSwept(value(r))}</code>,
    };
  });
}
