import * as tf from "@tensorflow/tfjs";
import type { Ia3Config } from "@tunelab/core";
import { type BaseModel, type MethodOptions, PEFT_PREFIX, type PeftMethod } from "../peft-hooks.js";
import { assignAll, peftConfigBase, targetLinears, variablesOfLayer } from "./peft-common.js";

/**
 * IA3 (PEFT `tuners/ia3`): one learned vector per target, ones at init. Attention targets (k_proj,
 * v_proj) scale their output, shape [out, 1]; feed-forward targets (down_proj) scale their input, shape
 * [1, in] — PEFT's parameter shapes, saved as `….ia3_l`.
 */
export function createIa3(base: BaseModel, config: Ia3Config, opts: MethodOptions): PeftMethod {
  const feedforward = new Set(
    targetLinears(base.config, config.feedforward_modules, "feedforward_modules").map((t) => t.fullName),
  );
  const vectors = new Map<string, { v: tf.Variable; feedforward: boolean }>();
  const trainable = new Map<string, tf.Variable>();
  targetLinears(base.config, config.target_modules).forEach((t, i) => {
    const ff = feedforward.has(t.fullName);
    const shape: [number, number] = ff ? [1, t.inFeatures] : [t.outFeatures, 1];
    // PEFT creates the vector with randn and resets it to ones when init_ia3_weights (the default).
    const init = config.init_ia3_weights
      ? tf.ones(shape)
      : tf.randomNormal(shape, 0, 1, "float32", opts.seed + i);
    const v = tf.variable(init);
    init.dispose();
    vectors.set(t.fullName, { v, feedforward: ff });
    trainable.set(`${PEFT_PREFIX}${t.fullName}.ia3_l`, v);
  });
  return {
    config,
    hooks: {
      linear: (name, x, frozen) => {
        const target = vectors.get(name);
        if (!target) return frozen.forward(x);
        if (target.feedforward) return frozen.forward(tf.mul(x, target.v) as tf.Tensor2D);
        return tf.mul(frozen.forward(x), tf.reshape(target.v, [1, -1])) as tf.Tensor2D;
      },
    },
    trainable,
    layerVariables: (layer) => variablesOfLayer(trainable, layer),
    replacedWeights: [],
    // No dropout in this method.
    setTraining: () => {},
    exportAdapter: () => ({
      config: {
        ...peftConfigBase("IA3", null),
        target_modules: config.target_modules,
        feedforward_modules: config.feedforward_modules,
        init_ia3_weights: config.init_ia3_weights,
        fan_in_fan_out: false,
        modules_to_save: null,
      },
      tensors: new Map(trainable),
    }),
    importAdapter: (tensors) => assignAll(trainable, tensors),
    dispose: () => tf.dispose([...trainable.values()]),
  };
}
