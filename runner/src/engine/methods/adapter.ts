import * as tf from "@tensorflow/tfjs";
import type { AdapterConfig } from "@tunelab/core";
import { BOTTLENECK_ADAPTER_NAME, bottleneckSize, reductionFactorFor } from "@tunelab/core";
import { BOTTLENECK_ADAPTER_WEIGHTS } from "../peft-folder.js";
import type { BaseModel, MethodOptions, PeftMethod } from "../peft-hooks.js";
import { type BottleneckParams, bottleneck } from "./adapter-math.js";
import { assignAll, variablesOfLayer } from "./peft-common.js";

/**
 * Bottleneck adapters exactly as the adapters library computes them on Llama (adapter-hub/adapters:
 * models/llama/modeling_llama.py `LlamaDecoderLayerWithAdapters` calls each BottleneckLayer with the
 * sub-block's output o, its input r and no layer norm; methods/modeling.py `Adapter.pre_forward`,
 * `forward`, `post_forward`): up = Linear(m, d)(act(Linear(d, m)(x))), output = x' + up, then + r.
 * - "pfeiffer" is the library's SeqBnConfig (`seq_bn`): one adapter after the MLP, original_ln_before
 *   true, so x = x' = o + r and the layer's output is (o + r) + up(o + r).
 * - "houlsby" is DoubleSeqBnConfig (`double_seq_bn`): after attention and after the MLP, original_ln_before
 *   false, so x = x' = o and the output is r + o + up(o).
 * (residual_before_ln true, original_ln_after true, no new layer norms: both configs' defaults.)
 * The hooks return what replaces o before the model's residual add: o + up(x).
 *
 * Init: down N(0, 0.02) and biases 0 (the library's "bert" init), but the up-projection zeros, so every
 * adapter starts as the identity (the library's "bert" init draws it from N(0, 0.02) as well).
 *
 * Export: the library's own folder (loading.py `AdapterLoader.save`): adapter_config.json as
 * `build_full_config` writes it (`config` is the BnConfig as `asdict` gives it; architecture null, as for
 * every bottleneck config) and adapter.safetensors with its state-dict names,
 * `model.layers.{l}.{attention,output}_adapters.adapters.{name}.adapter_{down.0,up}.{weight,bias}`, name
 * "tunelab". Import reads a folder saved under any one name (an adapter trained with the library and
 * imported: server/src/adapters/import-folder.ts accepts its own name).
 */
const ADAPTER_NAME = BOTTLENECK_ADAPTER_NAME;

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
  const houlsby = config.placement === "houlsby";
  const sites: Site[] = houlsby ? ["attention", "output"] : ["output"];
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
  // o + up(x), x = o (original_ln_before false) or o + r (true); the model adds r after
  const apply = (site: Site) => (layer: number, o: tf.Tensor3D, r: tf.Tensor3D) =>
    tf.tidy(() => {
      const x = houlsby ? o : tf.add(o, r);
      return tf.add(o, bottleneck(x, adapters.get(`${layer}.${site}`)!, config.non_linearity));
    }) as tf.Tensor3D;
  return {
    config,
    hooks: { mlpOutput: apply("output"), ...(houlsby ? { attentionOutput: apply("attention") } : {}) },
    trainable,
    layerVariables: (layer) => variablesOfLayer(trainable, layer),
    replacedWeights: [],
    // No dropout in this method.
    setTraining: () => {},
    exportAdapter: () => ({
      config: {
        model_type: base.config.model_type,
        hidden_size: d,
        name: ADAPTER_NAME,
        model_class: "LlamaForCausalLM",
        config: bnConfig(config, m, d),
        version: "tunelab",
      },
      tensors: new Map(trainable),
      weightsFile: BOTTLENECK_ADAPTER_WEIGHTS,
    }),
    importAdapter: (tensors) => assignAll(trainable, tensors, savedUnder(tensors)),
    dispose: () => tf.dispose([...trainable.values()]),
  };
}

/**
 * configuration/adapter_config.py `SeqBnConfig` / `DoubleSeqBnConfig` with our size and activation, every
 * BnConfig field in its declaration order (what `asdict` writes). The library has no bottleneck_size: a
 * given size becomes a reduction_factor that its `int(hidden_size // reduction_factor)` turns back into it.
 */
function bnConfig(config: AdapterConfig, size: number, hidden: number): Record<string, unknown> {
  const houlsby = config.placement === "houlsby";
  return {
    architecture: null,
    mh_adapter: houlsby,
    output_adapter: true,
    reduction_factor: config.reduction_factor ?? reductionFactorFor(size, hidden),
    non_linearity: config.non_linearity,
    original_ln_before: !houlsby,
    original_ln_after: true,
    ln_before: false,
    ln_after: false,
    init_weights: "bert",
    init_weights_seed: null,
    is_parallel: false,
    scaling: 1.0,
    use_gating: false,
    residual_before_ln: true,
    adapter_residual_before_ln: false,
    inv_adapter: null,
    inv_adapter_reduction_factor: null,
    cross_adapter: false,
    leave_out: [],
    dropout: 0.0,
    phm_layer: false,
    phm_dim: 4,
    factorized_phm_W: true,
    shared_W_phm: false,
    shared_phm_rule: true,
    factorized_phm_rule: false,
    phm_c_init: "normal",
    phm_init_range: 0.0001,
    learn_phm: true,
    hypercomplex_nonlinearity: "glorot-uniform",
    phm_rank: 1,
    phm_bias: true,
    stochastic_depth: 0.0,
  };
}

/** Our tensor name → the folder's, for a folder whose tensors all carry one other adapter name. */
function savedUnder(tensors: Map<string, tf.Tensor>): (name: string) => string {
  const saved = new Set([...tensors.keys()].map((n) => /\.adapters\.([^.]+)\.adapter_/.exec(n)?.[1]));
  const [only] = saved;
  if (saved.size !== 1 || only === undefined || only === ADAPTER_NAME) return (n) => n;
  return (n) => n.replace(`.adapters.${ADAPTER_NAME}.`, `.adapters.${only}.`);
}
