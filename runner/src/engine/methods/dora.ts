import * as tf from "@tensorflow/tfjs";
import type { DoraConfig } from "@tunelab/core";
import { type BaseModel, type MethodOptions, PEFT_PREFIX, type PeftMethod } from "../peft-hooks.js";
import { doraDelta, doraInitialMagnitude, doraWeightNorm } from "./dora-math.js";
import { assignAll, targetLinears, variablesOfLayer } from "./peft-common.js";
import { createLoraBranch, loraAdapterConfig, loraPath } from "./lora-branch.js";

/**
 * DoRA (PEFT LoraConfig(use_dora=True)): LoRA plus a magnitude vector per target, initialised to the row
 * norms of W; output = base + (m/‖W + s·B·A‖ − 1)·base + (m/‖W + s·B·A‖)·s·B·A·x with the norm detached.
 * Saved as `….lora_magnitude_vector` beside lora_A/lora_B, as PEFT does.
 */
export function createDora(base: BaseModel, config: DoraConfig, opts: MethodOptions): PeftMethod {
  const lora = createLoraBranch(base.config, config, opts.seed);
  const magnitude = new Map<string, tf.Variable>();
  for (const t of targetLinears(base.config, config.target_modules)) {
    const init = doraInitialMagnitude(base.weights.get(`${t.fullName}.weight`) as tf.Tensor2D);
    const m = tf.variable(init);
    init.dispose();
    magnitude.set(t.fullName, m);
  }
  const trainable = new Map(lora.trainable);
  for (const [name, m] of magnitude) trainable.set(`${PEFT_PREFIX}${name}.lora_magnitude_vector`, m);
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
          lora.scaling,
        );
        const m = magnitude.get(name)! as tf.Tensor1D;
        // PEFT scales the base output without its bias, on dropout(x) when dropout is active; the
        // FrozenLinear's forward adds the bias (Qwen2's q/k/v), so the term takes its own matmul.
        const xd = lora.branchInput(x, pair);
        const baseNoBias = frozen.matmul(xd);
        return tf.add(y, doraDelta(baseNoBias, loraPath(xd, pair), m, norm, lora.scaling)) as tf.Tensor2D;
      },
    },
    trainable,
    layerVariables: (layer) => variablesOfLayer(trainable, layer),
    replacedWeights: [],
    setTraining: lora.setTraining,
    exportAdapter: () => ({ config: loraAdapterConfig(config, null), tensors: new Map(trainable) }),
    importAdapter: (tensors) => assignAll(trainable, tensors),
    dispose: () => tf.dispose([...trainable.values()]),
  };
}
