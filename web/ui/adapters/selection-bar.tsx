"use client";
import Link from "next/link";
import type { AdapterRow } from "./adapters-table";
import { selectionProblem } from "./selection";

/** A playground link for adapters of one base model (the page reads baseModel and adapters from the URL). */
export function playgroundHref(baseModelId: string, adapterIds: readonly string[]): string {
  return `/playground?baseModel=${encodeURIComponent(baseModelId)}&adapters=${adapterIds.map(encodeURIComponent).join(",")}`;
}

/**
 * What can be done with the ticked adapters together: try them side by side in the playground (one base
 * model, up to 6). When they cannot, the bar says why instead of the server.
 */
export function SelectionBar({ selected, onClear }: { selected: AdapterRow[]; onClear: () => void }) {
  if (selected.length === 0) return null;
  const playgroundProblem = selectionProblem(selected, "playground");
  const problem = playgroundProblem ? `Playground: ${playgroundProblem}` : null;
  const bases = new Set(selected.map((a) => a.baseModel.name));
  const ids = selected.map((a) => a.id);
  return (
    <section className="card" aria-label="Selected adapters">
      <div className="row">
        <strong data-testid="selection-count">
          {selected.length} selected ({[...bases].join(", ")})
        </strong>
        {playgroundProblem === null ? (
          <Link className="button secondary" href={playgroundHref(selected[0]!.baseModel.id, ids)}>
            Open in playground
          </Link>
        ) : (
          <button type="button" className="secondary" disabled>
            Open in playground
          </button>
        )}
        <button type="button" className="secondary" onClick={onClear}>
          Clear selection
        </button>
      </div>
      {problem ? (
        <p className="muted" data-testid="selection-problem">
          {problem}
        </p>
      ) : null}
    </section>
  );
}
