import { fromPeftConfig, ValidationError } from "@tunelab/core";
import { userInputError, validationInputError } from "../api/errors.js";
import type { VariantInput } from "./experiment.input.js";

/**
 * A variant's method from a pasted PEFT adapter_config.json (`peftConfig`, read by core's fromPeftConfig),
 * or as given (`method`). With both, `method` only says how the base is loaded (`{ method: "qlora",
 * bnb_4bit_… }`). Errors name `variants[i].peftConfig.<key>` for the pasted file and `variants[i].method.…`
 * for the rest, before anything is stored.
 */
export function resolveVariantMethod(v: VariantInput, at: string): Record<string, unknown> {
  if (v.peftConfig == null) {
    if (v.method == null) {
      throw userInputError("give the variant a method, or paste a PEFT adapter_config.json as peftConfig", {
        field: `${at}.method`,
      });
    }
    return v.method;
  }
  try {
    return { ...fromPeftConfig(v.peftConfig, undefined, v.method ?? undefined) };
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    throw validationInputError(e, (field) =>
      field.startsWith("method.") ? `${at}.${field}` : `${at}.peftConfig.${field}`,
    );
  }
}

/** Where errors about the variant's resolved method point: the pasted file when there is one. */
export function variantMethodField(v: VariantInput, at: string): string {
  return v.peftConfig == null ? `${at}.method` : `${at}.peftConfig`;
}
