"use client";
import Link from "next/link";
import { useEffect, useMemo, useRef, useState } from "react";
import { ApiError, downloadWithKey, subscribe } from "../../lib/client";
import { graphql } from "../../lib/gql";
import { liveSummary } from "../../lib/format";
import { useQuery } from "../../lib/hooks";
import { useLiveMetrics } from "../../lib/live-metrics";
import { methodColor } from "../../lib/palette";
import type { XMode } from "../../lib/series";
import { useUrlState } from "../../lib/url-state";
import { MemoryLegend } from "../charts/bars";
import { type ChartLine, LineChart } from "../charts/line-chart";
import { ErrorMessage } from "../common/error-message";
import { CostProfilePanel } from "./cost-profile-panel";
import { ParetoPanel, paretoReportQuery } from "./pareto-panel";
import { adapterColumn, adaptersByRun, ExperimentAdapters } from "./adapter-column";
import { type Column, COLUMNS, type Row, rawValue, type Scales, sortRows } from "./columns";
import { SamplesTable } from "./samples-table";
import { sweepColumns } from "./sweep-columns";
import { facetsBy, groupByMethod, methodDashes, sweptFields } from "./sweep-groups";

const CompareDoc = graphql(`
  query Compare($experimentId: ID, $runIds: [ID!]) {
    compare(experimentId: $experimentId, runIds: $runIds) {
      runId
      experimentId
      name
      kind
      inputAdapterId
      method
      methodConfig
      sweepValues
      status
      steps
      trainableParams
      totalParams
      trainablePercent
      predictedMemory
      predictedTotalBytes
      measuredPeakBytes
      peakOverPredicted
      finalTrainLoss
      bestTrainLoss
      finalEvalLoss
      bestEvalLoss
      tokensPerSecond
      startedAt
      durationMs
      forgettingDelta
      samples { prompt output step }
    }
  }
`);

const ExperimentName = graphql(`
  query ExperimentName($id: ID!) {
    experiment(id: $id) {
      id name description hyperparameters dataset { name } baseModel { name } runs { id } sweep { fields }
    }
  }
`);

const RunUpdated = graphql(`
  subscription RunUpdated($experimentId: ID!) {
    runUpdated(experimentId: $experimentId) { id status }
  }
`);

const ExperimentPicker = graphql(`
  query ExperimentPicker {
    experiments(first: 50) { edges { node { id name statusCounts { total succeeded } } } }
  }
`);

/**
 * Points per series asked of the server: min/max buckets, up to two per pixel of a half-width chart, and
 * about 16k per chart in all: past that the canvas's rasterisation is most of the render (bench/ui, a 36-run
 * sweep), and overlaid lines show no more detail.
 */
function chartMaxPoints(runs: number): number {
  return Math.max(200, Math.min(1000, Math.floor(16_000 / Math.max(1, runs))));
}
const LIVE = new Set(["QUEUED", "ASSIGNED", "RUNNING"]);
const CHARTS = [
  { key: "train_loss", title: "Train loss" },
  { key: "eval_loss", title: "Eval loss" },
];

