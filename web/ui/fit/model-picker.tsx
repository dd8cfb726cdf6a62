import { formatCount } from "../../lib/format";

export type ModelSource = "preset" | "config" | "base";

export interface ModelChoice {
  source: ModelSource;
  preset: string;
  /** A pasted config.json, as typed. */
  configText: string;
  baseModelId: string;
}

export function ModelPicker({
  choice,
  onChange,
  presets,
  baseModels,
}: {
  choice: ModelChoice;
  onChange: (c: ModelChoice) => void;
  presets: { name: string; parameters: number; local: boolean }[];
  /** null: the base models could not be listed (no API key). */
  baseModels: { id: string; name: string }[] | null;
}) {
  const sources: [ModelSource, string][] = [
    ["preset", "A preset"],
    ["config", "A config.json"],
    ["base", "A registered base model"],
  ];
  return (
    <fieldset className="card">
      <legend>
        <strong>Model</strong>
      </legend>
      <div className="row" role="radiogroup" aria-label="Model from">
        {sources.map(([value, label]) => (
          <label key={value} className="check">
            <input
              type="radio"
              name="fit-model-source"
              value={value}
              checked={choice.source === value}
              onChange={() => onChange({ ...choice, source: value })}
            />
            {label}
          </label>
        ))}
      </div>
      {choice.source === "preset" ? (
        <div className="field">
          <label htmlFor="fit-preset">Preset</label>
          <select
            id="fit-preset"
            value={choice.preset}
            onChange={(e) => onChange({ ...choice, preset: e.target.value })}
          >
            {presets.map((p) => (
              <option key={p.name} value={p.name}>
                {p.name} ({formatCount(p.parameters)} params)
              </option>
            ))}
          </select>
        </div>
      ) : null}
      {choice.source === "config" ? (
        <div className="field">
          <label htmlFor="fit-config">
            config.json <span className="hint">(Hugging Face field names, pasted as is)</span>
          </label>
          <textarea
            id="fit-config"
            rows={8}
            value={choice.configText}
            onChange={(e) => onChange({ ...choice, configText: e.target.value })}
          />
        </div>
      ) : null}
      {choice.source === "base" ? (
        <div className="field">
          <label htmlFor="fit-base">Base model</label>
          {baseModels === null ? (
            <p className="muted">Listing base models needs an API key.</p>
          ) : (
            <select
              id="fit-base"
              value={choice.baseModelId}
              onChange={(e) => onChange({ ...choice, baseModelId: e.target.value })}
            >
              <option value="">{baseModels.length === 0 ? "No base model registered" : "Choose…"}</option>
              {baseModels.map((b) => (
                <option key={b.id} value={b.id}>
                  {b.name}
                </option>
              ))}
            </select>
          )}
        </div>
      ) : null}
    </fieldset>
  );
}
