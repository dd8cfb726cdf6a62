import * as tf from "@tensorflow/tfjs";
import {
  assertMergeable,
  type Ia3Config,
  isLoraLike,
  type LoraLikeConfig,
  loraTargets,
  usesDora,
} from "@tunelab/core";
import { targetLinears } from "./methods/peft-common.js";
import type { Model } from "./model.js";
import { PEFT_PREFIX, type PeftMethod } from "./peft-hooks.js";

/**
 * PEFT's merge_and_unload for the methods that change only linear weights, so that the plain forward pass
 * of the result computes what the base with the adapter computed:
 *
 * - LoRA (peft/tuners/lora/layer.py Linear.merge, get_delta_weight): W += s·B·A, s = alpha/r (alpha/√r with
 *   use_rslora) per module after rank_pattern/alpha_pattern. fan_in_fan_out is always false here: core
 *   refuses it, and PEFT itself forces it off for nn.Linear, which every Llama linear is.
 * - DoRA (variants.py DoraLinearVariant.merge_safe): W ← m/‖W + s·B·A‖ · (W + s·B·A), the norm per output row
 *   (dora.py get_weight_norm, dim 1 of the [out, in] weight); the bias is untouched, as DoRA's forward
 *   subtracts it before scaling.
 * - IA3 (peft/tuners/ia3/layer.py Linear.merge): W ⊙ ia3_l, which scales the input columns of a
 *   feed-forward module ([1, in]) and the output rows of the others ([out, 1]), whose bias is scaled too.
 * - LoRA/DoRA biases trained with `bias` "all" or "lora_only" are the model's own variables, already holding
 *   the trained values.
 *
 * Every base weight is read as the forward pass read it: a compactly stored one (QLoRA's NF4, a 16-bit
 * run's storage) is dequantised and the result is float32. So a QLoRA adapter merges into the dequantised
 * NF4 base it was trained against, every decoder linear becoming its dequantised self — what PEFT's
 * Linear4bit.merge computes before it re-quantises to 4 bits; we keep float32, so the merged model gives
 * the QLoRA forward's logits instead of a rounding of them.
 *
 * Consumes `method` (disposed) and changes `model`'s weights in place; returns the model. Other methods
 * (prefix, prompt, bottleneck adapters, full) are a ValidationError on `method` saying why merging does
 * not apply (core's mergeRefusal).
 */
export function mergeAndUnload(model: Model, method: PeftMethod): Model {
  const config = method.config;
  assertMergeable(config.method);
  try {
    for (const name of method.replacedWeights) unpack(model, method, name);
    if (isLoraLike(config)) mergeLora(model, method, config);
    else mergeIa3(model, method, config as Ia3Config);
  } finally {
    method.dispose();
  }
  return model;
}

/** The float32 weight the forward pass read instead of the model's copy, as the model's variable. */
function unpack(model: Model, method: PeftMethod, name: string): void {
  const compact = method.hooks.compactWeight?.(name);
  if (!compact) return;
  const w = compact.dequantize();
  model.weights.get(name)?.dispose();
  model.weights.set(name, tf.variable(w, true));
  w.dispose();
}

function mergeLora(model: Model, method: PeftMethod, config: LoraLikeConfig): void {
  const dora = usesDora(config);
  for (const t of loraTargets(model.config, config).filter((t) => t.layer !== null)) {
    const at = `${PEFT_PREFIX}${t.fullName}`;
    const a = method.trainable.get(`${at}.lora_A.weight`)!;
    const b = method.trainable.get(`${at}.lora_B.weight`)!;
    const w = model.weights.get(`${t.fullName}.weight`)!;
    tf.tidy(() => {
      const merged = tf.add(w, tf.mul(tf.matMul(b, a), t.scaling)); // W + s·B·A
      if (!dora) return w.assign(merged);
      const m = method.trainable.get(`${at}.lora_magnitude_vector`)!;
      const norm = tf.norm(merged, "euclidean", 1); // [out]
      w.assign(tf.mul(merged, tf.reshape(tf.div(m, norm), [-1, 1])));
    });
  }
}

function mergeIa3(model: Model, method: PeftMethod, config: Ia3Config): void {
  const ff = new Set(
    targetLinears(model.config, config.feedforward_modules, "feedforward_modules").map((t) => t.fullName),
  );
  for (const t of targetLinears(model.config, config.target_modules)) {
    const l = method.trainable.get(`${PEFT_PREFIX}${t.fullName}.ia3_l`)!; // [1, in] or [out, 1]
    const w = model.weights.get(`${t.fullName}.weight`)!;
    tf.tidy(() => w.assign(tf.mul(w, l)));
    const bias = model.weights.get(`${t.fullName}.bias`);
    if (bias && !ff.has(t.fullName)) tf.tidy(() => bias.assign(tf.mul(bias, tf.reshape(l, [-1]))));
  }
}
