import * as tf from "@tensorflow/tfjs";
import { type LoraLikeConfig, loraScaling, type ModelConfig, type QloraConfig } from "@tunelab/core";
import type { AdapterFolder, BaseModel, ForwardHooks, MethodOptions, PeftMethod } from "../peft-hooks.js";
import { PEFT_PREFIX } from "../peft-hooks.js";
import { disposeNf4, frozenWeight, type Nf4Matrix, quantizeNf4 } from "../quant/nf4.js";
import { assignAll, kaimingUniform, peftConfigBase, targetLinears, variablesOfLayer } from "./peft-common.js";

/**
 * QLoRA (Dettmers et al.; PEFT LoRA over bitsandbytes Linear4bit): every decoder-layer linear weight is
 * stored as NF4 with optional double quantisation and dequantised to float32 when a layer runs; LoRA
 * adapters (A Kaiming-uniform, B zeros, scaling alpha/r or alpha/√r) train on top of the targets.
 * Embeddings, norms and lm_head stay float32, as bitsandbytes leaves them.
 */

/** One LoRA pair per target, named as PEFT saves them (`base_model.model.<module>.lora_A.weight`). */
export interface LoraBranch {
  scaling: number;
  /** By full module name; `index` numbers the targets (dropout seeds). */
  pairs: Map<string, LoraPair>;
  trainable: Map<string, tf.Variable>;
  /** x, or dropout(x) in training mode when lora_dropout > 0: the LoRA branch's input. */
  branchInput(x: tf.Tensor2D, pair: LoraPair): tf.Tensor2D;
  setTraining(on: boolean, seed?: number): void;
}

export interface LoraPair {
  a: tf.Variable;
  b: tf.Variable;
  index: number;
}

export function createLoraBranch(model: ModelConfig, config: LoraLikeConfig, seed: number): LoraBranch {
  const pairs = new Map<string, LoraPair>();
  const trainable = new Map<string, tf.Variable>();
  targetLinears(model, config.target_modules).forEach((t, i) => {
    const aInit = kaimingUniform([config.r, t.inFeatures], seed + i);
    const a = tf.variable(aInit);
    aInit.dispose();
    const bInit = tf.zeros([t.outFeatures, config.r]);
    const b = tf.variable(bInit);
    bInit.dispose();
    pairs.set(t.fullName, { a, b, index: i });
    trainable.set(`${PEFT_PREFIX}${t.fullName}.lora_A.weight`, a);
    trainable.set(`${PEFT_PREFIX}${t.fullName}.lora_B.weight`, b);
  });
  const mode = { training: false, seed: 0 };
  return {
    scaling: loraScaling(config),
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

/** PEFT's LoRA adapter_config.json fields (QLoRA and DoRA save as peft_type "LORA"). */
export function loraAdapterConfig(config: LoraLikeConfig, baseModel: string | null): Record<string, unknown> {
  return {
    ...peftConfigBase("LORA", baseModel),
    r: config.r,
    lora_alpha: config.lora_alpha,
    lora_dropout: config.lora_dropout,
    target_modules: config.target_modules,
    bias: config.bias,
    use_rslora: config.use_rslora,
    use_dora: config.method === "dora",
    fan_in_fan_out: false,
    init_lora_weights: true,
    modules_to_save: null,
  };
}

/** Quantises the decoder-layer linears of `base` (the float copies stay with the caller to free). */
export function quantizeLayerLinears(base: BaseModel, doubleQuant: boolean): Map<string, Nf4Matrix> {
  const out = new Map<string, Nf4Matrix>();
  for (const t of targetLinears(base.config, "all-linear")) {
    const w = base.weights.get(`${t.fullName}.weight`)!;
    out.set(t.fullName, quantizeNf4(w.dataSync() as Float32Array, w.shape, { doubleQuant }));
  }
  return out;
}

export function createQlora(base: BaseModel, config: QloraConfig, opts: MethodOptions): PeftMethod {
  const nf4 = quantizeLayerLinears(base, config.bnb_4bit_use_double_quant);
  const lora = createLoraBranch(base.config, config, opts.seed);
  const hooks: ForwardHooks = {
    frozenWeight: (name) => {
      const m = nf4.get(name);
      return m === undefined ? undefined : (frozenWeight(m) as tf.Tensor2D);
    },
    linear: (name, x, frozen) => {
      const y = frozen.forward(x);
      const pair = lora.pairs.get(name);
      return pair ? tf.add(y, tf.mul(loraPath(lora.branchInput(x, pair), pair), lora.scaling)) : y;
    },
  };
  return {
    config,
    hooks,
    trainable: lora.trainable,
    layerVariables: (layer) => variablesOfLayer(lora.trainable, layer),
    replacedWeights: [...nf4.keys()].map((n) => `${n}.weight`),
    setTraining: lora.setTraining,
    exportAdapter: (): AdapterFolder => ({
      config: loraAdapterConfig(config, null),
      tensors: new Map(lora.trainable),
    }),
    importAdapter: (tensors) => assignAll(lora.trainable, tensors),
    dispose: () => {
      for (const m of nf4.values()) disposeNf4(m);
      tf.dispose([...lora.trainable.values()]);
    },
  };
}
