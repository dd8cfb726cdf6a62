"use client";
import { useEffect, useState } from "react";
import { type ApiError, subscribe } from "../../lib/client";
import { graphql } from "../../lib/gql";
import type { PlaygroundSessionQuery } from "../../lib/gql/graphql";
import { useQuery } from "../../lib/hooks";
import { adapterTitle, methodLabel } from "../adapters/adapter-label";
import { ErrorMessage } from "../common/error-message";
import { StatusBadge } from "../common/status-badge";
import { samplingSummary } from "./sampling";

const SessionDoc = graphql(`
  query PlaygroundSession($id: ID!) {
    playgroundSession(id: $id) {
      id prompt status statusReason createdAt
      sampling { temperature topK maxTokens seed }
      baseModel { id name }
      outputs { position text tokenCount done error adapter { id method methodConfig note run { name } } }
    }
  }
`);

const UpdatedDoc = graphql(`
  subscription PlaygroundUpdated($id: ID!) {
    playgroundUpdated(id: $id) {
      id prompt status statusReason createdAt
      sampling { temperature topK maxTokens seed }
      baseModel { id name }
      outputs { position text tokenCount done error adapter { id method methodConfig note run { name } } }
    }
  }
`);

type Session = PlaygroundSessionQuery["playgroundSession"];

/** A session's settings above its columns, the columns filling in as the subscription delivers tokens. */
export function SessionOutputs({ id }: { id: string }) {
  const { data, error } = useQuery(SessionDoc, { id });
  const [live, setLive] = useState<Session>();
  const [liveError, setLiveError] = useState<ApiError>();
  useEffect(
    () =>
      subscribe(
        UpdatedDoc,
        { id },
        (d) => setLive(d.playgroundUpdated),
        (e) => setLiveError(e),
      ),
    [id],
  );
  if (error) return <ErrorMessage error={error} context="Could not load the session" />;
  const s = live ?? data?.playgroundSession;
  if (!s) return <p aria-live="polite">Loading…</p>;
  return (
    <section aria-labelledby="pg-session" className="playground-session" data-testid="playground-session">
      <h2 id="pg-session">
        {s.baseModel.name} <StatusBadge status={s.status} />
      </h2>
      <p className="muted" data-testid="playground-settings">
        {samplingSummary(s.sampling)}
      </p>
      {s.statusReason && s.status !== "SUCCEEDED" ? <p className="notice">{s.statusReason}</p> : null}
      <pre className="playground-prompt">{s.prompt}</pre>
      <ErrorMessage error={liveError} context="Live updates stopped" />
      <div className="playground-columns">
        {s.outputs.map((o) => (
          <article key={o.position} className="card" data-testid="playground-output" aria-busy={!o.done}>
            <h3>
              {o.adapter ? adapterTitle(o.adapter) : "Base model alone"}{" "}
              {o.adapter ? <span className="muted">{methodLabel(o.adapter)}</span> : null}
            </h3>
            <p className="playground-text">{o.text || (o.done ? "" : "…")}</p>
            <p className="muted">
              {o.tokenCount} token{o.tokenCount === 1 ? "" : "s"}
              {o.done ? (o.error ? "" : " · done") : " · generating"}
            </p>
            {o.error ? <p className="error">{o.error}</p> : null}
          </article>
        ))}
      </div>
    </section>
  );
}
