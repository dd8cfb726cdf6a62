import * as tf from "@tensorflow/tfjs";
import { type PrefixConfig, ValidationError } from "@tunelab/core";
import type { BaseModel, MethodOptions, PeftMethod } from "../peft-hooks.js";
import { peftConfigBase } from "./peft-common.js";
import {
  encodePrefix,
  type PrefixParams,
  type PrefixShape,
  prefixKeyValues,
  prefixTokenDim,
} from "./prefix-math.js";

/**
 * Prefix tuning (PEFT PrefixEncoder): trainable keys and values for every layer, prepended to the
 * layer's own; the attention mask lets every real token see all n of them. Without prefix_projection
 * they are one Embedding(n, 2·L·t), N(0, 1) as torch initialises it; with it, Embedding(n, t) → Linear(t,
 * h) → tanh → Linear(h, 2·L·t), torch's Linear init. t = head_dim · num_key_value_heads.
 *
 * Positions: as in PEFT, the prefix is a KV cache of n tokens (`past_key_values`, unrotated), so real
 * tokens take positions n…n+T−1 (transformers counts positions from the cache's length; PEFT's
 * `_adjust_prompt_learning_kwargs` offsets explicit position_ids by n too). Their queries meet the
 * prefix keys at those angles, so the positions change the logits (model.ts `forward`).
 *
 * Export: PEFT saves the encoder's output for all virtual tokens as `prompt_embeddings` [n, 2·L·t] and,
 * loaded for inference, uses it directly; importing such a file here does the same.
 */
export function createPrefix(base: BaseModel, config: PrefixConfig, opts: MethodOptions): PeftMethod {
  const c = base.config;
  const shape: PrefixShape = {
    tokens: config.num_virtual_tokens,
    layers: c.num_hidden_layers,
    kvHeads: c.num_key_value_heads,
    headDim: c.head_dim,
  };
  const t = prefixTokenDim(shape);
  const width = 2 * shape.layers * t;
  const trainable = new Map<string, tf.Variable>();
  const make = (name: string, init: tf.Tensor) => {
    const v = tf.variable(init);
    init.dispose();
    trainable.set(name, v);
    return v;
  };
  const linear = (name: string, out: number, inp: number, seed: number) => {
    const bound = 1 / Math.sqrt(inp);
    return {
      w: make(
        `${name}.weight`,
        tf.randomUniform([out, inp], -bound, bound, "float32", seed),
      ) as tf.Variable<tf.Rank.R2>,
      b: make(
        `${name}.bias`,
        tf.randomUniform([out], -bound, bound, "float32", seed + 1),
      ) as tf.Variable<tf.Rank.R1>,
    };
  };
  const h = config.encoder_hidden_size ?? t;
  let params: PrefixParams = {
    embedding: make(
      "prompt_encoder.embedding.weight",
      tf.randomNormal([shape.tokens, config.prefix_projection ? t : width], 0, 1, "float32", opts.seed),
    ) as tf.Variable<tf.Rank.R2>,
  };
  if (config.prefix_projection) {
    const first = linear("prompt_encoder.transform.0", h, t, opts.seed + 1);
    const second = linear("prompt_encoder.transform.2", width, h, opts.seed + 3);
    params = { ...params, projection: { w1: first.w, b1: first.b, w2: second.w, b2: second.b } };
  }
  let imported: tf.Tensor2D | undefined;
  const encoded = () => imported ?? encodePrefix(params);
  return {
    config,
    hooks: { prefix: (batch) => prefixKeyValues(encoded(), shape, batch) },
    trainable,
    // The prefix keys/values reach each layer as inputs of its own; the encoder runs outside the layers.
    layerVariables: () => [],
    replacedWeights: [],
    // No dropout in this method.
    setTraining: () => {},
    exportAdapter: () => ({
      config: {
        ...peftConfigBase("PREFIX_TUNING", null),
        num_virtual_tokens: shape.tokens,
        token_dim: t,
        num_transformer_submodules: 1,
        num_attention_heads: shape.kvHeads,
        num_layers: shape.layers,
        encoder_hidden_size: h,
        prefix_projection: config.prefix_projection,
      },
      tensors: new Map([["prompt_embeddings", tf.tidy(() => encodePrefix(params).clone())]]),
    }),
    importAdapter: (tensors) => {
      const e = tensors.get("prompt_embeddings");
      if (e === undefined || e.shape.join() !== `${shape.tokens},${width}`) {
        const message = `prompt_embeddings must be [${shape.tokens}, ${width}], got ${e ? `[${e.shape}]` : "none"}`;
        throw new ValidationError({ field: "prompt_embeddings", message });
      }
      if (config.prefix_projection) {
        imported?.dispose();
        imported = tf.keep(e.clone()) as tf.Tensor2D;
      } else {
        (params.embedding as tf.Variable).assign(e);
      }
    },
    dispose: () => tf.dispose([...trainable.values(), ...(imported ? [imported] : [])]),
  };
}
