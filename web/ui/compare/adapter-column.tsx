// The comparison's link from each run to the adapter it trained, or an evaluation's to the adapter it
// measured (the adapters page has its files and actions).
import Link from "next/link";
import { graphql } from "../../lib/gql";
import type { Column } from "./columns";

/** An experiment's adapters, newest first: the first seen for a run is its newest, as Run.adapter is. */
export const ExperimentAdapters = graphql(`
  query ExperimentAdapters($experimentId: ID!) {
    adapters(filter: { experimentId: $experimentId }, first: 100) { edges { node { id runId } } }
  }
`);

export function adaptersByRun(
  edges: readonly { node: { id: string; runId?: string | null } }[],
): Map<string, string> {
  const byRun = new Map<string, string>();
  for (const { node } of edges) if (node.runId && !byRun.has(node.runId)) byRun.set(node.runId, node.id);
  return byRun;
}

export function adapterColumn(byRun: ReadonlyMap<string, string>): Column {
  return {
    key: "adapter",
    label: "Adapter",
    numeric: false,
    value: (r) => byRun.get(r.runId) ?? r.inputAdapterId ?? null,
    cell: (r) => {
      const id = byRun.get(r.runId);
      if (id)
        return (
          <Link href={`/adapter?id=${id}`} aria-label={`Adapter of ${r.name}`}>
            adapter
          </Link>
        );
      // an evaluation's row: the adapter it measured
      return r.inputAdapterId ? (
        <Link href={`/adapter?id=${r.inputAdapterId}`} aria-label={`Adapter evaluated by ${r.name}`}>
          evaluated adapter
        </Link>
      ) : (
        "—"
      );
    },
  };
}
