"use client";
import Link from "next/link";
import { useState } from "react";
import type { AdapterRow } from "./adapters-table";
import { EvaluatePanel } from "./evaluate-panel";
import { selectionProblem } from "./selection";

/** A playground link for adapters of one base model (the page reads baseModel and adapters from the URL). */
export function playgroundHref(baseModelId: string, adapterIds: readonly string[]): string {
  return `/playground?baseModel=${encodeURIComponent(baseModelId)}&adapters=${adapterIds.map(encodeURIComponent).join(",")}`;
}

/**
 * What can be done with the ticked adapters together: evaluate them (one base model, up to 16) or try them
 * side by side in the playground (up to 6). When one cannot, the bar says why instead of the server.
 */
export function SelectionBar({ selected, onClear }: { selected: AdapterRow[]; onClear: () => void }) {
  const [evaluating, setEvaluating] = useState(false);
  if (selected.length === 0) return null;
  const evaluateProblem = selectionProblem(selected, "evaluate");
  const playgroundProblem = selectionProblem(selected, "playground");
  const problem = evaluateProblem ?? (playgroundProblem ? `Playground: ${playgroundProblem}` : null);
  const bases = new Set(selected.map((a) => a.baseModel.name));
  const ids = selected.map((a) => a.id);
  return (
    <section className="card" aria-label="Selected adapters">
      <div className="row">
        <strong data-testid="selection-count">
          {selected.length} selected ({[...bases].join(", ")})
        </strong>
        <button
          type="button"
          disabled={evaluateProblem !== null}
          aria-expanded={evaluating}
          onClick={() => setEvaluating((v) => !v)}
        >
          Evaluate…
        </button>
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
      {evaluating && evaluateProblem === null ? <EvaluatePanel adapterIds={ids} /> : null}
    </section>
  );
}
