"use client";
import Link from "next/link";
import { useEffect, useRef, useState } from "react";
import { ApiError, request } from "../../lib/client";
import { formatBytes, formatCount, formatPercent } from "../../lib/format";
import { graphql } from "../../lib/gql";
import type { EstimateQuery } from "../../lib/gql/graphql";
import { useDebounced } from "../../lib/hooks";
import { MemoryBar, memoryTerms } from "../charts/bars";
import { ErrorMessage } from "../common/error-message";

const EstimateDoc = graphql(`
  query Estimate(
    $model: JSON!
    $method: JSONObject!
    $batchSize: Int!
    $seqLen: Int!
    $dtype: String!
    $optimizer: String!
    $gradientCheckpointing: Boolean!
  ) {
    estimate(
      model: $model
      method: $method
      batchSize: $batchSize
      seqLen: $seqLen
      dtype: $dtype
      optimizer: $optimizer
      gradientCheckpointing: $gradientCheckpointing
    ) {
      targetModules
      parameters { trainable total trainablePercent peftLine }
      memory { frozenWeights quantConstants trainableWeights gradients optimizerState activations total }
    }
  }
`);

export interface EstimateInput {
  model: unknown;
  method: Record<string, unknown>;
  batchSize: number;
  seqLen: number;
  dtype: string;
  optimizer: string;
  gradientCheckpointing: boolean;
}

/** The predicted trainable parameters and memory of one variant, re-asked 300 ms after the last edit. */
export function EstimatePanel({
  input,
  label,
  scaleMax,
  onTotal,
  fitHref,
}: {
  input: EstimateInput | null;
  label: string;
  /** The fit page for this model and settings: every batch × length against common GPU sizes. */
  fitHref?: string;
  /** The bar's full width in bytes: the largest variant's total, so the variants' bars compare. */
  scaleMax?: number;
  onTotal?: (bytes: number | undefined) => void;
}) {
  const key = useDebounced(input === null ? null : JSON.stringify(input), 300);
  const [result, setResult] = useState<EstimateQuery["estimate"]>();
  const [error, setError] = useState<ApiError>();
  const [pending, setPending] = useState(false);
  const reportTotal = useRef(onTotal);
  reportTotal.current = onTotal;
  useEffect(() => {
    if (key === null) return;
    let stale = false;
    setPending(true);
    request(EstimateDoc, JSON.parse(key))
      .then((data) => {
        if (stale) return;
        setResult(data.estimate);
        setError(undefined);
        reportTotal.current?.(data.estimate.memory.total);
      })
      .catch((e: unknown) => {
        if (stale) return;
        setError(e instanceof ApiError ? e : new ApiError([{ message: String(e) }]));
        reportTotal.current?.(undefined);
      })
      .finally(() => !stale && setPending(false));
    return () => {
      stale = true;
    };
  }, [key]);

  if (input === null) return <div className="estimate muted">Choose a base model to see the estimate.</div>;
  return (
    <section className="estimate" aria-label={`Estimate for ${label}`} aria-live="polite" aria-busy={pending}>
      <ErrorMessage error={error} context="Not valid" />
      {result && !error ? (
        <>
          <dl className="props">
            <dt>Trainable</dt>
            <dd data-testid="estimate-trainable" data-value={result.parameters.trainable}>
              {formatCount(result.parameters.trainable)} of {formatCount(result.parameters.total)} (
              {formatPercent(result.parameters.trainablePercent)})
            </dd>
            <dt>Memory</dt>
            <dd data-testid="estimate-memory" data-value={result.memory.total}>
              {formatBytes(result.memory.total)}
            </dd>
            {result.targetModules.length > 0 ? (
              <>
                <dt>Wraps</dt>
                <dd>{result.targetModules.join(", ")}</dd>
              </>
            ) : null}
          </dl>
          <MemoryBar
            terms={memoryTerms(result.memory)}
            max={Math.max(scaleMax ?? 0, result.memory.total)}
            width={260}
          />
          <div className="muted">
            <code>{result.parameters.peftLine}</code>
          </div>
          {fitHref ? (
            <div>
              <Link href={fitHref}>Will it fit? Every batch size × length against common GPUs</Link>
            </div>
          ) : null}
        </>
      ) : null}
    </section>
  );
}
