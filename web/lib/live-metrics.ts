"use client";
// Metric series of several runs: read downsampled once (metrics query, as columns: a tenth of the server's
// work of point objects), then kept current with the metricsAppended subscription of each run that may
// still report.
import { useEffect, useRef, useState } from "react";
import { ApiError, request, subscribe } from "./client";
import { graphql } from "./gql";
import { appendPoints, emptySeries, type RawPoint, type Series } from "./series";

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
  // A run that stops being live may have sent its last points just before: read everything once more then.
  const [reload, setReload] = useState(0);
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
        setSeries(next);
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
