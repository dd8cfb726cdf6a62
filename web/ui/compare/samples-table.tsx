import type { Row } from "./columns";

/** The latest generation of each run for the same prompts, side by side. */
export function SamplesTable({ rows }: { rows: readonly Row[] }) {
  const prompts = Array.from(new Set(rows.flatMap((r) => r.samples.map((s) => s.prompt))));
  return (
    <section aria-labelledby="samples-title">
      <h2 id="samples-title">Samples</h2>
      {prompts.length === 0 ? (
        <div className="empty">
          No sample generations yet (set sample prompts when creating the experiment).
        </div>
      ) : (
        <div className="table-wrap">
          <table aria-label="Samples side by side">
            <thead>
              <tr>
                <th>Prompt</th>
                {rows.map((r) => (
                  <th key={r.runId}>{r.name}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {prompts.map((p) => (
                <tr key={p}>
                  <th scope="row" style={{ whiteSpace: "normal", fontWeight: 400 }}>
                    <code>{p}</code>
                  </th>
                  {rows.map((r) => {
                    const s = r.samples.find((x) => x.prompt === p);
                    return (
                      <td key={r.runId}>
                        {s ? (
                          <>
                            {s.output.trim() === "" ? (
                              <div className="muted">(empty output)</div>
                            ) : (
                              <div style={{ whiteSpace: "pre-wrap" }}>{s.output}</div>
                            )}
                            <div className="muted">step {s.step}</div>
                          </>
                        ) : (
                          <span className="muted">—</span>
                        )}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
