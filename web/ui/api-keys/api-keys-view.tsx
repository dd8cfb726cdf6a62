"use client";
import { type FormEvent, useEffect, useState } from "react";
import { fetchLocalKey, getApiKey, keyHint, onApiKeyChange, setApiKey } from "../../lib/api-key";
import { formatDate } from "../../lib/format";
import { graphql } from "../../lib/gql";
import type { ApiKeyScope } from "../../lib/gql/graphql";
import { useMutation, useQuery } from "../../lib/hooks";
import { ErrorMessage } from "../common/error-message";

const ApiKeysQuery = graphql(`
  query ApiKeys {
    apiKeys(first: 100) {
      edges { node { id name scope keyHint createdAt lastUsedAt revokedAt } }
    }
  }
`);

const CreateApiKey = graphql(`
  mutation CreateApiKey($input: CreateApiKeyInput!) {
    createApiKey(input: $input) { key apiKey { id name scope keyHint } }
  }
`);

const RevokeApiKey = graphql(`
  mutation RevokeApiKey($id: ID!) {
    revokeApiKey(id: $id) { id revokedAt }
  }
`);

const EXAMPLE_QUERY = `query {
  experiments(first: 5) {
    edges { node { name statusCounts { succeeded running queued } } }
  }
}`;

function BrowserKey() {
  const [current, setCurrent] = useState<string | null>(null);
  const [pasted, setPasted] = useState("");
  const [localAvailable, setLocalAvailable] = useState(false);
  useEffect(() => {
    setCurrent(getApiKey());
    void fetchLocalKey().then((k) => setLocalAvailable(k !== null));
    return onApiKeyChange(() => setCurrent(getApiKey()));
  }, []);

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    if (!pasted.trim()) return;
    setApiKey(pasted.trim());
    setPasted("");
  }

  return (
    <section className="card" aria-labelledby="browser-key-title">
      <h2 id="browser-key-title" style={{ marginTop: 0 }}>
        This browser's key
      </h2>
      <p>
        {current ? (
          <>
            The dashboard calls the API with <code data-testid="current-key-hint">{keyHint(current)}</code>,
            kept in this browser's local storage.
          </>
        ) : (
          "No key set: the dashboard cannot read or change anything until you paste one."
        )}
      </p>
      <form onSubmit={onSubmit} className="row">
        <div className="field" style={{ flex: "1 1 320px" }}>
          <label htmlFor="paste-key">Paste an API key (tlk_…)</label>
          <input
            id="paste-key"
            type="password"
            autoComplete="off"
            value={pasted}
            onChange={(e) => setPasted(e.target.value)}
          />
        </div>
        <button type="submit" disabled={!pasted.trim()}>
          Use this key
        </button>
        {current ? (
          <button type="button" className="secondary" onClick={() => setApiKey(null)}>
            Forget the key
          </button>
        ) : null}
        {localAvailable ? (
          <button
            type="button"
            className="secondary"
            onClick={() => void fetchLocalKey().then((k) => k && setApiKey(k))}
          >
            Use this server's local admin key
          </button>
        ) : null}
      </form>
    </section>
  );
}

const scopeLabel: Record<ApiKeyScope, string> = {
  READ: "read",
  READ_WRITE: "read and write",
  ADMIN: "admin",
};

export function ApiKeysView() {
  const { data, error, refetch } = useQuery(ApiKeysQuery, {});
  const create = useMutation(CreateApiKey);
  const revoke = useMutation(RevokeApiKey);
  const [name, setName] = useState("");
  const [scope, setScope] = useState<ApiKeyScope>("READ");
  const [created, setCreated] = useState<{ key: string; name: string }>();
  // Known only in the browser: set after hydration so the static HTML and the first render agree.
  const [origin, setOrigin] = useState("");
  useEffect(() => setOrigin(window.location.origin), []);

  async function onCreate(event: FormEvent) {
    event.preventDefault();
    const result = await create.mutate({ input: { name: name.trim(), scope } });
    if (result) {
      setCreated({ key: result.createApiKey.key, name: result.createApiKey.apiKey.name });
      setName("");
      void refetch();
    }
  }

  async function onRevoke(id: string, keyName: string) {
    if (!window.confirm(`Revoke "${keyName}"? Scripts using it stop working at once.`)) return;
    if (await revoke.mutate({ id })) void refetch();
  }

  const keys = data?.apiKeys.edges.map((e) => e.node) ?? [];
  return (
    <>
      <h1>API keys</h1>
      <BrowserKey />
      <h2>Create a key</h2>
      <form className="card" onSubmit={onCreate}>
        <div className="row">
          <div className="field" style={{ flex: "1 1 260px" }}>
            <label htmlFor="key-name">Name</label>
            <input
              id="key-name"
              type="text"
              required
              maxLength={100}
              placeholder="e.g. ci or notebook"
              value={name}
              onChange={(e) => setName(e.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor="key-scope">Scope</label>
            <select id="key-scope" value={scope} onChange={(e) => setScope(e.target.value as ApiKeyScope)}>
              <option value="READ">read</option>
              <option value="READ_WRITE">read and write</option>
              <option value="ADMIN">admin (keys and runners too)</option>
            </select>
          </div>
          <button type="submit" disabled={create.pending || !name.trim()}>
            Create key
          </button>
        </div>
        <ErrorMessage error={create.error} context="Could not create the key" />
        {created ? (
          <div role="status">
            <p>
              The key <strong>{created.name}</strong> (shown only now, copy it):
            </p>
            <p className="secret" data-testid="new-key">
              {created.key}
            </p>
            <div className="row">
              <button
                type="button"
                className="secondary"
                onClick={() => void navigator.clipboard?.writeText(created.key)}
              >
                Copy
              </button>
              <button type="button" className="secondary" onClick={() => setApiKey(created.key)}>
                Use it in this browser
              </button>
            </div>
          </div>
        ) : null}
      </form>
      <h2>Keys</h2>
      <ErrorMessage error={error} context="Could not load keys" />
      <ErrorMessage error={revoke.error} context="Could not revoke" />
      {data && keys.length === 0 ? <div className="empty">No keys.</div> : null}
      {keys.length > 0 ? (
        <div className="table-wrap">
          <table aria-label="API keys">
            <thead>
              <tr>
                <th>Name</th>
                <th>Scope</th>
                <th>Key</th>
                <th>Created</th>
                <th>Last used</th>
                <th>
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {keys.map((k) => (
                <tr key={k.id}>
                  <td>{k.name}</td>
                  <td>{scopeLabel[k.scope]}</td>
                  <td>
                    <code>{k.keyHint}</code>
                  </td>
                  <td>{formatDate(k.createdAt)}</td>
                  <td>{formatDate(k.lastUsedAt)}</td>
                  <td>
                    <button type="button" className="danger" onClick={() => void onRevoke(k.id, k.name)}>
                      Revoke<span className="sr-only"> {k.name}</span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <h2>GraphQL API</h2>
      <p>
        Scripts use the same API as this dashboard. Open the <a href="/graphql">GraphQL IDE</a>, add the
        header <code>{'{"Authorization": "Bearer tlk_…"}'}</code> and try:
      </p>
      <pre className="block" data-testid="example-query">
        {EXAMPLE_QUERY}
      </pre>
      <p className="muted">
        From a shell:{" "}
        <code>{`curl -H "Authorization: Bearer $TUNELAB_KEY" -H "content-type: application/json" -d '{"query":"{ datasets { totalCount } }"}' ${origin}/graphql`}</code>
      </p>
    </>
  );
}
