"use client";
import { useUrlState } from "../../lib/url-state";
import { PlaygroundForm } from "./playground-form";
import { parseAdapterIds } from "./sampling";
import { SessionOutputs } from "./session-outputs";

/**
 * The playground: a prompt for a base model and up to 6 of its adapters (and the base alone), completed
 * side by side as the tokens arrive. The URL holds baseModel, adapters (ids, comma-separated) and session.
 */
export function PlaygroundView() {
  const [params, setParams] = useUrlState();
  const session = params.get("session");
  return (
    <>
      <h1>Playground</h1>
      <p className="muted">
        One prompt, completed by a base model with each adapter you pick (and alone), side by side. It runs as
        a short job on a runner, after the job that runner is busy with.
      </p>
      <PlaygroundForm
        baseModelId={params.get("baseModel") ?? ""}
        adapterIds={parseAdapterIds(params.get("adapters"))}
        onChange={(patch) => setParams(patch)}
        onStarted={(id) => setParams({ session: id })}
      />
      {session ? <SessionOutputs key={session} id={session} /> : null}
    </>
  );
}
