"use client";
import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { graphql } from "../../lib/gql";
import { formatBytes, formatDate } from "../../lib/format";
import { useQuery } from "../../lib/hooks";
import { ErrorMessage } from "../common/error-message";
import { DatasetPreview } from "./dataset-preview";
import { UploadForm } from "./upload-form";

const DatasetsQuery = graphql(`
  query Datasets {
    datasets(first: 100) {
      totalCount
      edges {
        node { id name kind format rowCount trainRowCount evalRowCount sizeBytes contentHash createdAt }
      }
    }
  }
`);

export function DatasetsView() {
  const params = useSearchParams();
  const selected = params.get("id");
  const { data, error, loading, refetch } = useQuery(DatasetsQuery, {});
  const datasets = data?.datasets.edges.map((e) => e.node) ?? [];
  return (
    <>
      <h1>Datasets</h1>
      <p className="muted">
        JSONL lines of <code>{'{"text": …}'}</code> or <code>{'{"prompt": …, "completion": …}'}</code>, or CSV
        with a <code>text</code> or <code>prompt,completion</code> header. Each upload is an immutable version
        split into train and eval rows.
      </p>
      <UploadForm onCreated={() => void refetch()} />
      <h2>Versions</h2>
      <ErrorMessage error={error} context="Could not load datasets" />
      {loading && !data ? <p aria-live="polite">Loading…</p> : null}
      {data && datasets.length === 0 ? (
        <div className="empty">No datasets yet: upload a JSONL or CSV file above.</div>
      ) : null}
      {datasets.length > 0 ? (
        <div className="table-wrap">
          <table aria-label="Datasets">
            <thead>
              <tr>
                <th>Name</th>
                <th>Kind</th>
                <th className="num">Rows</th>
                <th className="num">Train / eval</th>
                <th className="num">Size</th>
                <th>Content hash</th>
                <th>Created</th>
                <th>
                  <span className="sr-only">Preview</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {datasets.map((d) => (
                <tr key={d.id} aria-selected={d.id === selected}>
                  <td>{d.name}</td>
                  <td>{d.kind === "TEXT" ? "text" : "prompt → completion"}</td>
                  <td className="num">{d.rowCount}</td>
                  <td className="num">
                    {d.trainRowCount} / {d.evalRowCount}
                  </td>
                  <td className="num">{formatBytes(d.sizeBytes)}</td>
                  <td>
                    <code title={d.contentHash}>{d.contentHash.slice(0, 12)}</code>
                  </td>
                  <td>{formatDate(d.createdAt)}</td>
                  <td>
                    <Link href={`/datasets?id=${d.id}`} aria-label={`Preview rows of ${d.name}`}>
                      Preview
                    </Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {selected ? <DatasetPreview id={selected} /> : null}
    </>
  );
}
