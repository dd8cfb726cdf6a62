"use client";
import Link from "next/link";
import { type FormEvent, useState } from "react";
import { graphql } from "../../lib/gql";
import { useMutation } from "../../lib/hooks";
import { ErrorMessage } from "../common/error-message";
import { StatusBadge } from "../common/status-badge";

const MergeAdapter = graphql(`
  mutation MergeAdapter($adapterId: ID!, $name: String!) {
    mergeAdapter(adapterId: $adapterId, name: $name) { id name status mergeRunId }
  }
`);

/**
 * The adapter merged into its base's weights: a new base model, PENDING until its MERGE run has written the
 * Hugging Face folder; the run's page follows it and offers the folder when it is done.
 */
export function MergePanel({ adapterId, defaultName }: { adapterId: string; defaultName: string }) {
  const { mutate, pending, error } = useMutation(MergeAdapter);
  const [name, setName] = useState(defaultName);
  const [merged, setMerged] = useState<{ name: string; status: string; mergeRunId?: string | null }>();

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    const result = await mutate({ adapterId, name: name.trim() });
    if (result) setMerged(result.mergeAdapter);
  }

  if (merged) {
    return (
      <div className="notice" role="status" data-testid="merged">
        <p style={{ margin: 0 }}>
          New base model <strong>{merged.name}</strong> <StatusBadge status={merged.status} />: the adapter is
          being merged into the base weights by a merge run. When it succeeds, the merged Hugging Face folder
          downloads from the run's page, and the model can be the base of a new{" "}
          <Link href="/experiments/new">experiment</Link>.
        </p>
        {merged.mergeRunId ? <Link href={`/run?id=${merged.mergeRunId}`}>Follow the merge run</Link> : null}
      </div>
    );
  }
  return (
    <form className="card" onSubmit={onSubmit} aria-labelledby="merge-title">
      <h3 id="merge-title" style={{ marginTop: 0 }}>
        Merge into the base model
      </h3>
      <p className="muted">
        The adapter's update added into the base weights (PEFT's <code>merge_and_unload</code>): a new base
        model with no adapter to load, written as a Hugging Face folder (config.json, model.safetensors,
        tokenizer) by a merge run on a runner.
      </p>
      <div className="field">
        <label htmlFor="merge-name">Name of the merged model</label>
        <input
          id="merge-name"
          type="text"
          required
          maxLength={200}
          value={name}
          aria-invalid={error?.field === "name" || undefined}
          onChange={(e) => setName(e.target.value)}
        />
      </div>
      <ErrorMessage error={error} context="Merge refused" />
      <button type="submit" disabled={pending || !name.trim()}>
        {pending ? "Queuing…" : "Merge"}
      </button>
    </form>
  );
}
