"use client";
import { graphql } from "../../lib/gql";
import { useQuery } from "../../lib/hooks";
import { ErrorMessage } from "../common/error-message";

const PreviewQuery = graphql(`
  query DatasetPreview($id: ID!) {
    dataset(id: $id) {
      id
      name
      kind
      rowCount
      rows(first: 25) { index line split text prompt completion }
    }
  }
`);

export function DatasetPreview({ id }: { id: string }) {
  const { data, error } = useQuery(PreviewQuery, { id });
  const d = data?.dataset;
  return (
    <section aria-labelledby="preview-title">
      <h2 id="preview-title">Preview{d ? `: ${d.name}` : ""}</h2>
      <ErrorMessage error={error} context="Could not load the dataset" />
      {d ? (
        <>
          <p className="muted">
            First {d.rows.length} of {d.rowCount} rows, in upload order.
          </p>
          <div className="table-wrap">
            <table aria-label="Dataset rows">
              <thead>
                <tr>
                  <th className="num">Line</th>
                  <th>Split</th>
                  {d.kind === "TEXT" ? (
                    <th>Text</th>
                  ) : (
                    <>
                      <th>Prompt</th>
                      <th>Completion</th>
                    </>
                  )}
                </tr>
              </thead>
              <tbody>
                {d.rows.map((r) => (
                  <tr key={r.index}>
                    <td className="num">{r.line}</td>
                    <td>{r.split.toLowerCase()}</td>
                    {d.kind === "TEXT" ? (
                      <td>{r.text}</td>
                    ) : (
                      <>
                        <td>{r.prompt}</td>
                        <td>{r.completion}</td>
                      </>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
    </section>
  );
}
