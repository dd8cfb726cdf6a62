"use client";
import { useRouter } from "next/navigation";
import { type FormEvent, useState } from "react";
import { graphql } from "../../lib/gql";
import { useMutation, useQuery } from "../../lib/hooks";
import { ErrorMessage } from "../common/error-message";

const EvaluateDatasets = graphql(`
  query EvaluateDatasets {
    datasets(first: 100) { edges { node { id name evalRowCount } } }
  }
`);

const EvaluateAdapters = graphql(`
  mutation EvaluateAdapters($input: EvaluateAdaptersInput!) {
    evaluateAdapters(input: $input) { id }
  }
`);

/**
 * Adapters of one base model measured on a dataset's eval split (and forgetting on a general set): the
 * server queues one evaluation run per adapter and one of the base alone; the comparison follows them.
 */
export function EvaluatePanel({ adapterIds }: { adapterIds: readonly string[] }) {
  const router = useRouter();
  const datasets = useQuery(EvaluateDatasets, {});
  const { mutate, pending, error } = useMutation(EvaluateAdapters);
  const [datasetId, setDatasetId] = useState("");
  const [generalDatasetId, setGeneralDatasetId] = useState("");
  const [prompts, setPrompts] = useState("");
  const list = datasets.data?.datasets.edges.map((e) => e.node) ?? [];

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    const result = await mutate({
      input: {
        adapterIds: [...adapterIds],
        datasetId,
        generalDatasetId: generalDatasetId || null,
        samplePrompts: prompts.split("\n").filter((p) => p.trim() !== ""),
      },
    });
    if (result) router.push(`/compare?experiment=${result.evaluateAdapters.id}`);
  }

  return (
    <form className="card" onSubmit={onSubmit} aria-labelledby="evaluate-title">
      <h3 id="evaluate-title" style={{ marginTop: 0 }}>
        Evaluate {adapterIds.length === 1 ? "this adapter" : `${adapterIds.length} adapters`}
      </h3>
      <p className="muted">
        Eval loss on a dataset's eval rows, beside the base model alone; forgetting on a general set; the
        prompts' completions. Nothing trains. The comparison opens and fills in as the runs finish.
      </p>
      <div className="grid">
        <div className="field">
          <label htmlFor="evaluate-dataset">Dataset (its eval rows)</label>
          <select
            id="evaluate-dataset"
            required
            value={datasetId}
            aria-invalid={error?.field === "datasetId" || undefined}
            onChange={(e) => setDatasetId(e.target.value)}
          >
            <option value="">{datasets.data && list.length === 0 ? "No dataset uploaded" : "Choose…"}</option>
            {list.map((d) => (
              <option key={d.id} value={d.id} disabled={d.evalRowCount === 0}>
                {d.name} ({d.evalRowCount} eval rows)
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="evaluate-general">
            Forgetting set <span className="hint">(optional; general text)</span>
          </label>
          <select
            id="evaluate-general"
            value={generalDatasetId}
            aria-invalid={error?.field === "generalDatasetId" || undefined}
            onChange={(e) => setGeneralDatasetId(e.target.value)}
          >
            <option value="">None</option>
            {list.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name}
              </option>
            ))}
          </select>
        </div>
      </div>
      <div className="field">
        <label htmlFor="evaluate-prompts">
          Sample prompts <span className="hint">(optional; one per line, completed greedily)</span>
        </label>
        <textarea
          id="evaluate-prompts"
          rows={2}
          value={prompts}
          onChange={(e) => setPrompts(e.target.value)}
        />
      </div>
      <ErrorMessage error={datasets.error} context="Could not list datasets" />
      <ErrorMessage error={error} context="Evaluation refused" />
      <button type="submit" disabled={pending || !datasetId || adapterIds.length === 0}>
        {pending ? "Queuing…" : "Evaluate"}
      </button>
    </form>
  );
}
