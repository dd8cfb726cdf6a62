// The comparison table's columns: how each is read for sorting and drawn in a cell.
import Link from "next/link";
import {
  formatBytes,
  formatCount,
  formatDuration,
  formatPercent,
  formatSigned,
  formatValue,
  keyConfig,
} from "../../lib/format";
import type { CompareQuery } from "../../lib/gql/graphql";
import { LogBar, MemoryBar, memoryTerms } from "../charts/bars";
import { StatusBadge } from "../common/status-badge";
import { rowKindNote } from "./row-kind";

export type Row = CompareQuery["compare"][number];

export interface Scales {
  minParams: number;
  maxParams: number;
  maxBytes: number;
}

export interface Column {
  key: string;
  label: string;
  numeric: boolean;
  /** The number (or text) a sort compares; null sorts last. */
  value: (row: Row) => number | string | null;
  cell: (row: Row, scales: Scales) => React.ReactNode;
}

function num(key: keyof Row, format: (v: number | null | undefined) => string = formatValue): Column["cell"] {
  return (row) => format(row[key] as number | null);
}

export const COLUMNS: Column[] = [
  {
    key: "name",
    label: "Run",
    numeric: false,
    value: (r) => r.name,
    cell: (r) => (
      <>
        <Link href={`/run?id=${r.runId}`}>{r.name}</Link> <StatusBadge status={r.status} />
      </>
    ),
  },
  {
    key: "method",
    label: "Method",
    numeric: false,
    value: (r) => r.method,
    cell: (r) => {
      const note = rowKindNote(r);
      return note ? (
        <>
          {r.method} <span className="muted">({note})</span>
        </>
      ) : (
        r.method
      );
    },
  },
  {
    key: "config",
    label: "Key config",
    numeric: false,
    value: (r) => keyConfig(r.methodConfig),
    cell: (r) => <code>{keyConfig(r.methodConfig) || "—"}</code>,
  },
  {
    key: "trainableParams",
    label: "Trainable params",
    numeric: true,
    value: (r) => r.trainableParams,
    cell: (r, s) => (
      <>
        <div>
          {formatCount(r.trainableParams)}{" "}
          <span className="muted">({formatPercent(r.trainablePercent)})</span>
        </div>
        <LogBar value={r.trainableParams} min={s.minParams} max={s.maxParams} />
      </>
    ),
  },
  {
    key: "memory",
    label: "Memory: predicted / measured peak",
    numeric: true,
    value: (r) => r.measuredPeakBytes ?? r.predictedTotalBytes,
    cell: (r, s) => (
      <>
        <div>
          {formatBytes(r.predictedTotalBytes)} / {formatBytes(r.measuredPeakBytes)}
          {r.peakOverPredicted != null ? (
            <span className="muted"> (×{r.peakOverPredicted.toFixed(2)})</span>
          ) : null}
        </div>
        <MemoryBar terms={memoryTerms(r.predictedMemory)} measured={r.measuredPeakBytes} max={s.maxBytes} />
      </>
    ),
  },
  {
    key: "finalTrainLoss",
    label: "Final train loss",
    numeric: true,
    value: (r) => r.finalTrainLoss ?? null,
    cell: num("finalTrainLoss"),
  },
  {
    key: "bestTrainLoss",
    label: "Best train loss",
    numeric: true,
    value: (r) => r.bestTrainLoss ?? null,
    cell: num("bestTrainLoss"),
  },
  {
    key: "finalEvalLoss",
    label: "Final eval loss",
    numeric: true,
    value: (r) => r.finalEvalLoss ?? null,
    cell: num("finalEvalLoss"),
  },
  {
    key: "bestEvalLoss",
    label: "Best eval loss",
    numeric: true,
    value: (r) => r.bestEvalLoss ?? null,
    cell: num("bestEvalLoss"),
  },
  {
    key: "tokensPerSecond",
    label: "Tokens/s",
    numeric: true,
    value: (r) => r.tokensPerSecond ?? null,
    cell: (r) => (r.tokensPerSecond == null ? "—" : Math.round(r.tokensPerSecond).toLocaleString("en-US")),
  },
  {
    key: "durationMs",
    label: "Wall time",
    numeric: true,
    value: (r) => r.durationMs ?? null,
    cell: num("durationMs", formatDuration),
  },
  {
    key: "forgettingDelta",
    label: "Forgetting (Δ general loss)",
    numeric: true,
    value: (r) => r.forgettingDelta ?? null,
    cell: num("forgettingDelta", formatSigned),
  },
];

/** The raw value a cell shows, for tests comparing the page with the API (data-value). */
export function rawValue(column: Column, row: Row): string {
  if (column.key === "memory") return `${row.predictedTotalBytes}/${row.measuredPeakBytes ?? ""}`;
  const v = column.value(row);
  return v == null ? "" : String(v);
}

export function sortRows(
  rows: readonly Row[],
  key: string | null,
  dir: "asc" | "desc",
  columns: readonly Column[] = COLUMNS,
): Row[] {
  const column = columns.find((c) => c.key === key);
  if (!column) return rows.slice();
  const sign = dir === "asc" ? 1 : -1;
  return rows.slice().sort((a, b) => {
    const va = column.value(a);
    const vb = column.value(b);
    if (va == null && vb == null) return 0;
    if (va == null) return 1;
    if (vb == null) return -1;
    if (typeof va === "number" && typeof vb === "number") return (va - vb) * sign;
    return String(va).localeCompare(String(vb)) * sign;
  });
}
