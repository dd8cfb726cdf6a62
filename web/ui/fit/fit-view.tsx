"use client";
import { useEffect, useState } from "react";
import { ApiError, request } from "../../lib/client";
import { graphql } from "../../lib/gql";
import type { FitInput, FitQuery } from "../../lib/gql/graphql";
import { useDebounced, useQuery } from "../../lib/hooks";
import { useUrlState } from "../../lib/url-state";
import { ErrorMessage } from "../common/error-message";
import { type Budget, BudgetPicker } from "./budget-picker";
import { formatGiB, gibToBytes, largestText, parseIntList } from "./fit-figures";
import { FitMethodCard } from "./fit-method-card";
import { type ModelChoice, ModelPicker, type ModelSource } from "./model-picker";

const Choices = graphql(`
  query FitChoices {
    modelPresets { name parameters local }
    gpuMemorySizes { name memoryBytes }
    methods { method name }
  }
`);

// Stored choices need a read key; the page works without them.
const StoredChoices = graphql(`
  query FitStoredChoices {
    baseModels(first: 100) { edges { node { id name status } } }
    runners(first: 100) {
      edges { node { id name status maxDeviceMemoryBytes devices { name memoryBytes } } }
    }
  }
`);

const FitDoc = graphql(`
  query Fit($input: FitInput!) {
    fit(input: $input) {
      figuresFor modelName parameters budgetBytes budgetSource dtype batchSizes seqLens maxSearchBatch
      methods {
        method name dtype note trainableParameters
        withoutCheckpointing { ...FitGridFields }
        withCheckpointing { ...FitGridFields }
      }
    }
  }
  fragment FitGridFields on FitGrid {
    gradientCheckpointing
    rows {
      seqLen unavailable largestBatch largestBatchPeakBytes nextBatchPeakBytes reachedCap
      cells { batchSize peakBytes fits }
    }
  }
`);

const DEFAULT_PRESET = "Llama-3-8B";
const DEFAULT_BUDGET_GIB = "24";
const DEFAULT_DTYPE = "bfloat16";

/** The fit input the choices make, or why there is none yet. */
function fitInput(
  model: ModelChoice,
  budget: Budget,
  grid: { methods: string[] | null; batchSizes: string; seqLens: string; dtype: string; optimizer: string },
): { input: FitInput | null; problem?: string } {
  const modelPart: Pick<FitInput, "model" | "baseModelId"> = {};
  if (model.source === "preset") modelPart.model = model.preset;
  else if (model.source === "base") {
    if (!model.baseModelId) return { input: null, problem: "Choose a base model." };
    modelPart.baseModelId = model.baseModelId;
  } else {
    try {
      modelPart.model = JSON.parse(model.configText);
    } catch (e) {
      return { input: null, problem: `The config.json is not JSON: ${(e as Error).message}` };
    }
  }
  const budgetBytes = gibToBytes(budget.gib);
  if (!budget.runnerId && budgetBytes === null) return { input: null, problem: "Type a budget in GiB." };
  const batchSizes = parseIntList(grid.batchSizes);
  const seqLens = parseIntList(grid.seqLens);
  const listError = batchSizes.error ?? seqLens.error;
  if (listError) return { input: null, problem: listError };
  return {
    input: {
      ...modelPart,
      ...(budget.runnerId ? { runnerId: budget.runnerId } : { budgetBytes }),
      methods: grid.methods?.map((method) => ({ method })) ?? null,
      batchSizes: batchSizes.values,
      seqLens: seqLens.values,
      dtype: grid.dtype,
      optimizer: grid.optimizer,
    },
  };
}

