import * as tf from "@tensorflow/tfjs";
import type { LoraLikeConfig } from "@tunelab/core";
import { type BaseModel, type MethodOptions, PEFT_PREFIX, type PeftMethod } from "../peft-hooks.js";
import { doraDelta, doraInitialMagnitude, doraWeightNorm } from "./dora-math.js";
import { assignLoraTensors, trainableBiases } from "./lora-bias.js";
import { createLoraBranch, loraAdapterConfig, loraPath } from "./lora-branch.js";
import { variablesOfLayer } from "./peft-common.js";

/**
 * DoRA (PEFT LoraConfig(use_dora=True): the "dora" method, or lora/qlora with use_dora): LoRA plus a
 * magnitude vector per target, initialised to the row norms of W; output = base + (m/‖W + s·B·A‖ − 1)·base
 * + (m/‖W + s·B·A‖)·s·B·A·x with the norm detached. Saved as `….lora_magnitude_vector` beside
 * lora_A/lora_B (peft/tuners/lora/model.py LoraModel._get_adapter_state_dict strips the ".weight" of
 * the DoraLinearLayer parameter). `weightOf` gives W as the forward pass will read it: over an NF4 base
 * (QDoRA) the dequantised weight, as peft/tuners/lora/dora.py DoraLinearLayer.update_layer takes
 * dequantize_module_weight(base_layer).
 */
export function createDora(
  base: BaseModel,
  config: LoraLikeConfig,
  opts: MethodOptions,
  weightOf: (weightName: string) => tf.Tensor2D = (name) => tf.clone(base.weights.get(name)!) as tf.Tensor2D,
): PeftMethod {
  const lora = createLoraBranch(base.config, config, opts.seed);
  const magnitude = new Map<string, tf.Variable>();
  for (const name of lora.pairs.keys()) {
    const w = weightOf(`${name}.weight`);
    const init = doraInitialMagnitude(w);
    w.dispose();
    const m = tf.variable(init);
    init.dispose();
    magnitude.set(name, m);
  }
  const trainable = new Map(lora.trainable);
  for (const [name, m] of magnitude) trainable.set(`${PEFT_PREFIX}${name}.lora_magnitude_vector`, m);
  const own = [...trainable.values()];
  for (const [name, v] of trainableBiases(base, config.bias, new Set(lora.pairs.keys())))
    trainable.set(name, v);
  return {
    config,
    hooks: {
      linear: (name, x, frozen) => {
        const y = frozen.forward(x);
        const pair = lora.pairs.get(name);
        if (!pair) return y;
        const norm = doraWeightNorm(
          frozen.weight,
          pair.a as tf.Tensor2D,
          pair.b as tf.Tensor2D,
          pair.scaling,
        );
        const m = magnitude.get(name)! as tf.Tensor1D;
        // PEFT scales the base output without its bias, on dropout(x) when dropout is active; the
        // FrozenLinear's forward adds the bias (Qwen2's q/k/v), so the term takes its own matmul.
        const xd = lora.branchInput(x, pair);
        const baseNoBias = frozen.matmul(xd);
        return tf.add(y, doraDelta(baseNoBias, loraPath(xd, pair), m, norm, pair.scaling)) as tf.Tensor2D;
      },
    },
    trainable,
    layerVariables: (layer) => variablesOfLayer(trainable, layer),
    replacedWeights: [],
    setTraining: lora.setTraining,
    exportAdapter: () => ({ config: loraAdapterConfig(config, null), tensors: new Map(trainable) }),
    importAdapter: (tensors) => assignLoraTensors(trainable, tensors),
    dispose: () => tf.dispose(own),
  };
}
