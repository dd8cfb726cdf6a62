"use client";
// Metric series of several runs: read downsampled once (metrics query, as columns: a tenth of the server's
// work of point objects), then kept current with the metricsAppended subscription of each run that may
// still report, and read again every 30 s while one does (the server may answer a live run a few seconds
// behind its points, so the streamed points can start after a gap that the next read fills).
import { useEffect, useRef, useState } from "react";
import { ApiError, request, subscribe } from "./client";
import { graphql } from "./gql";
import { appendPoints, emptySeries, mergeFresh, type RawPoint, type Series } from "./series";

const MetricsQuery = graphql(`
  query Metrics($runIds: [ID!]!, $keys: [String!], $maxPoints: Int!) {
    metrics(runIds: $runIds, keys: $keys, maxPoints: $maxPoints) {
      runId
      key
      totalPoints
      steps
      values
      wallTimesMs
    }
  }
`);

const MetricsAppended = graphql(`
  subscription MetricsAppended($runId: ID!) {
    metricsAppended(runId: $runId) { runId key step value wallTimeMs }
  }
`);

/** runId → key → series */
export type SeriesByRun = Record<string, Record<string, Series>>;

/** How often the series of runs that may still report are read again. */
const liveRereadMs = 30_000;

/** A live re-read over what is shown: each fresh series keeps the streamed points after it (mergeFresh). */
function mergeReread(fresh: SeriesByRun, shown: SeriesByRun, wanted: Set<string> | null): SeriesByRun {
  const merged: SeriesByRun = {};
  for (const [runId, byKey] of Object.entries(fresh)) {
    const run: Record<string, Series> = {};
    for (const [key, s] of Object.entries(byKey)) run[key] = mergeFresh(s, shown[runId]?.[key]);
    // a key first streamed after the answer was computed
    for (const [key, s] of Object.entries(shown[runId] ?? {})) {
      if (!(key in run) && (!wanted || wanted.has(key))) run[key] = s;
    }
    merged[runId] = run;
  }
  return merged;
}

export function useLiveMetrics(
  runIds: readonly string[],
  keys: readonly string[] | null,
  liveRunIds: readonly string[],
  maxPoints = 2000,
): { series: SeriesByRun; error: ApiError | undefined; loaded: boolean } {
  const [series, setSeries] = useState<SeriesByRun>({});
  const [error, setError] = useState<ApiError>();
  const [loaded, setLoaded] = useState(false);
  const pending = useRef<RawPoint[]>([]);
  const runKey = runIds.slice().sort().join(",");
  const keysKey = keys ? keys.join(",") : "*";
  const liveKey = liveRunIds.join(",");
  // A run that stops being live may have sent its last points just before: read everything once more then
  // (in place of what is shown). While runs are live, read again every liveRereadMs (merged with it).
  const [reload, setReload] = useState(0);
  const mergeNextRead = useRef(false);
  useEffect(() => {
    if (liveKey === "") return;
    const timer = setInterval(() => {
      mergeNextRead.current = true;
      setReload((n) => n + 1);
    }, liveRereadMs);
    return () => clearInterval(timer);
  }, [liveKey]);
  const previousLive = useRef<string[]>([]);
  useEffect(() => {
    const now = liveKey === "" ? [] : liveKey.split(",");
    if (previousLive.current.some((id) => !now.includes(id))) setReload((n) => n + 1);
    previousLive.current = now;
  }, [liveKey]);

  useEffect(() => {
    if (runKey === "") {
      setSeries({});
      setLoaded(true);
      return;
    }
    let stale = false;
    if (reload === 0) setLoaded(false);
    const merge = mergeNextRead.current;
    mergeNextRead.current = false;
    const wanted = keysKey === "*" ? null : new Set(keysKey.split(","));
    request(MetricsQuery, {
      runIds: runKey.split(","),
      keys: keysKey === "*" ? null : keysKey.split(","),
      maxPoints,
    })
      .then((data) => {
        if (stale) return;
        const next: SeriesByRun = {};
        for (const s of data.metrics) {
          next[s.runId] ??= {};
          next[s.runId]![s.key] = { steps: s.steps, values: s.values, wall: s.wallTimesMs };
        }
        setSeries(merge ? (shown) => mergeReread(next, shown, wanted) : next);
        setError(undefined);
        setLoaded(true);
      })
      .catch((e: unknown) => {
        if (stale) return;
        setError(e instanceof ApiError ? e : new ApiError([{ message: String(e) }]));
        setLoaded(true);
      });
    return () => {
      stale = true;
    };
  }, [runKey, keysKey, maxPoints, reload]);

  // Points arrive in bursts: fold them in at most twice a second.
  useEffect(() => {
    if (liveKey === "") return;
    const wanted = keysKey === "*" ? null : new Set(keysKey.split(","));
    const unsubscribers = liveKey.split(",").map((runId) =>
      subscribe(MetricsAppended, { runId }, (data) => {
        for (const p of data.metricsAppended) if (!wanted || wanted.has(p.key)) pending.current.push(p);
      }),
    );
    const timer = setInterval(() => {
      if (pending.current.length === 0) return;
      const points = pending.current;
      pending.current = [];
      setSeries((current) => {
        const next: SeriesByRun = { ...current };
        const groups = new Map<string, RawPoint[]>();
        for (const p of points) {
          const k = `${p.runId}\u0000${p.key}`;
          if (!groups.has(k)) groups.set(k, []);
          groups.get(k)!.push(p);
        }
        for (const [k, list] of groups) {
          const [runId, key] = k.split("\u0000") as [string, string];
          const sorted = list.sort((a, b) => a.step - b.step);
          next[runId] = { ...next[runId], [key]: appendPoints(next[runId]?.[key] ?? emptySeries(), sorted) };
        }
        return next;
      });
    }, 500);
    return () => {
      clearInterval(timer);
      for (const u of unsubscribers) u();
    };
  }, [liveKey, keysKey]);

  return { series, error, loaded };
}
