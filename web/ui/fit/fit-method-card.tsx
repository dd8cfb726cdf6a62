import { formatCount, keyConfig } from "../../lib/format";
import type { FitQuery } from "../../lib/gql/graphql";
import { methodColor } from "../../lib/palette";
import { checkpointingChange, formatGiB, largestText } from "./fit-figures";

type FitMethod = FitQuery["fit"]["methods"][number];
type FitGrid = FitMethod["withoutCheckpointing"];

/** One method's batch × sequence-length grid at one checkpointing setting: each cell fits or does not. */
function GridTable({ grid, batchSizes, label }: { grid: FitGrid; batchSizes: number[]; label: string }) {
  const ckpt = grid.gradientCheckpointing ? "with" : "without";
  return (
    <div className="table-wrap">
      <table className="fit-grid" data-checkpointing={grid.gradientCheckpointing}>
        <caption>{label}</caption>
        <thead>
          <tr>
            <th scope="col">Tokens</th>
            {batchSizes.map((b) => (
              <th key={b} scope="col" className="num">
                batch {b}
              </th>
            ))}
            <th scope="col" className="num">
              Largest batch
            </th>
          </tr>
        </thead>
        <tbody>
          {grid.rows.map((row) => (
            <tr key={row.seqLen}>
              <th scope="row">{row.seqLen}</th>
              {row.unavailable ? (
                <td colSpan={batchSizes.length} className="muted">
                  {row.unavailable}
                </td>
              ) : (
                row.cells.map((cell) => (
                  <td
                    key={cell.batchSize}
                    className={`num ${cell.fits ? "fit-yes" : "fit-no"}`}
                    data-testid="fit-cell"
                    data-batch={cell.batchSize}
                    data-seqlen={row.seqLen}
                    data-value={cell.peakBytes}
                    title={`${formatGiB(cell.peakBytes)} at batch ${cell.batchSize} × ${row.seqLen} tokens, ${ckpt} checkpointing`}
                  >
                    {formatGiB(cell.peakBytes)}{" "}
                    <span className="fit-word">{cell.fits ? "✓ fits" : "✗ too big"}</span>
                  </td>
                ))
              )}
              <td
                className="num"
                data-testid="fit-largest"
                data-seqlen={row.seqLen}
                data-value={row.largestBatch ?? ""}
                title={
                  row.largestBatch != null && row.nextBatchPeakBytes != null
                    ? `batch ${row.largestBatch}: ${formatGiB(row.largestBatchPeakBytes)}; batch ${row.largestBatch + 1}: ${formatGiB(row.nextBatchPeakBytes)}`
                    : undefined
                }
              >
                <strong>{largestText(row)}</strong>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A method's two grids side by side and, under them, what gradient checkpointing changes. */
export function FitMethodCard({ m, batchSizes }: { m: FitMethod; batchSizes: number[] }) {
  const changes = m.withoutCheckpointing.rows
    .map((row, i) => checkpointingChange(row, m.withCheckpointing.rows[i]!))
    .filter((c): c is string => c !== null);
  const config = keyConfig(m.method);
  const method = String(m.method.method);
  return (
    <section
      className="card fit-method"
      style={{ borderLeftColor: methodColor(method) }}
      aria-label={`Fit of ${m.name}`}
      data-method={method}
    >
      <h2 style={{ marginTop: 0 }}>
        {m.name} {config ? <span className="muted">{config}</span> : null}
      </h2>
      <p className="muted">
        {formatCount(m.trainableParameters)} trainable parameters; dtype {m.dtype}.
        {m.note ? ` Note: ${m.note}.` : ""}
      </p>
      <div className="fit-pair">
        <GridTable
          grid={m.withoutCheckpointing}
          batchSizes={batchSizes}
          label="Without gradient checkpointing"
        />
        <GridTable grid={m.withCheckpointing} batchSizes={batchSizes} label="With gradient checkpointing" />
      </div>
      {changes.length > 0 ? (
        <div data-testid="fit-checkpointing-change">
          <strong>What gradient checkpointing changes</strong> (recomputes each layer's activations in the
          backward pass, at the cost of a second forward):
          <ul>
            {changes.map((c) => (
              <li key={c}>{c}</li>
            ))}
          </ul>
        </div>
      ) : null}
    </section>
  );
}
