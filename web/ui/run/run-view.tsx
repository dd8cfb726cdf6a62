"use client";
import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { useEffect, useMemo, useState } from "react";
import { ApiError, downloadWithKey, subscribe } from "../../lib/client";
import {
  formatBytes,
  formatCount,
  formatDate,
  formatDuration,
  formatPercent,
  formatValue,
} from "../../lib/format";
import { graphql } from "../../lib/gql";
import { useMutation, useQuery } from "../../lib/hooks";
import { useLiveMetrics } from "../../lib/live-metrics";
import { MemoryBar, MemoryLegend, memoryTerms } from "../charts/bars";
import { runColor } from "../../lib/palette";
import { LineChart } from "../charts/line-chart";
import { PredictionNote } from "./prediction-note";
import { ErrorMessage } from "../common/error-message";
import { StatusBadge } from "../common/status-badge";

const RunDoc = graphql(`
  query Run($id: ID!) {
    run(id: $id) {
      id
      name
      kind
      method
      methodConfig
      hyperparameters
      status
      statusReason
      error
      cancelReason
      cancelRequestedAt
      queuedAt
      startedAt
      finishedAt
      durationMs
      attemptCount
      maxAttempts
      requiredLabels
      runnerId
      trainableParams
      totalParams
      trainablePercent
      predicted
      predictedTotalBytes
      measuredPeakBytes
      finalTrainLoss
      bestEvalLoss
      tokensPerSecond
      metricKeys
      experiment { id name }
      dataset { id name }
      baseModel { id name }
      statusHistory { at attempt from to reason }
      attempts { attempt jobId runnerId runnerName status createdAt startedAt finishedAt error resumeArtifactId }
      samples { id step prompt output }
      output { id kind sizeBytes files { name sizeBytes sha256 downloadUrl } }
      adapter { id downloadUrl }
      artifacts { id kind step sizeBytes createdAt }
    }
  }
`);

const RunUpdatedForRun = graphql(`
  subscription RunUpdatedForRun($experimentId: ID!) {
    runUpdated(experimentId: $experimentId) { id status }
  }
`);

const CancelRun = graphql(`
  mutation CancelRun($id: ID!, $reason: String!) {
    cancelRun(id: $id, reason: $reason) { id status cancelRequestedAt }
  }
`);

const RetryRun = graphql(`
  mutation RetryRun($id: ID!) {
    retryRun(id: $id) { id status }
  }
`);

const LIVE = new Set(["QUEUED", "ASSIGNED", "RUNNING"]);

export function RunView() {
  const id = useSearchParams().get("id");
  if (!id) {
    return (
      <div className="empty">
        No run chosen: open one from an <Link href="/">experiment</Link>.
      </div>
    );
  }
  return <RunDetails id={id} />;
}

