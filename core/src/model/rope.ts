import type { FieldIssue } from "../errors.js";
import { describe, FieldReader } from "../fields.js";

/**
 * The rotary-embedding types the engine computes: transformers' `ROPE_INIT_FUNCTIONS`
 * (src/transformers/modeling_rope_utils.py) for Llama-family models, plus "default".
 */
export const SUPPORTED_ROPE_TYPES = ["default", "linear", "dynamic", "yarn", "longrope", "llama3"] as const;
export type RopeType = (typeof SUPPORTED_ROPE_TYPES)[number];

/**
 * A config's RoPE in transformers 5's flat `rope_parameters` shape: `rope_type`, `rope_theta` and the keys of
 * that type (see `_compute_<type>_parameters` in modeling_rope_utils.py for what each means).
 */
export interface RopeParameters {
  rope_type: RopeType;
  rope_theta: number;
  /** linear, dynamic, yarn, llama3 (required); longrope (optional). */
  factor?: number;
  /** llama3 (required), yarn (optional). */
  original_max_position_embeddings?: number;
  low_freq_factor?: number;
  high_freq_factor?: number;
  /** yarn, longrope: the cos/sin scale; derived from the factor when absent. */
  attention_factor?: number;
  beta_fast?: number;
  beta_slow?: number;
  mscale?: number;
  mscale_all_dim?: number;
  truncate?: boolean;
  /** longrope: one factor per frequency (head_dim / 2 each). */
  short_factor?: number[];
  long_factor?: number[];
}

/** The config.json key the RoPE dict was read from: transformers 4's `rope_scaling` or 5's `rope_parameters`. */
export type RopeLayout = "rope_scaling" | "rope_parameters";

const REQUIRED: Record<RopeType, (keyof RopeParameters)[]> = {
  default: [],
  linear: ["factor"],
  dynamic: ["factor"],
  yarn: ["factor"],
  longrope: ["short_factor", "long_factor"],
  llama3: ["factor", "original_max_position_embeddings", "low_freq_factor", "high_freq_factor"],
};

/**
 * Reads the RoPE of a config.json object (already known to be an object) as transformers does:
 * `rope_scaling or rope_parameters` (configuration_utils: the 4.x key wins), the type from `rope_type` or
 * its old name `type`, `rope_theta` from the dict or the top level (`standardize_rope_params`). Anything the
 * engine would not compute exactly as transformers does is an issue naming the key: an unknown type, a
 * missing or misshapen parameter, `partial_rotary_factor` ≠ 1, per-layer-type RoPE.
 */
