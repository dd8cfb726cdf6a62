import type { FieldReader } from "../fields.js";
import type { SupportedModelType } from "../model/config.js";
import { readTargets } from "./read-targets.js";
import { DEFAULT_IA3_FEEDFORWARD, DEFAULT_IA3_TARGETS } from "./targets.js";
import type { Ia3Config } from "./types.js";

/** IA3's defaults depend on the model family; without a model, llama's are used. */
export function readIa3(f: FieldReader, modelType: SupportedModelType = "llama"): Ia3Config {
  const targetsGiven = f.has("target_modules");
  const target_modules = readTargets(f, "target_modules", [...DEFAULT_IA3_TARGETS[modelType]]);
  // PEFT: explicit targets without explicit feed-forward modules means none of them is feed-forward.
  const feedforward_modules = readTargets(
    f,
    "feedforward_modules",
    targetsGiven ? [] : [...DEFAULT_IA3_FEEDFORWARD],
    { allowEmpty: true },
  );
  if (Array.isArray(target_modules) && Array.isArray(feedforward_modules)) {
    const extra = feedforward_modules.filter((m) => !target_modules.includes(m));
    if (extra.length > 0) {
      f.fail(
        "feedforward_modules",
        `feedforward_modules must be a subset of target_modules; not targeted: ${extra.join(", ")}`,
      );
    }
  }
  return {
    method: "ia3",
    target_modules,
    feedforward_modules,
    init_ia3_weights: f.bool("init_ia3_weights", true),
  };
}