function RunDetails({ id }: { id: string }) {
  const { data, error, refetch } = useQuery(RunDoc, { id });
  const cancel = useMutation(CancelRun);
  const retry = useMutation(RetryRun);
  const [downloadError, setDownloadError] = useState<ApiError>();
  const run = data?.run;
  const live = run ? LIVE.has(run.status) : false;
  const experimentId = run?.experiment?.id;

  useEffect(() => {
    if (!experimentId) return;
    return subscribe(RunUpdatedForRun, { experimentId }, (d) => {
      if (d.runUpdated.id === id) void refetch();
    });
  }, [experimentId, id, refetch]);
  // PRETRAIN runs have no experiment to subscribe to: poll while they are live.
  useEffect(() => {
    if (experimentId || !live) return;
    const timer = setInterval(() => void refetch(), 3000);
    return () => clearInterval(timer);
  }, [experimentId, live, refetch]);

  const metrics = useLiveMetrics(run ? [run.id] : [], null, live ? [id] : [], 1000);
  const keys = useMemo(() => {
    const all = new Set([...(run?.metricKeys ?? []), ...Object.keys(metrics.series[id] ?? {})]);
    return Array.from(all).sort();
  }, [run?.metricKeys, metrics.series, id]);

  if (error) return <ErrorMessage error={error} context="Could not load the run" />;
  if (!run) return <p aria-live="polite">Loading…</p>;

  const memory = (run.predicted as { memory?: Record<string, unknown> }).memory;
  const failures = [
    ...run.attempts
      .filter((a) => a.error)
      .map((a) => ({ label: `Attempt ${a.attempt} (${a.status})`, text: a.error! })),
    ...(run.error && !run.attempts.some((a) => a.error === run.error)
      ? [{ label: "Run", text: run.error }]
      : []),
  ];

  async function onDownload(name: string, url: string) {
    setDownloadError(undefined);
    try {
      await downloadWithKey(url, name);
    } catch (e) {
      setDownloadError(e instanceof ApiError ? e : new ApiError([{ message: String(e) }]));
    }
  }

  return (
    <>
      <p className="muted">
        {run.experiment ? (
          <>
            <Link href={`/compare?experiment=${run.experiment.id}`}>{run.experiment.name}</Link> ›{" "}
          </>
        ) : (
          <>
            <Link href="/experiments">Experiments</Link> › pretraining {run.baseModel.name} ›{" "}
          </>
        )}
        run
      </p>
      <div className="spread">
        <h1>
          {run.name} <StatusBadge status={run.status} />
        </h1>
        <div className="row">
          {live ? (
            <button
              type="button"
              className="danger"
              disabled={cancel.pending || run.cancelRequestedAt != null}
              onClick={() =>
                void cancel.mutate({ id, reason: "cancelled from the dashboard" }).then(() => refetch())
              }
            >
              {run.cancelRequestedAt ? "Cancel requested" : "Cancel run"}
            </button>
          ) : null}
          {run.status === "FAILED" || run.status === "CANCELLED" ? (
            <button
              type="button"
              disabled={retry.pending}
              onClick={() => void retry.mutate({ id }).then(() => refetch())}
            >
              Retry run
            </button>
          ) : null}
        </div>
      </div>
      <ErrorMessage error={cancel.error} context="Could not cancel" />
      <ErrorMessage error={retry.error} context="Could not retry" />
      {run.statusReason ? <p className="notice">{run.statusReason}</p> : null}
      {failures.length > 0 ? (
        <section aria-labelledby="failures-title">
          <h2 id="failures-title">Failure logs</h2>
          {failures.map((f) => (
            <div className="error" key={f.label}>
              <strong>{f.label}</strong>
              <pre>{f.text}</pre>
            </div>
          ))}
        </section>
      ) : null}

      <div className="two-col">
        <section className="card" aria-labelledby="summary-title">
          <h2 id="summary-title" style={{ marginTop: 0 }}>
            Summary
          </h2>
          <dl className="props">
            <dt>Method</dt>
            <dd>{run.method}</dd>
            <dt>Dataset</dt>
            <dd>
              {run.dataset ? (
                <Link href={`/datasets?id=${run.dataset.id}`}>{run.dataset.name}</Link>
              ) : (
                "random tokens (cost profile)"
              )}
            </dd>
            <dt>Base model</dt>
            <dd>{run.baseModel.name}</dd>
            <dt>Trainable</dt>
            <dd>
              {formatCount(run.trainableParams)} of {formatCount(run.totalParams)} (
              {formatPercent(run.trainablePercent)})
            </dd>
            <dt>Memory</dt>
            <dd>
              predicted {formatBytes(run.predictedTotalBytes)}, measured peak{" "}
              {formatBytes(run.measuredPeakBytes)}
              <MemoryBar
                terms={memoryTerms(memory)}
                measured={run.measuredPeakBytes}
                max={Math.max(run.predictedTotalBytes, run.measuredPeakBytes ?? 0)}
              />
              <MemoryLegend />
              <PredictionNote predicted={run.predictedTotalBytes} measured={run.measuredPeakBytes} />
            </dd>
            <dt>Final train loss</dt>
            <dd>{formatValue(run.finalTrainLoss)}</dd>
            <dt>Best eval loss</dt>
            <dd>{formatValue(run.bestEvalLoss)}</dd>
            <dt>Tokens/s</dt>
            <dd>{formatValue(run.tokensPerSecond)}</dd>
            <dt>Wall time</dt>
            <dd>{formatDuration(run.durationMs)}</dd>
            <dt>Queued</dt>
            <dd>{formatDate(run.queuedAt)}</dd>
            <dt>Started</dt>
            <dd>{formatDate(run.startedAt)}</dd>
            <dt>Finished</dt>
            <dd>{formatDate(run.finishedAt)}</dd>
            <dt>Attempts</dt>
            <dd>
              {run.attemptCount} of at most {run.maxAttempts}
            </dd>
            <dt>Required labels</dt>
            <dd>{run.requiredLabels.join(", ") || "none"}</dd>
            {run.cancelReason ? (
              <>
                <dt>Cancel reason</dt>
                <dd>{run.cancelReason}</dd>
              </>
            ) : null}
          </dl>
        </section>
        <section className="card" aria-labelledby="config-title">
          <h2 id="config-title" style={{ marginTop: 0 }}>
            Config
          </h2>
          <h3>Method</h3>
          <pre className="block">{JSON.stringify(run.methodConfig, null, 2)}</pre>
          <h3>Hyperparameters</h3>
          <pre className="block">{JSON.stringify(run.hyperparameters, null, 2)}</pre>
        </section>
      </div>

      <h2>Metrics</h2>
      <ErrorMessage error={metrics.error} context="Could not load metrics" />
      {keys.length === 0 ? <div className="empty">No metrics yet.</div> : null}
      <div className="two-col">
        {keys.map((key) => {
          const series = metrics.series[id]?.[key];
          return (
            <LineChart
              key={key}
              title={key}
              lines={
                series
                  ? [{ label: run.name, color: runColor(0), series, startedAt: run.startedAt ?? null }]
                  : []
              }
              xMode="step"
              smoothing={0}
              logY={false}
              height={220}
            />
          );
        })}
      </div>

      <h2>Status history</h2>
      <div className="table-wrap">
        <table aria-label="Status history">
          <thead>
            <tr>
              <th>At</th>
              <th>Attempt</th>
              <th>From</th>
              <th>To</th>
              <th>Reason</th>
            </tr>
          </thead>
          <tbody>
            {run.statusHistory.map((h, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: history is append-only
              <tr key={i}>
                <td>{formatDate(h.at)}</td>
                <td>{h.attempt}</td>
                <td>{h.from ? <StatusBadge status={h.from} /> : "—"}</td>
                <td>
                  <StatusBadge status={h.to} />
                </td>
                <td>{h.reason ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <h2>Attempts</h2>
      {run.attempts.length === 0 ? (
        <div className="empty">Not picked up by a runner yet.</div>
      ) : (
        <div className="table-wrap">
          <table aria-label="Attempts">
            <thead>
              <tr>
                <th>#</th>
                <th>Runner</th>
                <th>Status</th>
                <th>Started</th>
                <th>Finished</th>
                <th>Resumed from</th>
              </tr>
            </thead>
            <tbody>
              {run.attempts.map((a) => (
                <tr key={a.jobId}>
                  <td>{a.attempt}</td>
                  <td>
                    <Link href="/runners">{a.runnerName ?? a.runnerId}</Link>
                  </td>
                  <td>
                    <StatusBadge status={a.status} />
                  </td>
                  <td>{formatDate(a.startedAt)}</td>
                  <td>{formatDate(a.finishedAt)}</td>
                  <td>{a.resumeArtifactId ? <code>{a.resumeArtifactId.slice(0, 8)}</code> : "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h2>Samples</h2>
      {run.samples.length === 0 ? (
        <div className="empty">No samples.</div>
      ) : (
        <div className="table-wrap">
          <table aria-label="Samples">
            <thead>
              <tr>
                <th className="num">Step</th>
                <th>Prompt</th>
                <th>Output</th>
              </tr>
            </thead>
            <tbody>
              {run.samples.map((s) => (
                <tr key={s.id}>
                  <td className="num">{s.step}</td>
                  <td>
                    <code>{s.prompt}</code>
                  </td>
                  <td style={{ whiteSpace: "pre-wrap" }}>{s.output}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h2>{run.output?.kind === "MODEL" ? "Trained model" : "Adapter"}</h2>
      <ErrorMessage error={downloadError} context="Download failed" />
      {run.output ? (
        <ul>
          {run.output.files.map((f) => (
            <li key={f.name}>
              <button
                type="button"
                className="secondary"
                onClick={() => void onDownload(f.name, f.downloadUrl)}
              >
                Download {f.name}
              </button>{" "}
              <span className="muted">
                {formatBytes(f.sizeBytes)}, sha256 <code>{f.sha256.slice(0, 12)}…</code>
              </span>
            </li>
          ))}
          {run.adapter ? (
            <li>
              <Link href={`/adapter?id=${run.adapter.id}`}>Open the adapter page</Link>{" "}
              <span className="muted">(config, provenance, evaluate, merge)</span>
            </li>
          ) : null}
          {run.adapter ? (
            <li>
              <button
                type="button"
                className="secondary"
                onClick={() => void onDownload(`adapter-${run.adapter!.id}.zip`, run.adapter!.downloadUrl)}
              >
                Download the folder as a zip
              </button>
            </li>
          ) : null}
        </ul>
      ) : (
        <div className="empty">No adapter yet: it is uploaded when the run succeeds.</div>
      )}
    </>
  );
}
