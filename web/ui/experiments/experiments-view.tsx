"use client";
import Link from "next/link";
import { useEffect } from "react";
import { formatDate } from "../../lib/format";
import { graphql } from "../../lib/gql";
import { useQuery } from "../../lib/hooks";
import { ErrorMessage } from "../common/error-message";
import { StatusBadge } from "../common/status-badge";

const ExperimentsQuery = graphql(`
  query Experiments {
    experiments(first: 100) {
      totalCount
      edges {
        node {
          id
          name
          description
          createdAt
          dataset { id name }
          baseModel { id name }
          statusCounts { queued assigned running succeeded failed cancelled total }
          runs { id name method status }
        }
      }
    }
  }
`);

const STATUSES = ["queued", "assigned", "running", "succeeded", "failed", "cancelled"] as const;

export function ExperimentsView() {
  const { data, error, loading, refetch } = useQuery(ExperimentsQuery, {});
  const experiments = data?.experiments.edges.map((e) => e.node) ?? [];
  const active = experiments.some(
    (e) => e.statusCounts.queued + e.statusCounts.assigned + e.statusCounts.running > 0,
  );
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => void refetch(), 4000);
    return () => clearInterval(timer);
  }, [active, refetch]);

  return (
    <>
      <div className="spread">
        <h1>Experiments</h1>
        <Link className="button" href="/experiments/new">
          New experiment
        </Link>
      </div>
      <ErrorMessage error={error} context="Could not load experiments" />
      {loading && !data ? <p aria-live="polite">Loading…</p> : null}
      {data && experiments.length === 0 ? (
        <div className="empty">
          <p>No experiments yet.</p>
          <p>
            Upload a <Link href="/datasets">dataset</Link>, then{" "}
            <Link href="/experiments/new">create an experiment</Link> comparing full fine-tuning with LoRA,
            QLoRA, prefix-tuning and adapters.
          </p>
        </div>
      ) : null}
      {experiments.length > 0 ? (
        <div className="table-wrap">
          <table aria-label="Experiments">
            <thead>
              <tr>
                <th>Name</th>
                <th>Runs</th>
                <th>Status</th>
                <th>Dataset</th>
                <th>Base model</th>
                <th>Created</th>
              </tr>
            </thead>
            <tbody>
              {experiments.map((e) => (
                <tr key={e.id}>
                  <td>
                    <Link href={`/compare?experiment=${e.id}`}>{e.name}</Link>
                    {e.description ? <div className="muted">{e.description}</div> : null}
                  </td>
                  <td>
                    {e.runs.map((r, i) => (
                      <span key={r.id}>
                        {i > 0 ? ", " : ""}
                        <Link href={`/run?id=${r.id}`}>{r.name}</Link>
                      </span>
                    ))}
                  </td>
                  <td>
                    <div className="counts" data-testid="status-counts">
                      {STATUSES.filter((s) => e.statusCounts[s] > 0).map((s) => (
                        <span key={s}>
                          <StatusBadge status={s.toUpperCase()} /> {e.statusCounts[s]}
                        </span>
                      ))}
                      <span className="muted">of {e.statusCounts.total}</span>
                    </div>
                  </td>
                  <td>{e.dataset?.name ?? "random tokens"}</td>
                  <td>{e.baseModel.name}</td>
                  <td>{formatDate(e.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </>
  );
}
