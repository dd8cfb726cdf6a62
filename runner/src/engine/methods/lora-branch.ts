import * as tf from "@tensorflow/tfjs";
import { type LoraLikeConfig, loraTargets, type ModelConfig, usesDora } from "@tunelab/core";
import { PEFT_PREFIX } from "../peft-hooks.js";
import { kaimingUniform, peftConfigBase } from "./peft-common.js";

/**
 * The LoRA branch every LoRA-family method (LoRA, QLoRA, DoRA) adds to its targets: A Kaiming-uniform
 * (a = √5), B zeros, scaling alpha/r (alpha/√r with use_rslora), dropout on the branch's input only.
 * Which modules, and each one's rank and alpha (rank_pattern, alpha_pattern, layers_to_transform), come
 * from core's loraTargets, which follows PEFT's matching.
 */

/** One LoRA pair per target, named as PEFT saves them (`base_model.model.<module>.lora_A.weight`). */
export interface LoraBranch {
  /** By full module name; `index` numbers the targets (dropout seeds). */
  pairs: Map<string, LoraPair>;
  trainable: Map<string, tf.Variable>;
  /** x, or dropout(x) in training mode when lora_dropout > 0: the LoRA branch's input. */
  branchInput(x: tf.Tensor2D, pair: LoraPair): tf.Tensor2D;
  setTraining(on: boolean, seed?: number): void;
}

export interface LoraPair {
  /** [r, in] */
  a: tf.Variable;
  /** [out, r] */
  b: tf.Variable;
  index: number;
  /** This module's alpha/r (alpha/√r with use_rslora), after rank_pattern and alpha_pattern. */
  scaling: number;
}

export function createLoraBranch(model: ModelConfig, config: LoraLikeConfig, seed: number): LoraBranch {
  const pairs = new Map<string, LoraPair>();
  const trainable = new Map<string, tf.Variable>();
  const targets = loraTargets(model, config).filter((t) => t.layer !== null);
  targets.forEach((t, i) => {
    const aInit = kaimingUniform([t.r, t.inFeatures], seed + i);
    const a = tf.variable(aInit);
    aInit.dispose();
    const bInit = tf.zeros([t.outFeatures, t.r]);
    const b = tf.variable(bInit);
    bInit.dispose();
    pairs.set(t.fullName, { a, b, index: i, scaling: t.scaling });
    trainable.set(`${PEFT_PREFIX}${t.fullName}.lora_A.weight`, a);
    trainable.set(`${PEFT_PREFIX}${t.fullName}.lora_B.weight`, b);
  });
  const mode = { training: false, seed: 0 };
  return {
    pairs,
    trainable,
    branchInput: (x, pair) =>
      mode.training && config.lora_dropout > 0
        ? (tf.dropout(x, config.lora_dropout, undefined, mode.seed * 100003 + pair.index) as tf.Tensor2D)
        : x,
    setTraining: (on, seed = 0) => {
      mode.training = on;
      mode.seed = seed;
    },
  };
}

/** B(A(x)) for x [N, in] → [N, out] (unscaled). */
export function loraPath(x: tf.Tensor2D, pair: LoraPair): tf.Tensor2D {
  return tf.matMul(tf.matMul(x, pair.a, false, true), pair.b, false, true);
}

/**
 * scaling · B(A(x)), scaled at rank r: the tape then keeps [N, r] tensors for the scaling's gradient,
 * not an [N, out] one per target.
 */
export function scaledLoraPath(x: tf.Tensor2D, pair: LoraPair): tf.Tensor2D {
  return tf.matMul(tf.mul(tf.matMul(x, pair.a, false, true), pair.scaling), pair.b, false, true);
}

/**
 * PEFT's LoRA adapter_config.json fields (QLoRA and DoRA save as peft_type "LORA", DoRA with use_dora;
 * peft/tuners/lora/config.py LoraConfig: empty patterns are {} and unset layer filters null).
 */
export function loraAdapterConfig(config: LoraLikeConfig, baseModel: string | null): Record<string, unknown> {
  return {
    ...peftConfigBase("LORA", baseModel),
    r: config.r,
    lora_alpha: config.lora_alpha,
    lora_dropout: config.lora_dropout,
    target_modules: config.target_modules,
    bias: config.bias,
    use_rslora: config.use_rslora,
    use_dora: usesDora(config),
    rank_pattern: config.rank_pattern ?? {},
    alpha_pattern: config.alpha_pattern ?? {},
    layers_to_transform: config.layers_to_transform ?? null,
    layers_pattern: config.layers_pattern ?? null,
    fan_in_fan_out: false,
    init_lora_weights: true,
    modules_to_save: null,
  };
}
