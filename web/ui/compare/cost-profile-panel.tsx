"use client";
import { useEffect } from "react";
import { formatBytes, formatValue } from "../../lib/format";
import { graphql } from "../../lib/gql";
import { useQuery } from "../../lib/hooks";
import { MEMORY_TERMS, MemoryLegend, type MemoryTerms, memoryTerms } from "../charts/bars";
import { ErrorMessage } from "../common/error-message";

const CostProfiles = graphql(`
  query CostProfiles($id: ID!) {
    experiment(id: $id) {
      id
      kind
      runs {
        id
        name
        method
        status
        statusReason
        predicted
        costProfile {
          peakBytes
          frozenBytes
          trainableBytes
          gradientBytes
          optimizerBytes
          activationBytes
          msPerStep
          tokensPerSecond
          steps
          randomWeights
        }
      }
    }
  }
`);

/**
 * A PROFILE experiment's measurements: per run, the measured peak split into its parts beside core's
 * prediction of the same parts, on one scale, with ms/step and tokens/s. Nothing for TRAIN experiments.
 * `version` changes when a run's status does (the comparison's live updates), which re-reads the profiles.
 */
export function CostProfilePanel({ experimentId, version }: { experimentId: string; version: string }) {
  const { data, error, refetch } = useQuery(CostProfiles, { id: experimentId });
  // biome-ignore lint/correctness/useExhaustiveDependencies: `version` is the trigger, not an input.
  useEffect(() => {
    void refetch();
  }, [version, refetch]);
  if (error) return <ErrorMessage error={error} />;
  const experiment = data?.experiment?.kind === "PROFILE" ? data.experiment : null;
  if (!experiment) return null;
  const runs = experiment.runs.map((r) => ({
    ...r,
    measured: r.costProfile ? measuredTerms(r.costProfile) : null,
    predictedTerms: memoryTerms((r.predicted as { memory?: Record<string, unknown> }).memory),
  }));
  const total = (t: MemoryTerms) => MEMORY_TERMS.reduce((s, k) => s + t[k.key], 0);
  const max = Math.max(1, ...runs.flatMap((r) => [total(r.predictedTerms), r.costProfile?.peakBytes ?? 0]));
  const random = runs.some((r) => r.costProfile?.randomWeights);
  return (
    <section aria-labelledby="cost-profile-title" data-testid="cost-profile">
      <div className="spread">
        <h2 id="cost-profile-title">Cost profile: measured memory beside the prediction</h2>
        {random ? <span className="badge">random weights: cost only</span> : null}
      </div>
      <p className="muted">
        Each run trained a few steps on random tokens. Measured: the largest step&apos;s peak of tensor
        buffers, split by what each buffer alive at that moment was; activations are the rest. Predicted:
        core&apos;s memory model.
      </p>
      <MemoryLegend />
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Run</th>
              <th scope="col">Measured (top) · predicted (bottom)</th>
              <th scope="col" className="num">
                Peak
              </th>
              <th scope="col" className="num">
                Predicted
              </th>
              {MEMORY_TERMS.map((t) => (
                <th key={t.key} scope="col" className="num">
                  {t.label}
                </th>
              ))}
              <th scope="col" className="num">
                ms/step
              </th>
              <th scope="col" className="num">
                tokens/s
              </th>
            </tr>
          </thead>
          <tbody>
            {runs.map((r) => (
              <tr key={r.id} data-run-id={r.id} data-peak-bytes={r.costProfile?.peakBytes ?? ""}>
                <td>
                  {r.name}
                  {r.costProfile ? null : (
                    <div className="muted">
                      {r.status}
                      {r.statusReason ? `: ${r.statusReason}` : ""}
                    </div>
                  )}
                </td>
                <td>
                  <StackedBars measured={r.measured} predicted={r.predictedTerms} max={max} />
                </td>
                <td className="num">{formatBytes(r.costProfile?.peakBytes)}</td>
                <td className="num">{formatBytes(total(r.predictedTerms))}</td>
                {MEMORY_TERMS.map((t) => (
                  <td key={t.key} className="num" title={`predicted ${formatBytes(r.predictedTerms[t.key])}`}>
                    {formatBytes(r.measured?.[t.key])}
                  </td>
                ))}
                <td className="num">{formatValue(r.costProfile?.msPerStep)}</td>
                <td className="num">{formatValue(r.costProfile?.tokensPerSecond)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** Two stacked bars on the panel's shared scale: measured parts above, predicted terms below. */
function StackedBars({
  measured,
  predicted,
  max,
  width = 220,
}: {
  measured: MemoryTerms | null;
  predicted: MemoryTerms;
  max: number;
  width?: number;
}) {
  const describe = (what: string, t: MemoryTerms) =>
    `${what}: ${MEMORY_TERMS.map((k) => `${k.label.toLowerCase()} ${formatBytes(t[k.key])}`).join(", ")}`;
  const label = `${measured ? describe("Measured", measured) : "Not measured yet"}. ${describe("Predicted", predicted)}.`;
  const row = (t: MemoryTerms, y: number) => {
    let x = 0;
    return MEMORY_TERMS.map((k) => {
      const w = (t[k.key] / max) * width;
      const rect = (
        <rect key={`${y}-${k.key}`} x={x} y={y} width={Math.max(0, w)} height={11} fill={k.color} />
      );
      x += w;
      return rect;
    });
  };
  return (
    <svg className="bar-svg" width={width} height={26} role="img" aria-label={label}>
      <title>{label}</title>
      {measured ? row(measured, 0) : null}
      {row(predicted, 14)}
    </svg>
  );
}

/** A run's measured cost profile as the five terms the bars draw (the prediction's order and keys). */
function measuredTerms(p: {
  frozenBytes: number;
  trainableBytes: number;
  gradientBytes: number;
  optimizerBytes: number;
  activationBytes: number;
}): MemoryTerms {
  return {
    frozen: p.frozenBytes,
    trainable: p.trainableBytes,
    gradients: p.gradientBytes,
    optimizer: p.optimizerBytes,
    activations: p.activationBytes,
  };
}