/** "Will it fit?": per method, core's predicted peak over batch × sequence length against a budget. */
export function FitView() {
  const [params, setParams] = useUrlState();
  const [configText, setConfigText] = useState("");
  const choices = useQuery(Choices, {});
  const stored = useQuery(StoredChoices, {});

  const model: ModelChoice = {
    source: (params.get("from") as ModelSource | null) ?? (params.get("baseModel") ? "base" : "preset"),
    preset: params.get("model") ?? DEFAULT_PRESET,
    configText,
    baseModelId: params.get("baseModel") ?? "",
  };
  const budget: Budget = {
    gib: params.get("budget") ?? DEFAULT_BUDGET_GIB,
    gpu: params.get("gpu") ?? "",
    runnerId: params.get("runner") ?? "",
  };
  const allMethods = choices.data?.methods ?? [];
  const pickedParam = params.get("methods");
  const picked = pickedParam === null ? null : pickedParam.split(",").filter((m) => m !== "");
  const grid = {
    methods: picked,
    batchSizes: params.get("batchSizes") ?? "",
    seqLens: params.get("seqLens") ?? "",
    // 16-bit frozen weights: how people fine-tune models of this size (full fine-tuning stays float32).
    dtype: params.get("dtype") ?? DEFAULT_DTYPE,
    optimizer: params.get("optimizer") ?? "adamw",
  };
  const { input, problem } = fitInput(model, budget, grid);
  const inputKey = input === null ? null : JSON.stringify(input);
  const askedKey = useDebounced(inputKey, 400);
  const [answer, setAnswer] = useState<{ key: string; fit?: FitQuery["fit"]; error?: ApiError }>();
  useEffect(() => {
    if (askedKey === null) return;
    let stale = false;
    request(FitDoc, { input: JSON.parse(askedKey) as FitInput }).then(
      (data) => !stale && setAnswer({ key: askedKey, fit: data.fit }),
      (e: unknown) =>
        !stale &&
        setAnswer({
          key: askedKey,
          error: e instanceof ApiError ? e : new ApiError([{ message: String(e) }]),
        }),
    );
    return () => {
      stale = true;
    };
  }, [askedKey]);
  // The answer on screen is for what the controls say now (not an earlier choice still being replaced).
  const settled = answer !== undefined && answer.key === inputKey;
  const fit = answer?.fit;

  const setModel = (c: ModelChoice) => {
    setConfigText(c.configText);
    setParams({
      from: c.source,
      model: c.source === "preset" ? c.preset : null,
      baseModel: c.source === "base" ? c.baseModelId : null,
    });
  };
  const setBudget = (b: Budget) =>
    setParams({ budget: b.gib, gpu: b.gpu || null, runner: b.runnerId || null });
  const toggleMethod = (method: string, on: boolean) => {
    const current = picked ?? allMethods.map((m) => m.method);
    const next = on ? [...current, method] : current.filter((m) => m !== method);
    setParams({ methods: next.join(",") });
  };
  const runners = stored.error ? null : (stored.data?.runners.edges.map((e) => e.node) ?? []);
  const baseModels = stored.error
    ? null
    : (stored.data?.baseModels.edges.map((e) => e.node).filter((b) => b.status !== "FAILED") ?? []);

  return (
    <>
      <h1>Will it fit?</h1>
      <p className="muted">
        Predicted peak memory of one training step for each method over a grid of batch size × sequence
        length, against a memory budget, without and with gradient checkpointing. The figures are for{" "}
        <strong>Tunelab's engine</strong> (core's memory model of it, the same numbers as the new-experiment
        form's estimate); other frameworks use memory differently.
      </p>
      <ErrorMessage error={choices.error} context="Could not load the choices" />
      <div className="fit-controls">
        <ModelPicker
          choice={model}
          onChange={setModel}
          presets={choices.data?.modelPresets ?? []}
          baseModels={baseModels}
        />
        <BudgetPicker
          budget={budget}
          onChange={setBudget}
          gpus={choices.data?.gpuMemorySizes ?? []}
          runners={runners}
        />
        <fieldset className="card">
          <legend>
            <strong>Grid</strong>
          </legend>
          <div className="field">
            <label htmlFor="fit-batch-sizes">
              Batch sizes <span className="hint">(blank: 1, 4, 16, 64)</span>
            </label>
            <input
              id="fit-batch-sizes"
              type="text"
              value={grid.batchSizes}
              placeholder="1, 4, 16, 64"
              onChange={(e) => setParams({ batchSizes: e.target.value })}
            />
          </div>
          <div className="field">
            <label htmlFor="fit-seq-lens">
              Sequence lengths{" "}
              <span className="hint">(blank: the three largest powers of two the model takes)</span>
            </label>
            <input
              id="fit-seq-lens"
              type="text"
              value={grid.seqLens}
              placeholder="1024, 2048, 4096"
              onChange={(e) => setParams({ seqLens: e.target.value })}
            />
          </div>
          <div className="row">
            <div className="field" style={{ flex: "1 1 120px" }}>
              <label htmlFor="fit-dtype">Frozen weights</label>
              <select
                id="fit-dtype"
                value={grid.dtype}
                onChange={(e) => setParams({ dtype: e.target.value })}
              >
                <option value="float32">float32</option>
                <option value="bfloat16">bfloat16</option>
                <option value="float16">float16</option>
              </select>
            </div>
            <div className="field" style={{ flex: "1 1 120px" }}>
              <label htmlFor="fit-optimizer">Optimizer</label>
              <select
                id="fit-optimizer"
                value={grid.optimizer}
                onChange={(e) => setParams({ optimizer: e.target.value })}
              >
                <option value="adamw">AdamW</option>
                <option value="sgd">SGD</option>
                <option value="sgd-momentum">SGD with momentum</option>
              </select>
            </div>
          </div>
          <fieldset className="row fit-methods">
            <legend className="sr-only">Methods</legend>
            {allMethods.map((m) => (
              <label key={m.method} className="check">
                <input
                  type="checkbox"
                  checked={picked === null || picked.includes(m.method)}
                  onChange={(e) => toggleMethod(m.method, e.target.checked)}
                />
                {m.name}
              </label>
            ))}
          </fieldset>
        </fieldset>
      </div>

      {problem ? <div className="notice">{problem}</div> : null}
      <ErrorMessage error={answer?.error} context="Cannot predict" />
      {fit && !answer?.error ? (
        <div data-testid="fit-answer" aria-busy={!settled} aria-live="polite">
          <p data-testid="fit-budget" data-value={fit.budgetBytes}>
            <strong>{fit.modelName ?? "The pasted model"}</strong> against{" "}
            <strong>{formatGiB(fit.budgetBytes)}</strong>
            {fit.budgetSource !== "typed" ? ` (${fit.budgetSource})` : ""}. {fit.figuresFor}
          </p>
          <LargestSummary fit={fit} />
          {fit.methods.map((m, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: the same method may be asked twice with other fields
            <FitMethodCard key={i} m={m} batchSizes={fit.batchSizes} />
          ))}
        </div>
      ) : input !== null && !answer?.error ? (
        <p className="muted">Predicting…</p>
      ) : null}
    </>
  );
}

/** The answer at a glance: per method and sequence length, the largest batch without → with checkpointing. */
function LargestSummary({ fit }: { fit: FitQuery["fit"] }) {
  return (
    <div className="table-wrap">
      <table>
        <caption>Largest batch that fits (without checkpointing → with)</caption>
        <thead>
          <tr>
            <th scope="col">Method</th>
            {fit.seqLens.map((s) => (
              <th key={s} scope="col" className="num">
                {s} tokens
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {fit.methods.map((m, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: the same method may be asked twice with other fields
            <tr key={i}>
              <th scope="row">{m.name}</th>
              {m.withoutCheckpointing.rows.map((row, j) => (
                <td key={row.seqLen} className="num">
                  {largestText(row)} → {largestText(m.withCheckpointing.rows[j]!)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
