import { ValidationError } from "../errors.js";
import type { MethodName } from "./types.js";

/**
 * Which methods' adapters merge into the base weights (PEFT's merge_and_unload), and why the others do
 * not: one statement for the server, which refuses a merge before queueing it, and the engine.
 * LoRA, DoRA and IA3 change only linear weights (W + s·B·A; m/‖W + s·B·A‖ per row; W scaled by a vector),
 * so a merged model is the same architecture with other numbers. QLoRA merges into the weights it trained
 * against: the dequantised NF4 base.
 */
export const MERGEABLE_METHODS: readonly MethodName[] = ["lora", "qlora", "dora", "ia3"];

const NOT_MERGEABLE: Record<Exclude<MethodName, "lora" | "qlora" | "dora" | "ia3">, string> = {
  full: "a full fine-tune's output is already a whole model; there is no adapter to merge",
  prefix:
    "prefix tuning adds learned keys and values before every layer's attention; no base weight can absorb them",
  prompt:
    "prompt tuning prepends learned virtual tokens to the input embeddings; no base weight can absorb them",
  adapter:
    "bottleneck adapters add new layers (a down and an up projection with a nonlinearity) after the sub-blocks; no base weight can absorb them",
};

/** Why `method` cannot be merged into its base model, or null when it can. */
export function mergeRefusal(method: string): string | null {
  if ((MERGEABLE_METHODS as readonly string[]).includes(method)) return null;
  const reason = (NOT_MERGEABLE as Record<string, string>)[method];
  return `merging does not apply to ${method}: ${reason ?? "it is not a method Tunelab knows"}; only ${MERGEABLE_METHODS.join(", ")} merge into the base weights`;
}

/** Throws a ValidationError on `field` when `method` cannot be merged. */
export function assertMergeable(method: string, field = "method"): void {
  const refusal = mergeRefusal(method);
  if (refusal !== null) throw new ValidationError({ field, message: refusal });
}

/**
 * Bytes a merge holds at its peak: the merged model in float32 and its serialised copy (model.safetensors
 * is built in memory before it is written; loading the base holds the same two), plus the adapter's tensors
 * in float32. QLoRA's NF4 storage is freed matrix by matrix as the float32 weights replace it, so it adds
 * less than one matrix to this.
 */
export function mergeMemoryBytes(totalParams: number, adapterParams: number): number {
  return 8 * totalParams + 4 * adapterParams;
}