function Picker() {
  const { data, error } = useQuery(ExperimentPicker, {});
  const experiments = data?.experiments.edges.map((e) => e.node) ?? [];
  return (
    <>
      <h1>Compare</h1>
      <ErrorMessage error={error} />
      {data && experiments.length === 0 ? (
        <div className="empty">
          Nothing to compare yet: <Link href="/experiments/new">create an experiment</Link>.
        </div>
      ) : (
        <ul>
          {experiments.map((e) => (
            <li key={e.id}>
              <Link href={`/compare?experiment=${e.id}`}>{e.name}</Link>{" "}
              <span className="muted">
                ({e.statusCounts.succeeded} of {e.statusCounts.total} runs finished)
              </span>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

export function CompareView() {
  const [params, setParams] = useUrlState();
  const experimentId = params.get("experiment");
  const runsParam = params.get("runs");
  const pinnedRunIds = runsParam ? runsParam.split(",").filter(Boolean) : null;
  if (!experimentId && !pinnedRunIds) return <Picker />;
  return (
    <Comparison
      experimentId={experimentId}
      pinnedRunIds={pinnedRunIds}
      params={params}
      setParams={setParams}
    />
  );
}

function Comparison({
  experimentId,
  pinnedRunIds,
  params,
  setParams,
}: {
  experimentId: string | null;
  pinnedRunIds: string[] | null;
  params: URLSearchParams;
  setParams: (patch: Record<string, string | null>) => void;
}) {
  const xMode: XMode = params.get("x") === "time" ? "time" : "step";
  const smoothing = Math.min(0.99, Math.max(0, Number(params.get("smooth") ?? "0") || 0));
  const logY = params.get("logy") === "1";
  const sortKey = params.get("sort");
  const sortDir = params.get("dir") === "asc" ? "asc" : "desc";
  const hidden = new Set((params.get("hide") ?? "").split(",").filter(Boolean));

  const compare = useQuery(
    CompareDoc,
    experimentId ? { experimentId, runIds: null } : { experimentId: null, runIds: pinnedRunIds },
  );
  const experiment = useQuery(ExperimentName, experimentId ? { id: experimentId } : null);
  // A run's adapter is stored when it succeeds: re-read with the comparison.
  const experimentAdapters = useQuery(ExperimentAdapters, experimentId ? { experimentId } : null);
  const rows = compare.data?.compare ?? [];
  const [liveError, setLiveError] = useState<ApiError>();

  // Live: any change of a run (status, result) re-reads the comparison, at most once a second.
  const refetchTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const experimentIds = useMemo(() => {
    const ids = new Set<string>();
    if (experimentId) ids.add(experimentId);
    for (const r of rows) if (r.experimentId) ids.add(r.experimentId);
    return Array.from(ids).sort().join(",");
  }, [experimentId, rows]);
  const { refetch: refetchCompare } = compare;
  const { refetch: refetchAdapters } = experimentAdapters;
  useEffect(() => {
    if (!experimentIds) return;
    const unsubscribers = experimentIds.split(",").map((id) =>
      subscribe(
        RunUpdated,
        { experimentId: id },
        () => {
          refetchTimer.current ??= setTimeout(() => {
            refetchTimer.current = undefined;
            void refetchCompare();
            void refetchAdapters();
          }, 1000);
        },
        setLiveError,
      ),
    );
    return () => {
      for (const u of unsubscribers) u();
    };
  }, [experimentIds, refetchCompare, refetchAdapters]);

  // The experiment's run ids arrive before the (heavier) comparison: metrics are asked for in parallel.
  const runIds = compare.data
    ? rows.map((r) => r.runId)
    : (experiment.data?.experiment.runs.map((r) => r.id) ?? []);
  const liveRunIds = rows.filter((r) => LIVE.has(r.status)).map((r) => r.runId);
  const metrics = useLiveMetrics(
    runIds,
    CHARTS.map((c) => c.key),
    liveRunIds,
    chartMaxPoints(runIds.length),
  );

  // A sweep's runs are told apart by method (colour, groups) and by their swept fields (columns, facets).
  const colors = new Map(rows.map((r) => [r.runId, methodColor(r.method)]));
  const storedFields = experiment.data?.experiment.sweep?.fields;
  const fields = useMemo(() => storedFields ?? sweptFields(rows), [storedFields, rows]);
  const adapterEdges = experimentAdapters.data?.adapters.edges;
  const evaluates = rows.some((r) => r.inputAdapterId);
  const columns: Column[] = useMemo(
    () => [
      ...COLUMNS.slice(0, 2),
      ...sweepColumns(fields),
      ...COLUMNS.slice(2, 3),
      // Beside the key config, where a table scrolled for its metrics still shows it.
      ...(adapterEdges?.length || evaluates ? [adapterColumn(adaptersByRun(adapterEdges ?? []))] : []),
      ...COLUMNS.slice(3),
    ],
    [fields, adapterEdges, evaluates],
  );
  const facetParam = params.get("facet");
  const facetField = facetParam && fields.includes(facetParam) ? facetParam : null;
  const visible = rows.filter((r) => !hidden.has(r.runId));
  // Grouped by method until a column is sorted: then the sort's order is the whole table's.
  const sorted = sortRows(visible, sortKey, sortDir, columns);
  const groups = sortKey ? [{ method: null, rows: sorted }] : groupByMethod(sorted);
  const scales = {
    minParams: Math.min(...rows.map((r) => r.trainableParams).filter((v) => v > 0), Number.POSITIVE_INFINITY),
    maxParams: Math.max(...rows.map((r) => r.totalParams), 1),
    maxBytes: Math.max(...rows.flatMap((r) => [r.predictedTotalBytes, r.measuredPeakBytes ?? 0]), 1),
  };

  const hideParam = params.get("hide") ?? "";
  const linesByChart = useMemo(() => {
    const hide = new Set(hideParam.split(","));
    const panels = facetField ? facetsBy(rows, facetField) : [{ label: "", key: "", rows }];
    const dashes = methodDashes(rows);
    return panels.map((panel) => {
      const lines: Record<string, ChartLine[]> = {};
      for (const c of CHARTS) {
        lines[c.key] = panel.rows
          .map((r) => ({
            label: r.name,
            color: methodColor(r.method),
            ...(dashes.get(r.runId) ? { dash: dashes.get(r.runId) } : {}),
            startedAt: r.startedAt ?? null,
            series: hide.has(r.runId) ? undefined : metrics.series[r.runId]?.[c.key],
          }))
          .filter((l): l is ChartLine => l.series !== undefined);
      }
      return { label: panel.label, key: panel.key, lines };
    });
  }, [rows, hideParam, metrics.series, facetField]);

  function toggleSort(key: string) {
    if (sortKey === key) setParams({ dir: sortDir === "asc" ? "desc" : "asc" });
    else setParams({ sort: key, dir: "asc" });
  }

  function toggleHidden(runId: string) {
    const next = new Set(hidden);
    if (next.has(runId)) next.delete(runId);
    else next.add(runId);
    setParams({ hide: Array.from(next).join(",") || null });
  }

  async function exportCsv() {
    const query = experimentId ? `experimentId=${experimentId}` : `runIds=${runIds.join(",")}`;
    try {
      await downloadWithKey(`/export/compare.csv?${query}`, `compare-${experimentId ?? "runs"}.csv`);
    } catch (e) {
      setLiveError(e instanceof ApiError ? e : new ApiError([{ message: String(e) }]));
    }
  }

  async function downloadReport() {
    const query = experimentId ? `experimentId=${experimentId}` : `runIds=${runIds.join(",")}`;
    try {
      await downloadWithKey(
        `/export/compare.html?${query}&${paretoReportQuery(params)}`,
        `compare-${experimentId ?? "runs"}.html`,
      );
    } catch (e) {
      setLiveError(e instanceof ApiError ? e : new ApiError([{ message: String(e) }]));
    }
  }

  const exp = experiment.data?.experiment;
  const ready = compare.data !== undefined && metrics.loaded;
  return (
    <>
      <div className="spread">
        <div>
          <h1>{exp ? exp.name : "Comparison"}</h1>
          {exp ? (
            <p className="muted" style={{ marginTop: -8 }}>
              {exp.dataset?.name ?? "random tokens"} on {exp.baseModel.name}
              {exp.description ? ` — ${exp.description}` : ""}
            </p>
          ) : null}
        </div>
        <div className="row">
          <span aria-live="polite" className="muted">
            {liveSummary(rows.map((r) => r.status))}
          </span>
          <button type="button" className="secondary" onClick={() => void exportCsv()}>
            Export CSV
          </button>
          <button type="button" className="secondary" onClick={() => void downloadReport()}>
            Download report
          </button>
        </div>
      </div>
      <ErrorMessage error={compare.error} context="Could not load the comparison" />
      <ErrorMessage error={experiment.error} />
      <ErrorMessage error={metrics.error} context="Could not load metrics" />
      <ErrorMessage error={liveError} context="Live updates" />
      {compare.data && rows.length === 0 ? <div className="empty">This experiment has no runs.</div> : null}

      {rows.length > 0 ? (
        <section
          aria-labelledby="table-title"
          data-testid="compare-ready"
          data-ready={ready ? "true" : "false"}
        >
          <h2 id="table-title" className="sr-only">
            Runs side by side
          </h2>
          <MemoryLegend />
          <div className="table-wrap">
            <table className="compare" aria-label="Comparison" data-testid="compare-table">
              <thead>
                <tr>
                  <th>
                    <span className="sr-only">Shown in charts</span>
                  </th>
                  {columns.map((c) => (
                    <th
                      key={c.key}
                      className={c.numeric ? "num" : undefined}
                      aria-sort={
                        sortKey === c.key ? (sortDir === "asc" ? "ascending" : "descending") : undefined
                      }
                    >
                      <button type="button" className="sort" onClick={() => toggleSort(c.key)}>
                        {c.label}
                        {sortKey === c.key ? (sortDir === "asc" ? " ▲" : " ▼") : ""}
                      </button>
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {groups.map((g) => [
                  g.method === null ? null : (
                    <tr key={`group-${g.method}`} className="group" data-group={g.method}>
                      <th colSpan={columns.length + 1} scope="rowgroup" style={{ textAlign: "left" }}>
                        <span
                          className="swatch"
                          style={{ background: methodColor(g.method) }}
                          aria-hidden="true"
                        />{" "}
                        {g.method}{" "}
                        <span className="muted">
                          · {g.rows.length} run{g.rows.length === 1 ? "" : "s"}
                        </span>
                      </th>
                    </tr>
                  ),
                  ...g.rows.map((r) => (
                    <CompareRow
                      key={r.runId}
                      row={r}
                      columns={columns}
                      color={colors.get(r.runId)!}
                      scales={scales}
                      onToggle={toggleHidden}
                    />
                  )),
                ])}
                {rows
                  .filter((r) => hidden.has(r.runId))
                  .map((r) => (
                    <tr key={r.runId} className="muted">
                      <td>
                        <input
                          type="checkbox"
                          checked={false}
                          aria-label={`Show ${r.name}`}
                          onChange={() => toggleHidden(r.runId)}
                        />
                      </td>
                      <td colSpan={columns.length}>{r.name} (hidden)</td>
                    </tr>
                  ))}
              </tbody>
            </table>
          </div>
        </section>
      ) : null}

      {experimentId ? (
        <CostProfilePanel experimentId={experimentId} version={rows.map((r) => r.status).join()} />
      ) : null}

      {rows.length > 0 ? (
        <section aria-labelledby="curves-title">
          <div className="spread">
            <h2 id="curves-title">Loss curves</h2>
            <fieldset className="row" style={{ border: 0, padding: 0, margin: 0 }}>
              <legend className="sr-only">Chart options</legend>
              <label className="check" htmlFor="x-mode" style={{ fontWeight: 600 }}>
                x axis
              </label>
              <select
                id="x-mode"
                value={xMode}
                onChange={(e) => setParams({ x: e.target.value === "time" ? "time" : null })}
                style={{ width: "auto" }}
              >
                <option value="step">step</option>
                <option value="time">wall-clock time</option>
              </select>
              <label htmlFor="smoothing" style={{ marginBottom: 0 }}>
                Smoothing {smoothing.toFixed(2)}
              </label>
              <input
                id="smoothing"
                type="range"
                min={0}
                max={0.99}
                step={0.01}
                value={smoothing}
                onChange={(e) => setParams({ smooth: Number(e.target.value) > 0 ? e.target.value : null })}
              />
              {fields.length > 0 ? (
                <>
                  <label htmlFor="facet" style={{ marginBottom: 0, fontWeight: 600 }}>
                    Facet by
                  </label>
                  <select
                    id="facet"
                    value={facetField ?? ""}
                    onChange={(e) => setParams({ facet: e.target.value || null })}
                    style={{ width: "auto" }}
                  >
                    <option value="">nothing</option>
                    {fields.map((f) => (
                      <option key={f} value={f}>
                        {f}
                      </option>
                    ))}
                  </select>
                </>
              ) : null}
              <label className="check">
                <input
                  type="checkbox"
                  checked={logY}
                  onChange={(e) => setParams({ logy: e.target.checked ? "1" : null })}
                />
                log y
              </label>
            </fieldset>
          </div>
          {linesByChart.map((panel) => (
            <div
              key={facetField ? `facet:${panel.key}` : "all"}
              data-testid={facetField ? "facet" : undefined}
              data-facet={facetField ? panel.key : undefined}
            >
              {facetField ? <h3>{panel.label}</h3> : null}
              <div className="two-col">
                {CHARTS.map((c) => (
                  <LineChart
                    key={c.key}
                    title={facetField ? `${c.title}, ${panel.label}` : c.title}
                    lines={panel.lines[c.key] ?? []}
                    xMode={xMode}
                    smoothing={smoothing}
                    logY={logY}
                    height={facetField ? 220 : undefined}
                  />
                ))}
              </div>
            </div>
          ))}
        </section>
      ) : null}

      {rows.length > 0 ? <ParetoPanel rows={rows} params={params} setParams={setParams} /> : null}

      {rows.length > 0 ? <SamplesTable rows={visible} /> : null}
    </>
  );
}

function CompareRow({
  row,
  columns,
  color,
  scales,
  onToggle,
}: {
  row: Row;
  columns: readonly Column[];
  color: string;
  scales: Scales;
  onToggle: (runId: string) => void;
}) {
  return (
    <tr data-run-id={row.runId}>
      <td>
        <input
          type="checkbox"
          checked
          aria-label={`Show ${row.name} (uncheck to hide)`}
          onChange={() => onToggle(row.runId)}
        />
        <span className="swatch" style={{ background: color, marginLeft: 6 }} aria-hidden="true" />
      </td>
      {columns.map((c) => (
        <td
          key={c.key}
          className={c.numeric ? "num" : undefined}
          data-col={c.key}
          data-value={rawValue(c, row)}
        >
          {c.cell(row, scales)}
        </td>
      ))}
    </tr>
  );
}
