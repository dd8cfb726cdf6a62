import { ValidationError } from "../errors.js";
import { describe, FieldReader } from "../fields.js";
import type { ModelConfig } from "../model/config.js";
import { ADAPTER_NON_LINEARITIES } from "./adapter.js";
import { parseMethodConfig } from "./parse.js";
import type { AdapterConfig, AdapterPlacement } from "./types.js";

/** The adapter name the engine exports under (`….adapters.tunelab.…`); an imported folder keeps its own. */
export const BOTTLENECK_ADAPTER_NAME = "tunelab";

/**
 * The BnConfig flags that tell the two configs the engine computes apart (adapter-hub/adapters
 * configuration/adapter_config.py): SeqBnConfig ("seq_bn", Pfeiffer) and DoubleSeqBnConfig
 * ("double_seq_bn", Houlsby).
 */
const PLACEMENTS: Record<AdapterPlacement, { mh_adapter: boolean; original_ln_before: boolean }> = {
  pfeiffer: { mh_adapter: false, original_ln_before: true },
  houlsby: { mh_adapter: true, original_ln_before: false },
};

/**
 * BnConfig fields that change what the adapter computes, with the one value the engine implements (both
 * named configs' defaults). Fields only read at initialisation (init_weights, phm_* while phm_layer is
 * false) do not matter for a trained adapter and are not read.
 */
const FIXED: Record<string, unknown> = {
  output_adapter: true,
  original_ln_after: true,
  ln_before: false,
  ln_after: false,
  is_parallel: false,
  scaling: 1.0,
  use_gating: false,
  residual_before_ln: true,
  adapter_residual_before_ln: false,
  inv_adapter: null,
  cross_adapter: false,
  leave_out: [],
  dropout: 0.0,
  phm_layer: false,
  stochastic_depth: 0.0,
};

/** A name that sits between dots in the adapter's tensor names. */
const adapterNamePattern = /^[A-Za-z0-9_-]{1,64}$/;

export interface BottleneckFolderConfig {
  method: AdapterConfig;
  /** The adapter's name in its tensor names (`model.layers.0.output_adapters.adapters.<name>.…`). */
  name: string;
}

/**
 * The adapters library's adapter_config.json (`build_full_config`: model_type, hidden_size, name,
 * model_class, version and `config`, the BnConfig as `asdict` writes it) → a Tunelab bottleneck adapter.
 * Only what the engine computes is accepted: SeqBnConfig or DoubleSeqBnConfig flags, one
 * reduction_factor for every layer, a non_linearity the engine has; anything else is a ValidationError
 * naming `config.<key>` (or the top-level key). `hidden_size` must be the base model's.
 */
export function fromBottleneckConfig(json: unknown, model?: ModelConfig): BottleneckFolderConfig {
  const top = FieldReader.of(json, "adapter_config.json", "adapter_config");
  const name = top.source.name;
  if (typeof name !== "string" || !adapterNamePattern.test(name)) {
    top.fail("name", `name must be the adapter's name (letters, digits, _ or -), got ${describe(name)}`);
  }
  if (model !== undefined && top.source.hidden_size !== model.hidden_size) {
    top.fail(
      "hidden_size",
      `hidden_size ${describe(top.source.hidden_size)} is not this base model's (${model.hidden_size})`,
    );
  }
  top.done();
  const f = FieldReader.of(top.source.config, "adapter_config.json's config", "config");
  const src = f.source;
  const issues: { field: string; message: string }[] = [];
  const fail = (key: string, message: string) => issues.push({ field: `config.${key}`, message });

  if (src.architecture !== undefined && src.architecture !== null && src.architecture !== "bottleneck") {
    fail("architecture", `architecture ${describe(src.architecture)} is not a bottleneck adapter`);
  }
  const placement = (Object.keys(PLACEMENTS) as AdapterPlacement[]).find(
    (p) =>
      src.mh_adapter === PLACEMENTS[p].mh_adapter &&
      src.original_ln_before === PLACEMENTS[p].original_ln_before,
  );
  if (placement === undefined) {
    fail(
      "mh_adapter",
      `mh_adapter ${describe(src.mh_adapter)} with original_ln_before ${describe(src.original_ln_before)} is neither seq_bn (Pfeiffer: false, true) nor double_seq_bn (Houlsby: true, false), the two bottleneck configs Tunelab computes`,
    );
  }
  for (const [key, want] of Object.entries(FIXED)) {
    const v = src[key];
    const same = Array.isArray(want) ? Array.isArray(v) && v.length === 0 : v === want;
    if (v !== undefined && !same) {
      fail(
        key,
        `${key} ${describe(v)} is not supported by Tunelab's bottleneck adapter; it computes ${JSON.stringify(want)}`,
      );
    }
  }
  const rf = src.reduction_factor;
  if (typeof rf !== "number" || !Number.isFinite(rf) || rf <= 0) {
    fail("reduction_factor", `reduction_factor must be one number > 0 for every layer, got ${describe(rf)}`);
  }
  const act = src.non_linearity;
  if (typeof act !== "string" || !(ADAPTER_NON_LINEARITIES as readonly string[]).includes(act)) {
    fail(
      "non_linearity",
      `non_linearity must be one of ${ADAPTER_NON_LINEARITIES.map((a) => `"${a}"`).join(", ")}, got ${describe(act)}`,
    );
  }
  if (issues.length > 0) throw new ValidationError(issues);
  try {
    const method = parseMethodConfig(
      { method: "adapter", placement, reduction_factor: rf, non_linearity: act },
      model,
    ) as AdapterConfig;
    return { method, name: name as string };
  } catch (e) {
    throw e instanceof ValidationError ? e.under("config") : e;
  }
}
