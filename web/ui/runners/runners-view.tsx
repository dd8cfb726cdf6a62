"use client";
import { type FormEvent, useEffect, useState } from "react";
import { formatAgo, formatBytes, formatDate } from "../../lib/format";
import { graphql } from "../../lib/gql";
import { useMutation, useQuery } from "../../lib/hooks";
import { ErrorMessage } from "../common/error-message";
import { StatusBadge } from "../common/status-badge";
import { skippedNotes } from "./backend-note";

const RunnersQuery = graphql(`
  query Runners {
    runners(first: 100) {
      edges {
        node {
          id name status backend backendSkipped labels maxJobs currentJobs freeMemoryBytes maxDeviceMemoryBytes
          lastHeartbeatAt createdAt
          devices { name memoryBytes }
        }
      }
    }
    registrationTokens(first: 20) {
      edges { node { id description tokenHint singleUse expiresAt usedAt usable createdAt } }
    }
  }
`);

const CreateToken = graphql(`
  mutation CreateRegistrationToken($input: CreateRegistrationTokenInput!) {
    createRegistrationToken(input: $input) { token command registrationToken { id expiresAt singleUse } }
  }
`);

const RevokeRunner = graphql(`
  mutation RevokeRunner($id: ID!) {
    revokeRunner(id: $id) { id revokedAt }
  }
`);

const RevokeToken = graphql(`
  mutation RevokeRegistrationToken($id: ID!) {
    revokeRegistrationToken(id: $id) { id revokedAt }
  }
`);