export function readRope(
  src: Record<string, unknown>,
  dims: { headDim: number },
): { rope: RopeParameters; layout: RopeLayout | null; issues: FieldIssue[] } {
  const top = new FieldReader(src);
  const issues: FieldIssue[] = [];
  const partial = top.num("partial_rotary_factor", { fallback: 1 });
  if (partial !== 1 && !Number.isNaN(partial)) {
    top.fail(
      "partial_rotary_factor",
      `partial_rotary_factor ${partial} is not supported (RoPE on every dimension only)`,
    );
  }
  const theta = top.num("rope_theta", { min: 0, exclusiveMin: true, fallback: 10000 });
  issues.push(...top.issues);

  const layout: RopeLayout | null = isSet(src.rope_scaling)
    ? "rope_scaling"
    : isSet(src.rope_parameters)
      ? "rope_parameters"
      : null;
  if (layout === null) return { rope: { rope_type: "default", rope_theta: theta }, layout, issues };
  const raw = src[layout];
  if (typeof raw !== "object" || Array.isArray(raw)) {
    issues.push({ field: layout, message: `${layout} must be an object, got ${describe(raw)}` });
    return { rope: { rope_type: "default", rope_theta: theta }, layout, issues };
  }
  const dict = raw as Record<string, unknown>;
  const f = new FieldReader(dict);
  const perLayer = !("rope_type" in dict || "type" in dict) && Object.values(dict).some(isObject);
  if (perLayer) {
    f.fail(layout, `${layout} per layer type (${Object.keys(dict).join(", ")}) is not supported`);
    return { rope: { rope_type: "default", rope_theta: theta }, layout, issues: [...issues, ...f.issues] };
  }
  const typeKey = dict.rope_type !== undefined ? "rope_type" : "type";
  const type = dict[typeKey] ?? "default";
  if (typeof type !== "string" || !(SUPPORTED_ROPE_TYPES as readonly string[]).includes(type)) {
    f.fail(
      typeKey,
      `${layout}.${typeKey} ${describe(type)} is not supported; Tunelab computes ${SUPPORTED_ROPE_TYPES.join(", ")}`,
    );
    return {
      rope: { rope_type: "default", rope_theta: theta },
      layout,
      issues: [...issues, ...prefixed(f, layout)],
    };
  }
  const ropeType = type as RopeType;
  const rope: RopeParameters = {
    rope_type: ropeType,
    rope_theta: f.num("rope_theta", { min: 0, exclusiveMin: true, fallback: theta }),
  };
  for (const key of REQUIRED[ropeType]) {
    if (!f.has(key)) f.fail(key, `${layout}.${key} is required for rope_type "${ropeType}"`);
  }
  const positive = { min: 0, exclusiveMin: true, fallback: Number.NaN };
  const optionalNumber = (key: keyof RopeParameters) => {
    if (!f.has(key)) return;
    (rope as unknown as Record<string, unknown>)[key] = f.num(key, positive);
  };
  switch (ropeType) {
    case "linear":
    case "dynamic":
      optionalNumber("factor");
      break;
    case "llama3":
      for (const key of ["factor", "low_freq_factor", "high_freq_factor"] as const) optionalNumber(key);
      if (f.has("original_max_position_embeddings"))
        rope.original_max_position_embeddings = f.int("original_max_position_embeddings", { min: 1 });
      if ((rope.high_freq_factor ?? 0) <= (rope.low_freq_factor ?? 0) && f.has("high_freq_factor"))
        f.fail("high_freq_factor", `${layout}.high_freq_factor must be above low_freq_factor`);
      break;
    case "yarn":
      for (const key of [
        "factor",
        "attention_factor",
        "beta_fast",
        "beta_slow",
        "mscale",
        "mscale_all_dim",
      ] as const)
        optionalNumber(key);
      if (f.has("original_max_position_embeddings"))
        rope.original_max_position_embeddings = f.int("original_max_position_embeddings", { min: 1 });
      if (f.has("truncate")) rope.truncate = f.bool("truncate", true);
      break;
    case "longrope":
      optionalNumber("factor");
      optionalNumber("attention_factor");
      for (const key of ["short_factor", "long_factor"] as const) {
        const list = dict[key];
        const half = dims.headDim / 2;
        if (!f.has(key)) continue;
        if (
          !Array.isArray(list) ||
          list.length !== half ||
          !list.every((x) => typeof x === "number" && x > 0)
        ) {
          f.fail(
            key,
            `${layout}.${key} must be ${half} positive numbers (head_dim / 2), got ${describe(list)}`,
          );
        } else rope[key] = list as number[];
      }
      if (!f.has("factor") && !top.has("original_max_position_embeddings"))
        f.fail(
          "factor",
          `${layout}.factor is required for rope_type "longrope" without original_max_position_embeddings`,
        );
      break;
  }
  return { rope, layout, issues: [...issues, ...prefixed(f, layout)] };
}

function isObject(value: unknown): boolean {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isSet(value: unknown): boolean {
  return value !== undefined && value !== null;
}

function prefixed(f: FieldReader, layout: RopeLayout): FieldIssue[] {
  return f.issues.map((i) => ({
    field: `${layout}.${i.field}`,
    message: i.message.startsWith(layout) ? i.message : `${layout}.${i.message}`,
  }));
}
