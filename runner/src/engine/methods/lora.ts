import * as tf from "@tensorflow/tfjs";
import type { LoraConfig, QloraConfig } from "@tunelab/core";
import type { Model } from "../model.js";
import type { AdapterFolder, ForwardHooks, MethodOptions, PeftMethod } from "../peft-hooks.js";
import { PEFT_PREFIX } from "../peft-hooks.js";
import { assignAll, variablesOfLayer } from "./peft-common.js";
import { layerOps } from "../ops/layer-ops.js";
import { createLoraBranch, loraAdapterConfig, scaledLoraPath } from "./lora-branch.js";

/**
 * LoRA as PEFT does it (Hu et al.): y = W x + b + scaling · B(A(dropout(x))), A Kaiming-uniform (a = √5),
 * B zeros, scaling alpha/r (alpha/√r with use_rslora), dropout on the LoRA path only. `bias`: "none"
 * trains no bias, "all" every bias of the model, "lora_only" the biases of the targeted linears.
 */

export interface LoraMethod extends PeftMethod {
  /** W += scaling·B·A in every target (PEFT merge_adapter); the LoRA path is then skipped. */
  merge(): void;
  /** Undoes merge (W −= scaling·B·A). */
  unmerge(): void;
}

export function createLora(model: Model, config: LoraConfig | QloraConfig, opts: MethodOptions): LoraMethod {
  const branch = createLoraBranch(model.config, config, opts.seed);
  const trainable = new Map(branch.trainable);
  for (const [name, v] of model.weights) {
    if (!name.endsWith(".bias") || config.bias === "none") continue;
    if (config.bias === "lora_only" && !branch.pairs.has(name.slice(0, -".bias".length))) continue;
    trainable.set(`${PEFT_PREFIX}${name}`, v);
  }
  let merged = false;
  const hooks: ForwardHooks = {
    linear: (name, x, frozen) => {
      const y = frozen.forward(x);
      const pair = branch.pairs.get(name);
      if (!pair || merged) return y;
      // a residual add keeps neither term for its gradient (tf.add would keep both [N, out] tensors)
      return layerOps().residual(
        y,
        scaledLoraPath(branch.branchInput(x, pair), pair, branch.scaling),
      ) as tf.Tensor2D;
    },
  };
  const shiftWeights = (sign: number) => {
    for (const [name, pair] of branch.pairs) {
      const w = model.weights.get(`${name}.weight`)!;
      tf.tidy(() => w.assign(tf.add(w, tf.mul(tf.matMul(pair.b, pair.a), sign * branch.scaling))));
    }
  };
  return {
    config,
    hooks,
    trainable,
    layerVariables: (layer) => variablesOfLayer(trainable, layer),
    replacedWeights: [],
    setTraining: branch.setTraining,
    exportAdapter: (): AdapterFolder => ({
      config: loraAdapterConfig(config, null),
      tensors: new Map(trainable),
    }),
    importAdapter: (tensors) => assignAll(trainable, tensors),
    merge: () => {
      if (merged) return;
      shiftWeights(1);
      merged = true;
    },
    unmerge: () => {
      if (!merged) return;
      shiftWeights(-1);
      merged = false;
    },
    dispose: () => tf.dispose([...branch.trainable.values()]),
  };
}
