import type { QloraConfig } from "@tunelab/core";
import { usesDora } from "@tunelab/core";
import type { Model } from "../model.js";
import type { BaseModel, CompactWeight, MethodOptions, PeftMethod } from "../peft-hooks.js";
import { quantizeNf4 } from "../quant/nf4.js";
import { createDora } from "./dora.js";
import { nf4Weight, withCompactWeights } from "./frozen-storage.js";
import { createLora } from "./lora.js";
import { targetLinears } from "./peft-common.js";

/**
 * QLoRA (Dettmers et al.; PEFT LoRA over bitsandbytes Linear4bit): LoRA over a base whose decoder-layer
 * linear weights are stored as NF4, with optional double quantisation. The forward pass reads them
 * through the frozen-linear op, which dequantises each one inside its matmul (and again in the backward
 * pass), so no float32 copy waits on the tape. Embeddings, norms and lm_head are left to the run's dtype,
 * as bitsandbytes leaves them in the model's. With use_dora (QDoRA) the branch is DoRA's, its magnitudes
 * and weight norms taken from the dequantised NF4 weights (peft/tuners/lora/bnb.py Linear4bit with
 * DoraLinearVariant; dora.py dequantize_module_weight).
 */
export function createQlora(model: Model, config: QloraConfig, opts: MethodOptions): PeftMethod {
  const stored = quantizeLayerLinears(model, config.bnb_4bit_use_double_quant);
  const method = usesDora(config)
    ? createDora(model, config, opts, (name) => stored.get(name)!.dequantize())
    : createLora(model, config, opts);
  return withCompactWeights(method, stored);
}

/** NF4 copies of the decoder-layer linears of `base` by weight name (the float copies stay with the caller). */
function quantizeLayerLinears(base: BaseModel, doubleQuant: boolean): Map<string, CompactWeight> {
  const out = new Map<string, CompactWeight>();
  for (const t of targetLinears(base.config, "all-linear")) {
    const name = `${t.fullName}.weight`;
    const w = base.weights.get(name)!;
    out.set(name, nf4Weight(quantizeNf4(w.dataSync() as Float32Array, w.shape, { doubleQuant })));
  }
  return out;
}
