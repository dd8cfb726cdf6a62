"use client";
import type { ApiError } from "../../lib/client";
import { ErrorMessage } from "../common/error-message";

export interface SweepSettings {
  strategy: "GRID" | "RANDOM";
  count: string;
  seed: string;
}

/** How the lists typed in the form combine, and the runs the server says they yield. */
export function SweepCard({
  settings,
  onChange,
  plan,
  error,
  current,
}: {
  settings: SweepSettings;
  onChange: (s: SweepSettings) => void;
  plan: { combinations: number; runs: { name: string }[] } | undefined;
  error: ApiError | undefined;
  /** The plan shown is for what the form holds now. */
  current: boolean;
}) {
  const random = settings.strategy === "RANDOM";
  return (
    <section className="card" aria-labelledby="sweep-title" style={{ marginTop: 12 }}>
      <h2 id="sweep-title" style={{ marginTop: 0 }}>
        Sweep
      </h2>
      <div className="row">
        <div className="field">
          <label htmlFor="sweep-strategy">Strategy</label>
          <select
            id="sweep-strategy"
            value={settings.strategy}
            onChange={(e) => onChange({ ...settings, strategy: e.target.value as SweepSettings["strategy"] })}
            style={{ width: "auto" }}
          >
            <option value="GRID">Grid: every combination</option>
            <option value="RANDOM">Random: a seeded sample</option>
          </select>
        </div>
        {random ? (
          <>
            <div className="field">
              <label htmlFor="sweep-count">Runs to draw</label>
              <input
                id="sweep-count"
                type="number"
                min={1}
                step={1}
                value={settings.count}
                onChange={(e) => onChange({ ...settings, count: e.target.value })}
              />
            </div>
            <div className="field">
              <label htmlFor="sweep-seed">
                Sample seed <span className="hint">(same seed, same runs)</span>
              </label>
              <input
                id="sweep-seed"
                type="number"
                min={0}
                step={1}
                value={settings.seed}
                onChange={(e) => onChange({ ...settings, seed: e.target.value })}
              />
            </div>
          </>
        ) : null}
      </div>
      <ErrorMessage error={error} context="This sweep cannot be created" />
      {plan && !error ? (
        <div
          data-testid="sweep-preview"
          data-runs={current ? plan.runs.length : undefined}
          aria-live="polite"
        >
          <p style={{ marginBottom: 4 }}>
            <strong>
              {plan.runs.length} run{plan.runs.length === 1 ? "" : "s"}
            </strong>{" "}
            <span className="muted">
              ({plan.combinations} combination{plan.combinations === 1 ? "" : "s"}
              {plan.combinations > plan.runs.length ? (random ? ", sampled" : ", duplicates dropped") : ""})
              {current ? "" : " — updating…"}
            </span>
          </p>
          <p className="muted" style={{ marginTop: 0 }}>
            {plan.runs.map((r) => r.name).join(" · ")}
          </p>
        </div>
      ) : null}
    </section>
  );
}
