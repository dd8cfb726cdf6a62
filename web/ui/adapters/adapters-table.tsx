import Link from "next/link";
import { formatBytes, formatCount, formatDate, formatSigned, formatValue, keyConfig } from "../../lib/format";
import type { AdaptersQuery } from "../../lib/gql/graphql";
import { adapterTitle, methodLabel } from "./adapter-label";

export type AdapterRow = AdaptersQuery["adapters"]["edges"][number]["node"];

/** Where it came from: its run (and experiment), or who imported it and when. */
export function AdapterSourceCell({ a }: { a: AdapterRow }) {
  if (a.run) {
    return (
      <span className="muted">
        trained by <Link href={`/run?id=${a.run.id}`}>{a.run.name}</Link>
        {a.run.experiment ? (
          <>
            {" "}
            in <Link href={`/compare?experiment=${a.run.experiment.id}`}>{a.run.experiment.name}</Link>
          </>
        ) : null}
      </span>
    );
  }
  return (
    <span className="muted">
      imported by {a.importedBy ?? "unknown"} on {formatDate(a.createdAt)}
    </span>
  );
}

export function AdaptersTable({
  adapters,
  selected,
  onToggle,
}: {
  adapters: AdapterRow[];
  /** Ids ticked for an action on several adapters; no tick column without onToggle. */
  selected?: ReadonlySet<string>;
  onToggle?: (id: string) => void;
}) {
  return (
    <div className="table-wrap">
      <table aria-label="Adapters">
        <thead>
          <tr>
            {onToggle ? (
              <th>
                <span className="sr-only">Select</span>
              </th>
            ) : null}
            <th>Adapter</th>
            <th>Base model</th>
            <th>Method</th>
            <th>Key config</th>
            <th className="num">Trainable params</th>
            <th className="num">Size</th>
            <th className="num">Eval loss</th>
            <th className="num">Forgetting</th>
            <th>Created</th>
          </tr>
        </thead>
        <tbody>
          {adapters.map((a) => {
            const title = adapterTitle(a);
            return (
              <tr key={a.id} aria-selected={selected?.has(a.id) || undefined}>
                {onToggle ? (
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`Select ${title}`}
                      checked={selected?.has(a.id) ?? false}
                      onChange={() => onToggle(a.id)}
                    />
                  </td>
                ) : null}
                <td>
                  <Link href={`/adapter?id=${a.id}`}>{title}</Link>
                  <div>
                    <AdapterSourceCell a={a} />
                  </div>
                </td>
                <td>{a.baseModel.name}</td>
                <td>{methodLabel(a)}</td>
                <td>
                  <code>{keyConfig({ method: a.method, ...a.methodConfig }) || "—"}</code>
                </td>
                <td className="num">{formatCount(a.trainableParams)}</td>
                <td className="num" style={{ whiteSpace: "nowrap" }}>
                  {formatBytes(a.sizeBytes)}
                </td>
                <td className="num">{formatValue(a.evalLoss)}</td>
                <td className="num">{formatSigned(a.forgettingDelta)}</td>
                <td>{formatDate(a.createdAt)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
