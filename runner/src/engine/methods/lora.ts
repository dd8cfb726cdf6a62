import * as tf from "@tensorflow/tfjs";
import { type LoraConfig, type QloraConfig, usesDora } from "@tunelab/core";
import type { Model } from "../model.js";
import type { AdapterFolder, ForwardHooks, MethodOptions, PeftMethod } from "../peft-hooks.js";
import { layerOps } from "../ops/layer-ops.js";
import { createDora } from "./dora.js";
import { assignLoraTensors, trainableBiases } from "./lora-bias.js";
import { createLoraBranch, loraAdapterConfig, scaledLoraPath } from "./lora-branch.js";
import { variablesOfLayer } from "./peft-common.js";

/**
 * LoRA as PEFT does it (Hu et al.): y = W x + b + scaling · B(A(dropout(x))), A Kaiming-uniform (a = √5),
 * B zeros, scaling alpha/r (alpha/√r with use_rslora), each target at its own rank and alpha
 * (rank_pattern, alpha_pattern), dropout on the LoRA path only. `bias`: "none" trains no bias, "all"
 * every bias of the model, "lora_only" the biases of the targeted linears (lora-bias.ts: PEFT's names).
 * With use_dora the targets get DoRA's magnitude vectors instead (dora.ts), as PEFT's LoraConfig does.
 */

export interface LoraMethod extends PeftMethod {
  /** W += scaling·B·A in every target (PEFT merge_adapter); the LoRA path is then skipped. */
  merge(): void;
  /** Undoes merge (W −= scaling·B·A). */
  unmerge(): void;
}

export function createLoraOrDora(model: Model, config: LoraConfig, opts: MethodOptions): PeftMethod {
  return usesDora(config) ? createDora(model, config, opts) : createLora(model, config, opts);
}

export function createLora(model: Model, config: LoraConfig | QloraConfig, opts: MethodOptions): LoraMethod {
  const branch = createLoraBranch(model.config, config, opts.seed);
  const trainable = new Map([
    ...branch.trainable,
    ...trainableBiases(model, config.bias, new Set(branch.pairs.keys())),
  ]);
  let merged = false;
  const hooks: ForwardHooks = {
    linear: (name, x, frozen) => {
      const y = frozen.forward(x);
      const pair = branch.pairs.get(name);
      if (!pair || merged) return y;
      // a residual add keeps neither term for its gradient (tf.add would keep both [N, out] tensors)
      return layerOps().residual(y, scaledLoraPath(branch.branchInput(x, pair), pair)) as tf.Tensor2D;
    },
  };
  const shiftWeights = (sign: number) => {
    for (const [name, pair] of branch.pairs) {
      const w = model.weights.get(`${name}.weight`)!;
      tf.tidy(() => w.assign(tf.add(w, tf.mul(tf.matMul(pair.b, pair.a), sign * pair.scaling))));
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
    importAdapter: (tensors) => assignLoraTensors(trainable, tensors),
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
