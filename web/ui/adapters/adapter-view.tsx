"use client";
import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { mergeRefusal } from "@tunelab/core/dist/methods/merge.js";
import { useState } from "react";
import { ApiError, downloadWithKey } from "../../lib/client";
import { formatBytes, formatCount, formatDate, formatSigned, formatValue, keyConfig } from "../../lib/format";
import { graphql } from "../../lib/gql";
import { useQuery } from "../../lib/hooks";
import { ErrorMessage } from "../common/error-message";
import { StatusBadge } from "../common/status-badge";
import { adapterTitle, methodLabel } from "./adapter-label";
import { EvaluatePanel } from "./evaluate-panel";
import { MergePanel } from "./merge-panel";
import { playgroundHref } from "./selection-bar";

const AdapterDoc = graphql(`
  query Adapter($id: ID!) {
    adapter(id: $id) {
      id method methodConfig source createdAt importedBy note trainableParams sizeBytes evalLoss forgettingDelta
      downloadUrl
      baseModel { id name }
      run { id name status experiment { id name } dataset { id name } }
      files { name sizeBytes sha256 downloadUrl }
    }
  }
`);

export function AdapterView() {
  const id = useSearchParams().get("id");
  if (!id) {
    return (
      <div className="empty">
        No adapter chosen: open one from the <Link href="/adapters">adapters</Link> list.
      </div>
    );
  }
  return <AdapterDetails id={id} />;
}

function AdapterDetails({ id }: { id: string }) {
  const { data, error } = useQuery(AdapterDoc, { id });
  const [downloadError, setDownloadError] = useState<ApiError>();
  const [action, setAction] = useState<"evaluate" | "merge" | null>(null);
  const a = data?.adapter;
  if (error) return <ErrorMessage error={error} context="Could not load the adapter" />;
  if (!a) return <p aria-live="polite">Loading…</p>;

  async function onDownload(name: string, url: string) {
    setDownloadError(undefined);
    try {
      await downloadWithKey(url, name);
    } catch (e) {
      setDownloadError(e instanceof ApiError ? e : new ApiError([{ message: String(e) }]));
    }
  }

  const title = adapterTitle(a);
  // core's rule, so the button says why before the server would (prefix, prompt and bottleneck adapters
  // change the computation, not the weights).
  const refusal = mergeRefusal(a.method);
  return (
    <>
      <p className="muted">
        <Link href="/adapters">Adapters</Link> ›{" "}
        <Link href={`/adapters?baseModel=${a.baseModel.id}`}>{a.baseModel.name}</Link>
      </p>
      <h1>{title}</h1>
      <div className="row">
        <button type="button" onClick={() => void onDownload(`adapter-${a.id}.zip`, a.downloadUrl)}>
          Download the folder as a zip
        </button>
        <button
          type="button"
          className="secondary"
          aria-expanded={action === "evaluate"}
          onClick={() => setAction(action === "evaluate" ? null : "evaluate")}
        >
          Evaluate…
        </button>
        <Link className="button secondary" href={playgroundHref(a.baseModel.id, [a.id])}>
          Open in playground
        </Link>
        <button
          type="button"
          className="secondary"
          disabled={refusal !== null}
          title={refusal ?? undefined}
          aria-expanded={action === "merge"}
          onClick={() => setAction(action === "merge" ? null : "merge")}
        >
          Merge…
        </button>
      </div>
      <ErrorMessage error={downloadError} context="Download failed" />
      {refusal ? <p className="muted">Merge: {refusal}.</p> : null}
      {action === "evaluate" ? <EvaluatePanel adapterIds={[a.id]} /> : null}
      {action === "merge" && refusal === null ? (
        <MergePanel adapterId={a.id} defaultName={`${a.baseModel.name} + ${title}`.slice(0, 200)} />
      ) : null}

      <div className="two-col">
        <section aria-labelledby="provenance-title">
          <h2 id="provenance-title">Provenance</h2>
          <dl className="props" data-testid="provenance">
            <dt>Base model</dt>
            <dd>{a.baseModel.name}</dd>
            {a.run ? (
              <>
                <dt>Trained by</dt>
                <dd>
                  <Link href={`/run?id=${a.run.id}`}>{a.run.name}</Link> <StatusBadge status={a.run.status} />
                </dd>
                {a.run.experiment ? (
                  <>
                    <dt>Experiment</dt>
                    <dd>
                      <Link href={`/compare?experiment=${a.run.experiment.id}`}>{a.run.experiment.name}</Link>
                    </dd>
                  </>
                ) : null}
                {a.run.dataset ? (
                  <>
                    <dt>Dataset</dt>
                    <dd>{a.run.dataset.name}</dd>
                  </>
                ) : null}
              </>
            ) : (
              <>
                <dt>Imported by</dt>
                <dd>{a.importedBy ?? "unknown"}</dd>
              </>
            )}
            <dt>{a.source === "IMPORT" ? "Imported" : "Stored"}</dt>
            <dd>{formatDate(a.createdAt)}</dd>
            {a.note ? (
              <>
                <dt>Note</dt>
                <dd style={{ whiteSpace: "pre-wrap" }}>{a.note}</dd>
              </>
            ) : null}
          </dl>
        </section>
        <section aria-labelledby="metrics-title">
          <h2 id="metrics-title">Method and metrics</h2>
          <dl className="props" data-testid="metrics">
            <dt>Method</dt>
            <dd>
              {methodLabel(a)} <code>{keyConfig({ method: a.method, ...a.methodConfig })}</code>
            </dd>
            <dt>Trainable params</dt>
            <dd>{formatCount(a.trainableParams)}</dd>
            <dt>Size</dt>
            <dd>{formatBytes(a.sizeBytes)}</dd>
            <dt>Eval loss</dt>
            <dd>{a.evalLoss == null ? "— (not evaluated)" : formatValue(a.evalLoss)}</dd>
            <dt>Forgetting</dt>
            <dd>
              {a.forgettingDelta == null ? "— (not measured)" : formatSigned(a.forgettingDelta)}
              {a.forgettingDelta != null ? (
                <span className="muted"> general-text loss, after − before</span>
              ) : null}
            </dd>
          </dl>
        </section>
      </div>

      <h2>Files</h2>
      <div className="table-wrap">
        <table aria-label="Adapter files">
          <thead>
            <tr>
              <th>Name</th>
              <th className="num">Size</th>
              <th>sha256</th>
              <th>
                <span className="sr-only">Download</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {a.files.map((f) => (
              <tr key={f.name}>
                <td>
                  <code>{f.name}</code>
                </td>
                <td className="num">{formatBytes(f.sizeBytes)}</td>
                <td>
                  <code style={{ wordBreak: "break-all" }}>{f.sha256}</code>
                </td>
                <td>
                  <button
                    type="button"
                    className="secondary"
                    aria-label={`Download ${f.name}`}
                    onClick={() => void onDownload(f.name, f.downloadUrl)}
                  >
                    Download
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <h2>Config</h2>
      <p className="muted">The method's full config as Tunelab reads it, every default filled in.</p>
      <pre className="block" data-testid="method-config">
        {JSON.stringify(a.methodConfig, null, 2)}
      </pre>
    </>
  );
}
