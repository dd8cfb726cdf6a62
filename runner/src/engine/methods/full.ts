import type { FullConfig } from "@tunelab/core";
import type { Model } from "../model.js";
import type { AdapterFolder, PeftMethod } from "../peft-hooks.js";
import { assignAll, variablesOfLayer } from "./peft-common.js";

/**
 * Full fine-tuning: every weight of the model trains, in place (the model's weights are variables).
 * Its "adapter" is the whole model by HF name; run-training saves it as an HF model folder instead.
 */
export function createFull(model: Model, config: FullConfig): PeftMethod {
  const trainable = new Map(model.weights);
  return {
    config,
    hooks: {},
    trainable,
    layerVariables: (layer) => variablesOfLayer(trainable, layer),
    replacedWeights: [],
    setTraining: () => {},
    exportAdapter: (): AdapterFolder => ({ config: { ...model.config }, tensors: new Map(trainable) }),
    importAdapter: (tensors) => assignAll(trainable, tensors),
    dispose: () => {}, // the weights belong to the model
  };
}
