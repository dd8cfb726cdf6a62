"use client";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { type FormEvent, useEffect, useMemo, useState } from "react";
import { formatCount } from "../../lib/format";
import { graphql } from "../../lib/gql";
import { useDebounced, useMutation, useQuery } from "../../lib/hooks";
import { MemoryLegend } from "../charts/bars";
import { ErrorMessage } from "../common/error-message";
import { EstimatePanel } from "./estimate-panel";
import {
  type FieldValues,
  initialValues,
  type MethodField,
  methodObject,
  variantSweep,
} from "./method-fields";
import { PastedPeftFields, PeftPaste } from "./peft-paste";
import { type PastedPeft, pastedMethod, pastedVariantInput } from "./peft-variant";
import { SweepCard, type SweepSettings } from "./sweep-card";
import { numericSweep } from "./sweep-input";

const FormData = graphql(`
  query NewExperimentData {
    datasets(first: 100) { edges { node { id name kind rowCount } } }
    baseModels(first: 100) { edges { node { id name status preset config } } }
    methods {
      method
      name
      description
      fields { name type default allowed description min max }
    }
    modelPresets { name local parameters }
  }
`);

const CreateExperiment = graphql(`
  mutation CreateExperiment($input: CreateExperimentInput!) {
    createExperiment(input: $input) { id name runs { id } }
  }
`);

const PlanExperiment = graphql(`
  query PlanExperiment($input: CreateExperimentInput!) {
    planExperiment(input: $input) { combinations runs { name } }
  }
`);

const CreateBaseModel = graphql(`
  mutation CreateBaseModel($input: CreateBaseModelInput!) {
    createBaseModel(input: $input) { id name }
  }
`);

interface Variant {
  uid: number;
  method: string;
  name: string;
  values: FieldValues;
  /** Set when the variant comes from a pasted PEFT adapter_config.json (sent as peftConfig). */
  peft?: PastedPeft;
}

// `sweep`: a comma-separated list sweeps the field (the server's sweepable hyperparameters).
const HYPERPARAMETERS = [
  { name: "steps", label: "Steps", initial: "60", hint: "optimizer steps", sweep: true },
  { name: "learningRate", label: "Learning rate", initial: "0.001", sweep: true },
  { name: "batchSize", label: "Batch size", initial: "8", sweep: true },
  { name: "seqLen", label: "Sequence length", initial: "64", hint: "tokens per example", sweep: true },
  { name: "seed", label: "Seed", initial: "42", sweep: true },
  { name: "evalEvery", label: "Eval every", initial: "10", hint: "steps; 0 = at the end" },
  { name: "warmupSteps", label: "Warm-up steps", initial: "0", sweep: true },
  { name: "gradientAccumulation", label: "Gradient accumulation", initial: "1", sweep: true },
  { name: "checkpointEvery", label: "Checkpoint every", initial: "0", hint: "steps; 0 = never" },
] as const;

type HpName = (typeof HYPERPARAMETERS)[number]["name"];
const HP_NAMES = HYPERPARAMETERS.map((h) => h.name);
let nextUid = 1;

