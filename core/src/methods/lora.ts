import { describe, type FieldReader } from "../fields.js";
import { readTargets } from "./read-targets.js";
import { DEFAULT_LORA_TARGETS } from "./targets.js";
import type { ComputeDtype, LoraBias, LoraFields, LoraLikeConfig } from "./types.js";

export const LORA_BIAS_VALUES: readonly LoraBias[] = ["none", "all", "lora_only"];
export const COMPUTE_DTYPES: readonly ComputeDtype[] = ["float32", "bfloat16", "float16"];

/**
 * LoraConfig's fields with PEFT's defaults (r 8, alpha 8, dropout 0, bias "none", no rsLoRA, q/v). The
 * per-module keys (rank_pattern, alpha_pattern, layers_to_transform, layers_pattern) are kept only when
 * given, as PEFT leaves them empty by default.
 */
export function readLoraFields(f: FieldReader): LoraFields {
  const fields: LoraFields = {
    r: f.int("r", { min: 1, fallback: 8 }),
    lora_alpha: f.num("lora_alpha", { min: 0, exclusiveMin: true, fallback: 8 }),
    lora_dropout: f.num("lora_dropout", { min: 0, max: 0.99, fallback: 0 }),
    target_modules: readTargets(f, "target_modules", [...DEFAULT_LORA_TARGETS]),
    bias: f.oneOf("bias", LORA_BIAS_VALUES, "none"),
    use_rslora: f.bool("use_rslora", false),
  };
  const rankPattern = readPattern(f, "rank_pattern", true);
  if (rankPattern) fields.rank_pattern = rankPattern;
  const alphaPattern = readPattern(f, "alpha_pattern", false);
  if (alphaPattern) fields.alpha_pattern = alphaPattern;
  const layers = readLayers(f);
  if (layers) fields.layers_to_transform = layers;
  const layersPattern = readLayersPattern(f);
  if (layersPattern) fields.layers_pattern = layersPattern;
  // peft/tuners/lora/config.py LoraConfig.__post_init__: the same three refusals.
  if (typeof fields.target_modules === "string" && layers) {
    f.fail("layers_to_transform", "layers_to_transform cannot be used when target_modules is a regex string");
  }
  if (typeof fields.target_modules === "string" && layersPattern) {
    f.fail("layers_pattern", "layers_pattern cannot be used when target_modules is a regex string");
  }
  if (layersPattern && !layers) {
    f.fail(
      "layers_pattern",
      "layers_pattern needs layers_to_transform (it only says where the layer index is)",
    );
  }
  return fields;
}

/** `{ "module name or regex": value }`: ranks are integers ≥ 1, alphas numbers > 0. Empty means unset. */
function readPattern(f: FieldReader, key: string, integer: boolean): Record<string, number> | undefined {
  const raw = f.source[key];
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== "object" || Array.isArray(raw)) {
    f.fail(key, `${key} must be an object mapping module names or regexes to numbers, got ${describe(raw)}`);
    return undefined;
  }
  const out: Record<string, number> = {};
  for (const [pattern, value] of Object.entries(raw as Record<string, unknown>)) {
    const ok =
      typeof value === "number" &&
      Number.isFinite(value) &&
      value > 0 &&
      (!integer || Number.isInteger(value));
    if (!ok) {
      f.fail(
        key,
        `${key}["${pattern}"] must be ${integer ? "an integer >= 1" : "a number > 0"}, got ${describe(value)}`,
      );
      continue;
    }
    try {
      new RegExp(pattern);
    } catch (e) {
      f.fail(key, `${key} key "${pattern}" is not a valid regular expression: ${(e as Error).message}`);
      continue;
    }
    out[pattern] = value;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** PEFT takes one index or a list; both mean "these layer indices". An empty list means unset. */
function readLayers(f: FieldReader): number[] | undefined {
  const raw = f.source.layers_to_transform;
  if (raw === undefined || raw === null) return undefined;
  const list = Array.isArray(raw) ? raw : [raw];
  if (!list.every((i) => typeof i === "number" && Number.isInteger(i) && i >= 0)) {
    f.fail(
      "layers_to_transform",
      `layers_to_transform must be a layer index or a list of them, got ${describe(raw)}`,
    );
    return undefined;
  }
  return list.length > 0 ? [...new Set(list as number[])] : undefined;
}

function readLayersPattern(f: FieldReader): string[] | undefined {
  const raw = f.source.layers_pattern;
  if (raw === undefined || raw === null) return undefined;
  const list = Array.isArray(raw) ? raw : [raw];
  if (!list.every((p) => typeof p === "string" && p.length > 0)) {
    f.fail(
      "layers_pattern",
      `layers_pattern must be a name such as "layers" or a list of them, got ${describe(raw)}`,
    );
    return undefined;
  }
  return list.length > 0 ? (list as string[]) : undefined;
}

/** The factor the LoRA branch is multiplied by: alpha/r, or alpha/√r with rsLoRA. */
export function loraScaling(m: Pick<LoraFields, "r" | "lora_alpha" | "use_rslora">): number {
  return m.use_rslora ? m.lora_alpha / Math.sqrt(m.r) : m.lora_alpha / m.r;
}

/** DoRA's magnitude vectors: the "dora" method, or LoRA/QLoRA with PEFT's use_dora. */
export function usesDora(m: LoraLikeConfig): boolean {
  return m.method === "dora" || m.use_dora === true;
}
