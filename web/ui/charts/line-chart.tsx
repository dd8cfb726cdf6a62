"use client";
// Overlaid metric curves on a canvas (uPlot, loaded lazily): a pure function of (series, x mode, smoothing,
// log y). uPlot draws 16 runs × thousands of points without dropping frames; the server downsamples.
import { useEffect, useMemo, useRef, useState } from "react";
import type uPlot from "uplot";
import { alignSeries, axisSize, legendValue, type Series, type XMode, xsOf } from "../../lib/series";
import { smooth } from "../../lib/smoothing";

export interface ChartLine {
  label: string;
  color: string;
  /** uPlot's dash pattern (canvas setLineDash), e.g. to tell apart runs that share a method's colour. */
  dash?: number[];
  series: Series;
  /** The run's startedAt (ISO): x = 0 on the time axis. */
  startedAt: string | null;
}

interface Props {
  title: string;
  lines: readonly ChartLine[];
  xMode: XMode;
  smoothing: number;
  logY: boolean;
  height?: number;
}

export function LineChart({ title, lines, xMode, smoothing, logY, height = 300 }: Props) {
  const container = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const [rendered, setRendered] = useState(false);
  const [width, setWidth] = useState(0);

  const data = useMemo(() => {
    const withPoints = lines.filter((l) => l.series.steps.length > 0);
    const aligned = alignSeries(
      withPoints.map((l) => ({
        xs: xsOf(l.series, xMode, l.startedAt ? Date.parse(l.startedAt) : null),
        ys: smooth(logY ? l.series.values.map((v) => (v > 0 ? v : null)) : l.series.values, smoothing),
      })),
    );
    return { lines: withPoints, aligned };
  }, [lines, xMode, smoothing, logY]);
  const latest = useRef(data);
  latest.current = data;
  const pointCount = data.lines.reduce((s, l) => s + l.series.steps.length, 0);

  // Fetch uPlot's chunk while the data is still on its way, not after it arrives (bench/ui: a 36-run sweep).
  useEffect(() => {
    void import("uplot");
  }, []);

  useEffect(() => {
    const el = container.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setWidth(Math.floor(el.clientWidth)));
    observer.observe(el);
    setWidth(Math.floor(el.clientWidth));
    return () => observer.disconnect();
  }, []);

  // (Re)create the plot when its shape changes; only the data changes → setData.
  const shape = `${data.lines.map((l) => `${l.label}|${l.color}|${l.dash ?? ""}`).join(";")}|${xMode}|${logY}|${height}`;
  // biome-ignore lint/correctness/useExhaustiveDependencies: shape stands for what the plot is built from; data arrives through setData
  useEffect(() => {
    const el = container.current;
    if (!el || width === 0 || data.lines.length === 0) return;
    let cancelled = false;
    void import("uplot").then(({ default: UPlot }) => {
      if (cancelled) return;
      plot.current?.destroy();
      const opts: uPlot.Options = {
        width,
        height,
        title: undefined,
        scales: { x: { time: false }, y: { distr: logY ? 3 : 1 } },
        axes: [
          { label: xMode === "step" ? "step" : "seconds since start" },
          // as wide as this chart's tick labels, so the title beside them never overlaps them
          { label: title, size: (_u, values) => axisSize(values) },
        ],
        series: [
          { label: xMode === "step" ? "step" : "s", value: (u, _v, i, idx) => legendValue(u.data[i]!, idx) },
          ...data.lines.map((l) => ({
            label: l.label,
            stroke: l.color,
            dash: l.dash,
            width: 1.5,
            spanGaps: true,
            points: { show: false },
            value: (u: uPlot, _v: number, i: number, idx: number | null) => legendValue(u.data[i]!, idx),
          })),
        ],
        legend: { live: true },
        cursor: { drag: { x: true, y: false } },
      };
      const now = latest.current;
      plot.current = new UPlot(opts, [now.aligned.x, ...now.aligned.ys] as uPlot.AlignedData, el);
      setRendered(true);
    });
    return () => {
      cancelled = true;
    };
  }, [shape, width]);

  useEffect(() => {
    if (!plot.current || data.lines.length === 0) return;
    // Other lines than the plot was built for: the rebuild (shape changed, under way) takes the latest data.
    if (plot.current.series.length !== data.lines.length + 1) return;
    plot.current.setData([data.aligned.x, ...data.aligned.ys] as uPlot.AlignedData);
  }, [data]);

  useEffect(() => {
    if (width > 0 && plot.current) plot.current.setSize({ width, height });
  }, [width, height]);

  useEffect(
    () => () => {
      plot.current?.destroy();
      plot.current = null;
    },
    [],
  );

  return (
    <figure style={{ margin: 0 }}>
      <figcaption>
        <strong>{title}</strong>{" "}
        <span className="muted">
          ({data.lines.length} runs, {pointCount.toLocaleString("en-US")} points
          {smoothing > 0 ? `, smoothed ${smoothing}` : ""}
          {logY ? ", log y" : ""})
        </span>
      </figcaption>
      {data.lines.length === 0 ? <div className="empty">No points yet.</div> : null}
      <div
        ref={container}
        className="chart"
        role="img"
        aria-label={`${title} of ${data.lines.map((l) => l.label).join(", ")} by ${xMode === "step" ? "step" : "wall-clock time"}`}
        data-testid="chart"
        data-series={data.lines.length}
        data-points={pointCount}
        data-line-points={data.lines.map((l) => `${l.label}=${l.series.steps.length}`).join(";")}
        data-rendered={rendered && data.lines.length > 0 ? "true" : "false"}
        style={data.lines.length === 0 ? { minHeight: 0 } : undefined}
      />
    </figure>
  );
}
