import type { SweepValue } from "./spec.js";

/** Short labels for the long field names, as people write them in run names ("lr=1e-4"). */
const SHORT: Record<string, string> = {
  learningRate: "lr",
  batchSize: "bs",
  seqLen: "seq",
  gradientAccumulation: "accum",
  warmupSteps: "warmup",
  gradientCheckpointing: "ckpt",
  lora_alpha: "alpha",
  lora_dropout: "dropout",
  num_virtual_tokens: "tokens",
  target_modules: "targets",
  reduction_factor: "rf",
  bottleneck_size: "bottleneck",
};

/** 1e-4 → "1e-4", 0.5 → "0.5", 16 → "16", ["q_proj","v_proj"] → "q_proj,v_proj". */
export function formatSweepValue(v: SweepValue): string {
  if (Array.isArray(v)) return v.join(",");
  if (typeof v !== "number" || Number.isInteger(v) || v === 0) return String(v);
  const abs = Math.abs(v);
  return abs < 1e-3 || abs >= 1e6 ? v.toExponential().replace("e+", "e") : String(v);
}

/**
 * A run's name from what varies: `lora r=4 lr=1e-4`. `variantName` is the name the variant was given (null,
 * or its own method's name, when none); `varying` are the swept fields with more than one value (one value
 * is the same in every run and says nothing), in sweep order. The method leads unless a custom name does.
 */
export function sweepRunName(
  variantName: string | null,
  method: string,
  varying: readonly (readonly [string, SweepValue])[],
): string {
  const words = variantName ? [variantName] : [];
  const methodVaries = varying.some(([key]) => key === "method");
  if ((!variantName || methodVaries) && variantName !== method) words.push(method);
  for (const [key, value] of varying) {
    if (key !== "method") words.push(`${SHORT[key] ?? key}=${formatSweepValue(value)}`);
  }
  return words.join(" ");
}
