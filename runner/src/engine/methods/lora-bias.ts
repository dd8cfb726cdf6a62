import type * as tf from "@tensorflow/tfjs";
import type { LoraBias } from "@tunelab/core";
import type { BaseModel } from "../peft-hooks.js";
import { PEFT_PREFIX } from "../peft-hooks.js";
import { assignAll } from "./peft-common.js";

/**
 * LoRA's `bias` option: which of the model's own biases train, under the names PEFT saves them with.
 * peft/tuners/tuners_utils.py BaseTuner._mark_only_adapters_as_trainable: "all" unfreezes every
 * parameter named `bias`, "lora_only" the bias of each tuner layer. Since PEFT 0.7 a tuner layer keeps the
 * wrapped linear as `base_layer`, so a targeted module's bias is `….q_proj.base_layer.bias` in its state
 * dict, and BaseTuner._get_learnable_bias_state_dict saves it under that name; a bias of a module that is
 * not wrapped ("all" only) keeps its plain name `….k_proj.bias`.
 */
export function trainableBiases(
  model: BaseModel,
  bias: LoraBias,
  wrapped: ReadonlySet<string>,
): Map<string, tf.Variable> {
  const out = new Map<string, tf.Variable>();
  if (bias === "none") return out;
  for (const [name, v] of model.weights) {
    if (!name.endsWith(".bias")) continue;
    const module = name.slice(0, -".bias".length);
    if (bias === "lora_only" && !wrapped.has(module)) continue;
    out.set(peftBiasName(module, wrapped.has(module)), v as tf.Variable);
  }
  return out;
}

/** A module's bias as PEFT ≥ 0.7 names it in adapter_model.safetensors (see trainableBiases). */
export function peftBiasName(module: string, wrapped: boolean): string {
  return `${PEFT_PREFIX}${module}${wrapped ? ".base_layer" : ""}.bias`;
}

/**
 * importAdapter for the LoRA family: every trainable tensor by its PEFT name. A folder written before
 * PEFT 0.7 (or by Tunelab before it followed it) names a wrapped module's bias `….q_proj.bias`; that name
 * is read when the `base_layer` one is absent, so old folders still load.
 */
export function assignLoraTensors(
  trainable: Map<string, tf.Variable>,
  tensors: Map<string, tf.Tensor>,
): void {
  assignAll(trainable, tensors, (name) => {
    if (!name.endsWith(".base_layer.bias") || tensors.has(name)) return name;
    const legacy = `${name.slice(0, -".base_layer.bias".length)}.bias`;
    return tensors.has(legacy) ? legacy : name;
  });
}
