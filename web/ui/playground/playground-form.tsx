"use client";
import { type FormEvent, useState } from "react";
import { graphql } from "../../lib/gql";
import { useMutation, useQuery } from "../../lib/hooks";
import { adapterTitle, methodLabel } from "../adapters/adapter-label";
import { ErrorMessage } from "../common/error-message";
import { DEFAULT_SAMPLING, MAX_ADAPTERS, type Sampling, toggleAdapter } from "./sampling";

const BaseModelsDoc = graphql(`
  query PlaygroundBaseModels {
    baseModels(first: 100) { edges { node { id name status } } }
  }
`);

const AdaptersDoc = graphql(`
  query PlaygroundAdapters($baseModelId: ID!) {
    adapters(filter: { baseModelId: $baseModelId }, first: 100) {
      edges { node { id method methodConfig note run { name } } }
    }
  }
`);

const StartDoc = graphql(`
  mutation StartPlayground($input: StartPlaygroundInput!) {
    startPlayground(input: $input) { id }
  }
`);

const SAMPLING_FIELDS: { key: keyof Sampling; label: string; hint: string; step: string }[] = [
  { key: "temperature", label: "Temperature", hint: "0 is greedy; up to 5", step: "0.1" },
  { key: "topK", label: "Top-k", hint: "0: all tokens", step: "1" },
  { key: "maxTokens", label: "Max tokens", hint: "1 to 512", step: "1" },
  { key: "seed", label: "Seed", hint: "the same seed, the same tokens", step: "1" },
];

export function PlaygroundForm({
  baseModelId,
  adapterIds,
  onChange,
  onStarted,
}: {
  baseModelId: string;
  adapterIds: string[];
  onChange: (patch: Record<string, string | null>) => void;
  onStarted: (sessionId: string) => void;
}) {
  const bases = useQuery(BaseModelsDoc, {});
  const adapters = useQuery(AdaptersDoc, baseModelId ? { baseModelId } : null);
  const start = useMutation(StartDoc);
  const [prompt, setPrompt] = useState("");
  const [includeBase, setIncludeBase] = useState(true);
  const [sampling, setSampling] = useState<Sampling>(DEFAULT_SAMPLING);
  const choices = adapters.data?.adapters.edges.map((e) => e.node) ?? [];
  const invalid = (field: string) => (start.error?.field === field ? true : undefined);

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    const r = await start.mutate({ input: { baseModelId, adapterIds, includeBase, prompt, sampling } });
    if (r) onStarted(r.startPlayground.id);
  }

  return (
    <form className="card playground-form" onSubmit={(e) => void onSubmit(e)} aria-label="Playground">
      <div className="field">
        <label htmlFor="pg-base">Base model</label>
        <select
          id="pg-base"
          value={baseModelId}
          aria-invalid={invalid("baseModelId")}
          onChange={(e) => onChange({ baseModel: e.target.value || null, adapters: null })}
        >
          <option value="">Choose a base model…</option>
          {bases.data?.baseModels.edges.map(({ node }) => (
            <option key={node.id} value={node.id} disabled={node.status !== "READY"}>
              {node.name}
              {node.status !== "READY" ? ` (${node.status.toLowerCase()})` : ""}
            </option>
          ))}
        </select>
      </div>
      {baseModelId ? (
        <fieldset className="field" aria-invalid={invalid("adapterIds")}>
          <legend>
            Adapters <span className="hint">up to {MAX_ADAPTERS}, side by side in this order</span>
          </legend>
          {adapters.loading && !adapters.data ? <p className="muted">Loading…</p> : null}
          {adapters.data && choices.length === 0 ? (
            <p className="muted">This base model has no adapters yet: the base alone can still answer.</p>
          ) : null}
          {choices.map((a) => {
            const checked = adapterIds.includes(a.id);
            return (
              <label key={a.id} className="check">
                <input
                  type="checkbox"
                  checked={checked}
                  disabled={!checked && adapterIds.length >= MAX_ADAPTERS}
                  onChange={() => onChange({ adapters: toggleAdapter(adapterIds, a.id).join(",") || null })}
                />
                {adapterTitle(a)} <span className="muted">{methodLabel(a)}</span>
              </label>
            );
          })}
          <label className="check">
            <input type="checkbox" checked={includeBase} onChange={(e) => setIncludeBase(e.target.checked)} />
            The base model alone too
          </label>
        </fieldset>
      ) : null}
      <div className="field">
        <label htmlFor="pg-prompt">Prompt</label>
        <textarea
          id="pg-prompt"
          rows={3}
          value={prompt}
          aria-invalid={invalid("prompt")}
          onChange={(e) => setPrompt(e.target.value)}
        />
      </div>
      <div className="row playground-sampling">
        {SAMPLING_FIELDS.map((f) => (
          <div className="field" key={f.key}>
            <label htmlFor={`pg-${f.key}`}>
              {f.label} <span className="hint">{f.hint}</span>
            </label>
            <input
              id={`pg-${f.key}`}
              type="number"
              step={f.step}
              value={sampling[f.key]}
              aria-invalid={invalid(`sampling.${f.key}`)}
              onChange={(e) => setSampling({ ...sampling, [f.key]: Number(e.target.value) })}
            />
          </div>
        ))}
      </div>
      <ErrorMessage error={start.error} context="Could not start" />
      <button type="submit" disabled={!baseModelId || start.pending}>
        {start.pending ? "Starting…" : "Generate"}
      </button>
    </form>
  );
}
