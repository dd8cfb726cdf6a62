import type { FieldReader } from "../fields.js";
import type { AdapterConfig, AdapterNonLinearity, AdapterPlacement } from "./types.js";

export const ADAPTER_PLACEMENTS: readonly AdapterPlacement[] = ["pfeiffer", "houlsby"];
export const ADAPTER_NON_LINEARITIES: readonly AdapterNonLinearity[] = ["relu", "swish", "gelu", "tanh"];
/** The adapters library's defaults: SeqBnConfig (Pfeiffer) uses relu, DoubleSeqBnConfig (Houlsby) swish. */
export const DEFAULT_NON_LINEARITY: Record<AdapterPlacement, AdapterNonLinearity> = {
  pfeiffer: "relu",
  houlsby: "swish",
};
export const DEFAULT_REDUCTION_FACTOR = 16;

export function readAdapter(f: FieldReader): AdapterConfig {
  const placement = f.oneOf("placement", ADAPTER_PLACEMENTS, "pfeiffer");
  const non_linearity = f.oneOf("non_linearity", ADAPTER_NON_LINEARITIES, DEFAULT_NON_LINEARITY[placement]);
  if (f.has("bottleneck_size") && f.has("reduction_factor")) {
    f.fail("bottleneck_size", "give bottleneck_size or reduction_factor, not both");
  }
  if (f.has("bottleneck_size")) {
    return {
      method: "adapter",
      placement,
      bottleneck_size: f.int("bottleneck_size", { min: 1 }),
      non_linearity,
    };
  }
  return {
    method: "adapter",
    placement,
    reduction_factor: f.num("reduction_factor", {
      min: 0,
      exclusiveMin: true,
      fallback: DEFAULT_REDUCTION_FACTOR,
    }),
    non_linearity,
  };
}

/**
 * Bottleneck width m: the given size, or `int(hidden_size // reduction_factor)` as the adapters library
 * computes it (methods/bottleneck.py `BottleneckLayer.add_adapter`) — Python's float floor division, which
 * is not always ⌊d / r⌋: 32 // 6.4 is 4, while 32 / 6.4 rounds to 5.
 */
export function bottleneckSize(m: AdapterConfig, hidden: number): number {
  return m.bottleneck_size ?? pythonFloorDiv(hidden, m.reduction_factor!);
}

/**
 * A reduction_factor for which the adapters library's `int(hidden_size // reduction_factor)` is exactly
 * `size`: d / (m + ½), well inside the interval (d / (m + 1), d / m] that floors to m.
 */
export function reductionFactorFor(size: number, hidden: number): number {
  return hidden / (size + 0.5);
}

/** CPython's float `a // b` for positive operands (floatobject.c `float_floor_div`: via fmod, then floor). */
function pythonFloorDiv(a: number, b: number): number {
  const mod = a % b;
  const div = (a - mod) / b;
  const floor = Math.floor(div);
  return div - floor > 0.5 ? floor + 1 : floor;
}

/** Adapters per decoder layer: Pfeiffer one (after the MLP), Houlsby two (after attention and after the MLP). */
export function adaptersPerLayer(m: AdapterConfig): number {
  return m.placement === "houlsby" ? 2 : 1;
}
