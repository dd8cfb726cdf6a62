"use client";
import { graphql } from "../../lib/gql";
import { useQuery } from "../../lib/hooks";

const FilterChoices = graphql(`
  query AdapterFilterChoices {
    baseModels(first: 100) { edges { node { id name } } }
    experiments(first: 100) { edges { node { id name } } }
    methods { method name }
  }
`);

export interface AdapterFilterValue {
  baseModel: string;
  method: string;
  experiment: string;
}

/** Base model, method and experiment pickers; "" is "any". The values live in the URL (the view's state). */
export function AdapterFilters({
  value,
  onChange,
}: {
  value: AdapterFilterValue;
  onChange: (patch: Partial<AdapterFilterValue>) => void;
}) {
  const { data } = useQuery(FilterChoices, {});
  const baseModels = data?.baseModels.edges.map((e) => e.node) ?? [];
  const experiments = data?.experiments.edges.map((e) => e.node) ?? [];
  // FULL fine-tuning leaves a model, never an adapter.
  const methods = data?.methods.filter((m) => m.method !== "full") ?? [];
  return (
    <fieldset className="row filters" aria-label="Filter adapters">
      <div className="field">
        <label htmlFor="filter-base">Base model</label>
        <select
          id="filter-base"
          value={value.baseModel}
          onChange={(e) => onChange({ baseModel: e.target.value })}
        >
          <option value="">Any</option>
          {baseModels.map((b) => (
            <option key={b.id} value={b.id}>
              {b.name}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="filter-method">Method</label>
        <select
          id="filter-method"
          value={value.method}
          onChange={(e) => onChange({ method: e.target.value })}
        >
          <option value="">Any</option>
          {methods.map((m) => (
            <option key={m.method} value={m.method}>
              {m.name}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="filter-experiment">Experiment</label>
        <select
          id="filter-experiment"
          value={value.experiment}
          onChange={(e) => onChange({ experiment: e.target.value })}
        >
          <option value="">Any (imported ones too)</option>
          {experiments.map((x) => (
            <option key={x.id} value={x.id}>
              {x.name}
            </option>
          ))}
        </select>
      </div>
    </fieldset>
  );
}
