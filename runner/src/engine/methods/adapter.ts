import * as tf from "@tensorflow/tfjs";
import type { AdapterConfig } from "@tunelab/core";
import { bottleneckSize } from "@tunelab/core";
import type { BaseModel, MethodOptions, PeftMethod } from "../peft-hooks.js";
import { type BottleneckParams, bottleneck } from "./adapter-math.js";
import { assignAll, variablesOfLayer } from "./peft-common.js";

/**
 * Bottleneck adapters (adapters library, Houlsby et al. / Pfeiffer et al.): down Linear(d, m) →
 * non-linearity → up Linear(m, d), added to its input. Pfeiffer ("seq_bn"): one per layer on the MLP
 * output; Houlsby ("double_seq_bn"): also one on the attention output. Llama is pre-norm, so each
 * adapter sits on the sub-block's output before the residual add. Init: down N(0, 0.02) and biases 0
 * (the adapters library's "bert" init), but the up-projection zeros, so every adapter starts as the
 * identity (the library's "bert" init draws it from N(0, 0.02) as well: near, not at, the identity).
 *
 * PEFT has no bottleneck adapters, so the export is our own documented layout, modelled on the adapters
 * library's state-dict names: `model.layers.{l}.{attention,output}_adapters.adapters.{name}.adapter_down
 * .0.{weight,bias}` ([m, d], [m]) and `….adapter_up.{weight,bias}` ([d, m], [d]), with an
 * adapter_config.json in the adapters library's shape ({ config, hidden_size, model_type, name, … }).
 */
export const ADAPTER_NAME = "tunelab";

type Site = "attention" | "output";

function names(layer: number, site: Site) {
  const p = `model.layers.${layer}.${site}_adapters.adapters.${ADAPTER_NAME}`;
  return {
    downWeight: `${p}.adapter_down.0.weight`,
    downBias: `${p}.adapter_down.0.bias`,
    upWeight: `${p}.adapter_up.weight`,
    upBias: `${p}.adapter_up.bias`,
  };
}

export function createAdapter(base: BaseModel, config: AdapterConfig, opts: MethodOptions): PeftMethod {
  const d = base.config.hidden_size;
  const m = bottleneckSize(config, d);
  const sites: Site[] = config.placement === "houlsby" ? ["attention", "output"] : ["output"];
  const trainable = new Map<string, tf.Variable>();
  const adapters = new Map<string, BottleneckParams>();
  let seed = opts.seed;
  for (let l = 0; l < base.config.num_hidden_layers; l++) {
    for (const site of sites) {
      const n = names(l, site);
      const make = (name: string, init: tf.Tensor) => {
        const v = tf.variable(init);
        init.dispose();
        trainable.set(name, v);
        return v;
      };
      adapters.set(`${l}.${site}`, {
        downWeight: make(
          n.downWeight,
          tf.randomNormal([m, d], 0, 0.02, "float32", seed++),
        ) as tf.Variable<tf.Rank.R2>,
        downBias: make(n.downBias, tf.zeros([m])) as tf.Variable<tf.Rank.R1>,
        upWeight: make(n.upWeight, tf.zeros([d, m])) as tf.Variable<tf.Rank.R2>,
        upBias: make(n.upBias, tf.zeros([d])) as tf.Variable<tf.Rank.R1>,
      });
    }
  }
  const apply = (site: Site) => (layer: number, h: tf.Tensor3D) =>
    bottleneck(h, adapters.get(`${layer}.${site}`)!, config.non_linearity) as tf.Tensor3D;
  return {
    config,
    hooks: {
      mlpOutput: apply("output"),
      ...(config.placement === "houlsby" ? { attentionOutput: apply("attention") } : {}),
    },
    trainable,
    layerVariables: (layer) => variablesOfLayer(trainable, layer),
    replacedWeights: [],
    // No dropout in this method.
    setTraining: () => {},
    exportAdapter: () => ({
      config: {
        config: {
          architecture: "bottleneck",
          mh_adapter: config.placement === "houlsby",
          output_adapter: true,
          ...(config.bottleneck_size === undefined
            ? { reduction_factor: config.reduction_factor }
            : { bottleneck_size: config.bottleneck_size }),
          non_linearity: config.non_linearity,
          residual_before_ln: true,
          original_ln_before: true,
          original_ln_after: true,
          ln_before: false,
          ln_after: false,
        },
        hidden_size: d,
        model_class: "LlamaForCausalLM",
        model_type: base.config.model_type,
        name: ADAPTER_NAME,
        version: "tunelab",
      },
      tensors: new Map(trainable),
    }),
    importAdapter: (tensors) => assignAll(trainable, tensors),
    dispose: () => tf.dispose([...trainable.values()]),
  };
}
