// A variant from a pasted PEFT adapter_config.json: what it trains as (core's fromPeftConfig, the code the
// server runs) and what the form sends (the pasted file itself, so the server's errors name its keys).
import { fromPeftConfig } from "@tunelab/core/dist/methods/peft-config.js";

export interface PastedPeft {
  config: Record<string, unknown>;
  /** LORA only: train it over an NF4 base (QLoRA; QDoRA with use_dora). */
  overNf4: boolean;
}

/** The pasted text as a PastedPeft, or why not (not JSON, not an object, or core's error with its field). */
export function readPasted(text: string): { pasted: PastedPeft; method: string } | { error: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { error: `not JSON: ${(e as Error).message}` };
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    return { error: "adapter_config.json must be a JSON object" };
  }
  const pasted = { config: json as Record<string, unknown>, overNf4: false };
  const read = pastedMethod(pasted);
  return "error" in read ? read : { pasted, method: String(read.method.method) };
}

/** The method the pasted file trains as (for the preview and the estimate), or core's error. */
export function pastedMethod(p: PastedPeft): { method: Record<string, unknown> } | { error: string } {
  try {
    const method = fromPeftConfig(p.config, undefined, p.overNf4 ? { method: "qlora" } : undefined);
    return { method: { ...method } };
  } catch (e) {
    const field = (e as { field?: string }).field;
    return { error: `${field ? `${field}: ` : ""}${(e as Error).message}` };
  }
}

/** The createExperiment variant: the pasted file as peftConfig, and `method` only to ask for QLoRA. */
export function pastedVariantInput(name: string | null, p: PastedPeft) {
  return { name, peftConfig: p.config, method: p.overNf4 ? { method: "qlora" } : null };
}