function TokenForm({ onCreated }: { onCreated: () => void }) {
  const create = useMutation(CreateToken);
  const [description, setDescription] = useState("");
  const [hours, setHours] = useState("24");
  const [singleUse, setSingleUse] = useState(true);
  const [created, setCreated] = useState<{ token: string; command: string; expiresAt: string }>();

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    const result = await create.mutate({
      input: { description, expiresInSeconds: Math.round(Number(hours) * 3600), singleUse },
    });
    if (result) {
      const p = result.createRegistrationToken;
      setCreated({ token: p.token, command: p.command, expiresAt: p.registrationToken.expiresAt });
      onCreated();
    }
  }

  return (
    <form className="card" onSubmit={onSubmit} aria-labelledby="token-title">
      <h2 id="token-title" style={{ marginTop: 0 }}>
        Add a runner
      </h2>
      <p className="muted">
        Create a registration token, then run the command on the GPU (or CPU) host. The runner registers once
        and keeps its own secret.
      </p>
      <div className="row">
        <div className="field" style={{ flex: "1 1 260px" }}>
          <label htmlFor="token-description">Host or pool</label>
          <input
            id="token-description"
            type="text"
            maxLength={200}
            placeholder="e.g. gpu-box-1"
            value={description}
            onChange={(e) => setDescription(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="token-hours">Valid for (hours)</label>
          <input
            id="token-hours"
            type="number"
            min={0.01}
            step="any"
            value={hours}
            onChange={(e) => setHours(e.target.value)}
          />
        </div>
        <label className="check">
          <input type="checkbox" checked={singleUse} onChange={(e) => setSingleUse(e.target.checked)} />{" "}
          Single use
        </label>
        <button type="submit" disabled={create.pending}>
          Create registration token
        </button>
      </div>
      <ErrorMessage error={create.error} context="Could not create a token" />
      {created ? (
        <div role="status">
          <p>
            Run this on the runner host (the token is shown only now; it expires{" "}
            {formatDate(created.expiresAt)}):
          </p>
          <pre className="secret" data-testid="runner-command">
            {created.command}
          </pre>
          <button
            type="button"
            className="secondary"
            onClick={() => void navigator.clipboard?.writeText(created.command)}
          >
            Copy command
          </button>
          <p className="muted">
            Then start it with <code>{created.command.replace(/ register .*$/, " start")}</code> (both from
            the root of a Tunelab checkout); it appears below within a few seconds.
          </p>
        </div>
      ) : null}
    </form>
  );
}

export function RunnersView() {
  const { data, error, refetch } = useQuery(RunnersQuery, {});
  const revokeRunner = useMutation(RevokeRunner);
  const revokeToken = useMutation(RevokeToken);
  const [now, setNow] = useState(() => Date.now());
  // Status comes from heartbeats: poll every 5 s (runners have no subscription for people).
  useEffect(() => {
    const timer = setInterval(() => {
      setNow(Date.now());
      void refetch();
    }, 5000);
    return () => clearInterval(timer);
  }, [refetch]);

  const runners = data?.runners.edges.map((e) => e.node) ?? [];
  const tokens = data?.registrationTokens.edges.map((e) => e.node) ?? [];
  return (
    <>
      <h1>Runners</h1>
      <TokenForm onCreated={() => void refetch()} />
      <h2>Registered runners</h2>
      <ErrorMessage error={error} context="Could not load runners" />
      <ErrorMessage error={revokeRunner.error} context="Could not revoke the runner" />
      {data && runners.length === 0 ? (
        <div className="empty">
          No runners yet: create a registration token above and run the command on a host.
        </div>
      ) : null}
      {runners.length > 0 ? (
        <div className="table-wrap">
          <table aria-label="Runners">
            <thead>
              <tr>
                <th>Name</th>
                <th>Status</th>
                <th>Backend</th>
                <th>Devices</th>
                <th className="num">Free memory</th>
                <th className="num">Jobs</th>
                <th>Labels</th>
                <th>Last heartbeat</th>
                <th>
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {runners.map((r) => (
                <tr key={r.id} data-runner={r.name}>
                  <td>{r.name}</td>
                  <td>
                    <StatusBadge status={r.status} />
                  </td>
                  <td>
                    <code>{r.backend}</code>
                    {skippedNotes(r.backendSkipped).map((note, i) => (
                      // biome-ignore lint/suspicious/noArrayIndexKey: notes are positional
                      <div key={i} className="muted backend-skipped">
                        {note}
                      </div>
                    ))}
                  </td>
                  <td>
                    {r.devices.map((d, i) => (
                      // biome-ignore lint/suspicious/noArrayIndexKey: devices are positional
                      <div key={i}>
                        {d.name} ({formatBytes(d.memoryBytes)})
                      </div>
                    ))}
                  </td>
                  <td className="num">{formatBytes(r.freeMemoryBytes)}</td>
                  <td className="num">
                    {r.currentJobs} / {r.maxJobs}
                  </td>
                  <td>{r.labels.join(", ") || <span className="muted">none</span>}</td>
                  <td title={r.lastHeartbeatAt ?? undefined}>{formatAgo(r.lastHeartbeatAt, now)}</td>
                  <td>
                    <button
                      type="button"
                      className="danger"
                      onClick={() => {
                        if (window.confirm(`Revoke runner "${r.name}"? Its secret stops working at once.`))
                          void revokeRunner.mutate({ id: r.id }).then(() => refetch());
                      }}
                    >
                      Revoke<span className="sr-only"> {r.name}</span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <h2>Registration tokens</h2>
      <ErrorMessage error={revokeToken.error} context="Could not revoke the token" />
      {data && tokens.length === 0 ? <div className="empty">No registration tokens.</div> : null}
      {tokens.length > 0 ? (
        <div className="table-wrap">
          <table aria-label="Registration tokens">
            <thead>
              <tr>
                <th>Token</th>
                <th>For</th>
                <th>Use</th>
                <th>Expires</th>
                <th>Used</th>
                <th>
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {tokens.map((t) => (
                <tr key={t.id}>
                  <td>
                    <code>{t.tokenHint}</code>
                  </td>
                  <td>{t.description || <span className="muted">—</span>}</td>
                  <td>{t.singleUse ? "single" : "many"}</td>
                  <td>{formatDate(t.expiresAt)}</td>
                  <td>{formatDate(t.usedAt)}</td>
                  <td>
                    {t.usable ? (
                      <button
                        type="button"
                        className="danger"
                        onClick={() => void revokeToken.mutate({ id: t.id }).then(() => refetch())}
                      >
                        Revoke<span className="sr-only"> token {t.tokenHint}</span>
                      </button>
                    ) : (
                      <span className="muted">{t.usedAt && t.singleUse ? "used up" : "expired"}</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </>
  );
}
