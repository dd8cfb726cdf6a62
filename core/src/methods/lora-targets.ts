import { ValidationError } from "../errors.js";
import type { ModelConfig } from "../model/config.js";
import type { NamedLinear } from "../model/modules.js";
import { matchTargets } from "./targets.js";
import type { LoraFields } from "./types.js";

/** A linear that gets a LoRA branch, with the rank, alpha and scaling PEFT gives that module. */
export interface LoraTarget extends NamedLinear {
  r: number;
  alpha: number;
  /** alpha/r, or alpha/√r with use_rslora. */
  scaling: number;
}

/**
 * The modules a LoRA-family config wraps, each with its own rank and alpha, by PEFT's rules:
 * target_modules (matchTargets), then layers_to_transform/layers_pattern
 * (peft/tuners/tuners_utils.py check_target_module_exists), then rank_pattern/alpha_pattern
 * (peft/tuners/lora/model.py LoraModel._create_and_replace with peft/utils/other.py get_pattern_key).
 * Stricter than PEFT where a typo would silently train something else: a layer index outside the model,
 * a layer filter that leaves nothing, or a pattern key that matches no targeted module is an error.
 */
export function loraTargets(model: ModelConfig, m: LoraFields): LoraTarget[] {
  const matched = matchTargets(model, m.target_modules, "target_modules");
  const layers = m.layers_to_transform;
  let kept = matched;
  if (layers !== undefined && Array.isArray(m.target_modules)) {
    const outside = layers.filter((i) => i >= model.num_hidden_layers);
    if (outside.length > 0) {
      throw new ValidationError({
        field: "layers_to_transform",
        message: `layers_to_transform: the model has layers 0…${model.num_hidden_layers - 1}, got ${outside.join(", ")}`,
      });
    }
    const entries = m.target_modules;
    // check_target_module_exists: a module named exactly in the list skips the layer filter.
    kept = matched.filter(
      (t) => entries.includes(t.fullName) || layers.includes(layerIndex(t.fullName, m.layers_pattern) ?? -1),
    );
    if (kept.length === 0) {
      throw new ValidationError({
        field: "layers_to_transform",
        message: `layers_to_transform [${layers.join(", ")}]${m.layers_pattern ? ` with layers_pattern ${JSON.stringify(m.layers_pattern)}` : ""} leaves no targeted module`,
      });
    }
  }
  const rankKeys = Object.keys(m.rank_pattern ?? {});
  const alphaKeys = Object.keys(m.alpha_pattern ?? {});
  const out = kept.map((t) => {
    const rKey = patternKey(rankKeys, t.fullName);
    const aKey = patternKey(alphaKeys, t.fullName);
    const r = rKey === undefined ? m.r : m.rank_pattern![rKey]!;
    const alpha = aKey === undefined ? m.lora_alpha : m.alpha_pattern![aKey]!;
    // B·A of rank r on an in×out linear: a rank above min(in, out) adds parameters and no expressiveness.
    const most = Math.min(t.inFeatures, t.outFeatures);
    if (r > most) {
      throw new ValidationError({
        field: rKey === undefined ? "r" : "rank_pattern",
        message: `r must be <= min(in, out) = ${most} of ${t.fullName} (${t.inFeatures}×${t.outFeatures}), got ${r}`,
      });
    }
    return { ...t, r, alpha, scaling: m.use_rslora ? alpha / Math.sqrt(r) : alpha / r };
  });
  for (const [field, keys] of [
    ["rank_pattern", rankKeys],
    ["alpha_pattern", alphaKeys],
  ] as const) {
    const unused = keys.filter((k) => !kept.some((t) => patternKey([k], t.fullName) !== undefined));
    if (unused.length > 0) {
      throw new ValidationError({
        field,
        message: `${field} key${unused.length > 1 ? "s" : ""} ${unused.map((k) => `"${k}"`).join(", ")} match${unused.length > 1 ? "" : "es"} no targeted module (keys match the end of a name such as model.layers.0.self_attn.q_proj)`,
      });
    }
  }
  return out;
}

/**
 * The decoder-layer index PEFT reads from a module name (check_target_module_exists): without
 * layers_pattern the first numbered segment (`.*?\.[^.]*\.(\d+)\.`), else the number after one of the
 * patterns (`.*?\.{pattern}\.(\d+)\.`). Python's re.match anchors at the start, hence the `^`.
 */
function layerIndex(fullName: string, patterns: string[] | undefined): number | null {
  const regexes =
    patterns === undefined
      ? [/^.*?\.[^.]*\.(\d+)\./]
      : patterns.map((p) => new RegExp(`^.*?\\.${p}\\.(\\d+)\\.`));
  for (const re of regexes) {
    const hit = re.exec(fullName);
    if (hit) return Number(hit[1]);
  }
  return null;
}

/** get_pattern_key: the first key k (in insertion order) with re.match(rf"(.*\.)?({k})$", name). */
function patternKey(keys: readonly string[], fullName: string): string | undefined {
  return keys.find((k) => new RegExp(`^(?:.*\\.)?(?:${k})$`).test(fullName));
}