export function NewExperimentForm() {
  const router = useRouter();
  const { data, error, refetch } = useQuery(FormData, {});
  const create = useMutation(CreateExperiment);
  const createBase = useMutation(CreateBaseModel);
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [datasetId, setDatasetId] = useState("");
  const [generalDatasetId, setGeneralDatasetId] = useState("");
  const [baseModelId, setBaseModelId] = useState("");
  const [preset, setPreset] = useState("tunelab-nano");
  const [hp, setHp] = useState<Record<HpName, string>>(
    () => Object.fromEntries(HYPERPARAMETERS.map((h) => [h.name, h.initial])) as Record<HpName, string>,
  );
  const [optimizer, setOptimizer] = useState("adamw");
  const [dtype, setDtype] = useState("float32");
  const [checkpointing, setCheckpointing] = useState(false);
  const [prompts, setPrompts] = useState("");
  const [variants, setVariants] = useState<Variant[]>([]);
  const [addMethod, setAddMethod] = useState("lora");
  const [totals, setTotals] = useState<Record<number, number>>({});
  const [sweepSettings, setSweepSettings] = useState<SweepSettings>({
    strategy: "GRID",
    count: "10",
    seed: "1",
  });
  const liveTotals = variants.map((v) => totals[v.uid] ?? 0);
  const scaleMax = Math.max(0, ...liveTotals);

  const methods = data?.methods ?? [];
  const fieldsOf = useMemo(() => {
    const map = new Map<string, MethodField[]>();
    for (const m of methods) map.set(m.method, m.fields as MethodField[]);
    return map;
  }, [methods]);
  const datasets = data?.datasets.edges.map((e) => e.node) ?? [];
  const baseModels = data?.baseModels.edges.map((e) => e.node).filter((b) => b.status !== "FAILED") ?? [];
  const baseModel = baseModels.find((b) => b.id === baseModelId);

  // Defaults once the lists arrive: the first base model, and full vs LoRA to compare. No dataset: the newest
  // one is as likely the demo's forgetting set as training data, so the person chooses ("Choose…").
  useEffect(() => {
    if (!data) return;
    if (!baseModelId && baseModels[0]) setBaseModelId(baseModels[0].id);
    if (variants.length === 0 && methods.length > 0) {
      setVariants(
        ["full", "lora"]
          .filter((m) => fieldsOf.has(m))
          .map((m) => ({ uid: nextUid++, method: m, name: m, values: initialValues(fieldsOf.get(m)!) })),
      );
    }
  }, [data, baseModelId, baseModels, variants.length, methods.length, fieldsOf]);

  function addVariant() {
    const fields = fieldsOf.get(addMethod) ?? [];
    const taken = new Set(variants.map((v) => v.name));
    let vname = addMethod;
    for (let i = 2; taken.has(vname); i++) vname = `${addMethod}-${i}`;
    setVariants([
      ...variants,
      { uid: nextUid++, method: addMethod, name: vname, values: initialValues(fields) },
    ]);
  }

  function updateVariant(uid: number, patch: Partial<Variant>) {
    setVariants((vs) => vs.map((v) => (v.uid === uid ? { ...v, ...patch } : v)));
  }

  const { values: hpValues, sweep: hpSweep } = numericSweep(hp, HP_NAMES);
  const num = (k: HpName) => hpValues[k]!;
  const estimateBase =
    baseModel && Number.isInteger(num("batchSize")) && Number.isInteger(num("seqLen"))
      ? {
          model: baseModel.config,
          batchSize: num("batchSize"),
          seqLen: num("seqLen"),
          dtype,
          optimizer,
          gradientCheckpointing: checkpointing,
        }
      : null;

  async function onRegisterPreset() {
    const result = await createBase.mutate({ input: { name: preset, preset } });
    if (result) {
      await refetch();
      setBaseModelId(result.createBaseModel.id);
    }
  }

  const variantInputs = variants.map((v) =>
    v.peft
      ? pastedVariantInput(v.name.trim() || null, v.peft)
      : {
          name: v.name.trim() || null,
          method: methodObject(v.method, fieldsOf.get(v.method) ?? [], v.values),
          sweep: variantSweep(fieldsOf.get(v.method) ?? [], v.values),
        },
  );
  const sweeping =
    Object.keys(hpSweep).length > 0 || variantInputs.some((v) => "sweep" in v && v.sweep !== null);
  const input = {
    name: name.trim(),
    description,
    datasetId,
    baseModelId,
    hyperparameters: {
      steps: num("steps"),
      learningRate: num("learningRate"),
      batchSize: num("batchSize"),
      seqLen: num("seqLen"),
      seed: num("seed"),
      evalEvery: num("evalEvery"),
      warmupSteps: num("warmupSteps"),
      gradientAccumulation: num("gradientAccumulation"),
      checkpointEvery: num("checkpointEvery"),
      optimizer,
      dtype,
      gradientCheckpointing: checkpointing,
      samplePrompts: prompts.split("\n").filter((p) => p.trim() !== ""),
      generalDatasetId: generalDatasetId || null,
    },
    variants: variantInputs,
    sweep: sweeping
      ? {
          strategy: sweepSettings.strategy,
          parameters: hpSweep,
          count: sweepSettings.strategy === "RANDOM" ? Number(sweepSettings.count) : null,
          seed: sweepSettings.strategy === "RANDOM" ? Number(sweepSettings.seed) : null,
        }
      : null,
  };
  // The server plans the sweep as createExperiment would (same validation): the count and names shown are its.
  const planWanted =
    sweeping && datasetId && baseModelId ? JSON.stringify({ ...input, name: input.name || "preview" }) : null;
  const planKey = useDebounced(planWanted, 300);
  const plan = useQuery(PlanExperiment, planKey === null ? null : { input: JSON.parse(planKey) });
  const planCurrent = planKey === planWanted && !plan.loading;

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    const result = await create.mutate({ input });
    if (result) router.push(`/compare?experiment=${result.createExperiment.id}`);
  }
  const runCount = !sweeping
    ? variants.length
    : planCurrent
      ? plan.data?.planExperiment.runs.length
      : undefined;

  const errorField = create.error?.field;
  return (
    <>
      <h1>New experiment</h1>
      <ErrorMessage error={error} context="Could not load the form's data" />
      {data && datasets.length === 0 ? (
        <div className="notice">
          There is no dataset yet: <Link href="/datasets">upload one</Link> first.
        </div>
      ) : null}
      <form onSubmit={onSubmit} aria-describedby="create-error">
        <div className="two-col">
          <section className="card" aria-labelledby="what-title">
            <h2 id="what-title" style={{ marginTop: 0 }}>
              What to train
            </h2>
            <div className="field">
              <label htmlFor="exp-name">Name</label>
              <input
                id="exp-name"
                type="text"
                required
                value={name}
                aria-invalid={errorField === "name" || undefined}
                onChange={(e) => setName(e.target.value)}
              />
            </div>
            <div className="field">
              <label htmlFor="exp-description">Description</label>
              <input
                id="exp-description"
                type="text"
                value={description}
                onChange={(e) => setDescription(e.target.value)}
              />
            </div>
            <div className="field">
              <label htmlFor="exp-dataset">Dataset</label>
              <select
                id="exp-dataset"
                required
                value={datasetId}
                onChange={(e) => setDatasetId(e.target.value)}
              >
                <option value="">Choose…</option>
                {datasets.map((d) => (
                  <option key={d.id} value={d.id}>
                    {d.name} ({d.rowCount} rows)
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="exp-general">
                Forgetting set <span className="hint">(general text; loss before vs after)</span>
              </label>
              <select
                id="exp-general"
                value={generalDatasetId}
                onChange={(e) => setGeneralDatasetId(e.target.value)}
              >
                <option value="">None</option>
                {datasets.map((d) => (
                  <option key={d.id} value={d.id}>
                    {d.name}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="exp-base">Base model</label>
              <select
                id="exp-base"
                required
                value={baseModelId}
                onChange={(e) => setBaseModelId(e.target.value)}
              >
                <option value="">Choose…</option>
                {baseModels.map((b) => (
                  <option key={b.id} value={b.id}>
                    {b.name}
                    {b.status === "PENDING" ? " (pretraining)" : ""}
                  </option>
                ))}
              </select>
            </div>
            <div className="row">
              <div className="field" style={{ flex: "1 1 200px" }}>
                <label htmlFor="exp-preset">Or add a base model from a preset</label>
                <select id="exp-preset" value={preset} onChange={(e) => setPreset(e.target.value)}>
                  {(data?.modelPresets ?? []).map((p) => (
                    <option key={p.name} value={p.name}>
                      {p.name} ({formatCount(p.parameters)} params{p.local ? ", trains here" : ""})
                    </option>
                  ))}
                </select>
              </div>
              <button
                type="button"
                className="secondary"
                disabled={createBase.pending}
                onClick={onRegisterPreset}
              >
                Add base model
              </button>
            </div>
            <ErrorMessage error={createBase.error} context="Could not add the base model" />
          </section>
          <section className="card" aria-labelledby="hp-title">
            <h2 id="hp-title" style={{ marginTop: 0 }}>
              Hyperparameters (shared by every run)
            </h2>
            <p className="muted" style={{ marginTop: -6 }}>
              A list such as <code>1e-4, 3e-4</code> sweeps a field: one run per value (here and in the
              methods' numeric fields).
            </p>
            <div className="grid" style={{ gridTemplateColumns: "repeat(auto-fill, minmax(150px, 1fr))" }}>
              {HYPERPARAMETERS.map((h) => (
                <div className="field" key={h.name}>
                  <label htmlFor={`hp-${h.name}`}>
                    {h.label} {"hint" in h ? <span className="hint">({h.hint})</span> : null}
                  </label>
                  <input
                    id={`hp-${h.name}`}
                    type={"sweep" in h ? "text" : "number"}
                    inputMode={"sweep" in h ? "decimal" : undefined}
                    required
                    value={hp[h.name]}
                    aria-invalid={errorField === `hyperparameters.${h.name}` || undefined}
                    onChange={(e) => setHp({ ...hp, [h.name]: e.target.value })}
                  />
                </div>
              ))}
              <div className="field">
                <label htmlFor="hp-optimizer">Optimizer</label>
                <select id="hp-optimizer" value={optimizer} onChange={(e) => setOptimizer(e.target.value)}>
                  <option value="adamw">AdamW</option>
                  <option value="sgd">SGD</option>
                  <option value="sgd-momentum">SGD with momentum</option>
                </select>
              </div>
              <div className="field">
                <label htmlFor="hp-dtype">Dtype</label>
                <select id="hp-dtype" value={dtype} onChange={(e) => setDtype(e.target.value)}>
                  <option value="float32">float32</option>
                  <option value="bfloat16">bfloat16</option>
                  <option value="float16">float16</option>
                </select>
              </div>
            </div>
            <label className="check">
              <input
                type="checkbox"
                checked={checkpointing}
                onChange={(e) => setCheckpointing(e.target.checked)}
              />
              Gradient checkpointing (recompute activations in the backward pass)
            </label>
            <div className="field" style={{ marginTop: 10 }}>
              <label htmlFor="hp-prompts">
                Sample prompts <span className="hint">(one per line; generated at each eval)</span>
              </label>
              <textarea
                id="hp-prompts"
                rows={3}
                value={prompts}
                onChange={(e) => setPrompts(e.target.value)}
              />
            </div>
          </section>
        </div>

        <h2>Methods to compare</h2>
        <p className="muted">
          Each method becomes one run. The estimate (from the same core code the server and runners use)
          updates as you edit.
        </p>
        <MemoryLegend />
        <div
          className="grid"
          style={{ gridTemplateColumns: "repeat(auto-fill, minmax(340px, 1fr))", marginTop: 8 }}
        >
          {variants.map((v, index) => {
            const fields = fieldsOf.get(v.method) ?? [];
            const info = methods.find((m) => m.method === v.method);
            const pasted = v.peft ? pastedMethod(v.peft) : null;
            const method = pasted
              ? "method" in pasted
                ? pasted.method
                : null
              : methodObject(v.method, fields, v.values);
            return (
              <fieldset key={v.uid} className="card variant" data-testid="variant">
                <legend>
                  <strong>{info?.name ?? v.method}</strong>
                </legend>
                <div className="field">
                  <label htmlFor={`v${v.uid}-name`}>Run name</label>
                  <input
                    id={`v${v.uid}-name`}
                    type="text"
                    value={v.name}
                    onChange={(e) => updateVariant(v.uid, { name: e.target.value })}
                  />
                </div>
                {v.peft ? (
                  <PastedPeftFields
                    uid={v.uid}
                    pasted={v.peft}
                    onChange={(peft) => updateVariant(v.uid, { peft })}
                  />
                ) : null}
                {(v.peft ? [] : fields).map((f) => {
                  const id = `v${v.uid}-${f.name}`;
                  const invalid = errorField === `variants[${index}].method.${f.name}` || undefined;
                  const value = v.values[f.name];
                  const set = (nv: string | boolean) =>
                    updateVariant(v.uid, { values: { ...v.values, [f.name]: nv } });
                  if (f.type === "boolean") {
                    return (
                      <label key={f.name} className="check" title={f.description}>
                        <input
                          id={id}
                          type="checkbox"
                          checked={value === true}
                          onChange={(e) => set(e.target.checked)}
                        />
                        {f.name}
                      </label>
                    );
                  }
                  return (
                    <div className="field" key={f.name}>
                      <label htmlFor={id}>
                        {f.name} <span className="hint">{f.description}</span>
                      </label>
                      {f.type === "enum" && f.allowed ? (
                        <select id={id} value={String(value)} onChange={(e) => set(e.target.value)}>
                          {f.default == null ? <option value="">default</option> : null}
                          {f.allowed.map((a) => (
                            <option key={a} value={a}>
                              {a}
                            </option>
                          ))}
                        </select>
                      ) : (
                        <input
                          id={id}
                          type="text"
                          inputMode={f.type === "integer" || f.type === "number" ? "decimal" : undefined}
                          placeholder={f.default == null ? "derived" : undefined}
                          value={String(value ?? "")}
                          aria-invalid={invalid}
                          onChange={(e) => set(e.target.value)}
                        />
                      )}
                    </div>
                  );
                })}
                <EstimatePanel
                  scaleMax={scaleMax}
                  onTotal={(bytes) =>
                    setTotals((t) => (t[v.uid] === bytes ? t : { ...t, [v.uid]: bytes ?? 0 }))
                  }
                  label={v.name || v.method}
                  input={estimateBase && method ? { ...estimateBase, method } : null}
                  fitHref={`/fit?${new URLSearchParams({ baseModel: baseModelId, dtype, optimizer, methods: v.method })}`}
                />
                <button
                  type="button"
                  className="danger"
                  style={{ marginTop: 8 }}
                  onClick={() => setVariants(variants.filter((x) => x.uid !== v.uid))}
                >
                  Remove<span className="sr-only"> {v.name}</span>
                </button>
              </fieldset>
            );
          })}
        </div>
        <div className="row" style={{ marginTop: 12 }}>
          <label htmlFor="add-method" className="sr-only">
            Method to add
          </label>
          <select
            id="add-method"
            value={addMethod}
            onChange={(e) => setAddMethod(e.target.value)}
            style={{ width: "auto" }}
          >
            {methods.map((m) => (
              <option key={m.method} value={m.method}>
                {m.name}
              </option>
            ))}
          </select>
          <button type="button" className="secondary" onClick={addVariant} disabled={methods.length === 0}>
            Add method
          </button>
        </div>
        <PeftPaste
          onAdd={(peft, method) => {
            const taken = new Set(variants.map((v) => v.name));
            let vname = `${method}-peft`;
            for (let i = 2; taken.has(vname); i++) vname = `${method}-peft-${i}`;
            setVariants([...variants, { uid: nextUid++, method, name: vname, values: {}, peft }]);
          }}
        />
        {sweeping ? (
          <SweepCard
            settings={sweepSettings}
            onChange={setSweepSettings}
            plan={plan.data?.planExperiment}
            error={plan.error}
            current={planCurrent}
          />
        ) : null}
        <div id="create-error">
          <ErrorMessage error={create.error} context="Could not create the experiment" />
        </div>
        <div className="row" style={{ marginTop: 16 }}>
          <button
            type="submit"
            disabled={create.pending || variants.length === 0 || !datasetId || !baseModelId}
          >
            {create.pending ? "Creating…" : `Create experiment (${runCount ?? "…"} runs)`}
          </button>
        </div>
      </form>
    </>
  );
}
