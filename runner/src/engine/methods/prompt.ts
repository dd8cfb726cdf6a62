import * as tf from "@tensorflow/tfjs";
import { type PromptConfig, ValidationError } from "@tunelab/core";
import type { BaseModel, MethodOptions, PeftMethod } from "../peft-hooks.js";
import { peftConfigBase } from "./peft-common.js";

/**
 * Prompt tuning (PEFT PromptEmbedding, Lester et al.): n trainable virtual-token embeddings [n, d]
 * prepended to the input embeddings; their positions get label −100. RANDOM init is torch's Embedding
 * init N(0, 1); TEXT init takes the word embeddings of the init text's token ids, repeated or cut to n,
 * as PEFT does. Saved as `prompt_embeddings` [n, d].
 */
export function createPrompt(base: BaseModel, config: PromptConfig, opts: MethodOptions): PeftMethod {
  const n = config.num_virtual_tokens;
  const d = base.config.hidden_size;
  const init = tf.tidy(() => {
    if (config.prompt_tuning_init === "RANDOM") return tf.randomNormal([n, d], 0, 1, "float32", opts.seed);
    const ids = opts.initTextIds;
    if (ids === undefined || ids.length === 0) {
      throw new ValidationError({
        field: "prompt_tuning_init_text",
        message: 'prompt_tuning_init_text: "TEXT" init needs the init text\'s token ids (none given)',
      });
    }
    const repeated = Array.from({ length: n }, (_, i) => ids[i % ids.length]!);
    return tf.gather(base.weights.get("model.embed_tokens.weight")!, tf.tensor1d(repeated, "int32"));
  });
  const embedding = tf.variable(init);
  init.dispose();
  const trainable = new Map([["prompt_encoder.embedding.weight", embedding]]);
  return {
    config,
    hooks: {
      inputEmbeddings: (embeds) => {
        const batch = embeds.shape[0];
        const virtual = tf.tile(tf.reshape(embedding, [1, n, d]), [batch, 1, 1]);
        return tf.concat([virtual, embeds], 1) as tf.Tensor3D;
      },
    },
    trainable,
    layerVariables: () => [],
    replacedWeights: [],
    // No dropout in this method.
    setTraining: () => {},
    exportAdapter: () => ({
      config: {
        ...peftConfigBase("PROMPT_TUNING", null),
        num_virtual_tokens: n,
        token_dim: d,
        num_transformer_submodules: 1,
        num_attention_heads: base.config.num_attention_heads,
        num_layers: base.config.num_hidden_layers,
        prompt_tuning_init: config.prompt_tuning_init,
        prompt_tuning_init_text: config.prompt_tuning_init_text ?? null,
        tokenizer_name_or_path: null,
      },
      tensors: new Map([["prompt_embeddings", embedding.clone()]]),
    }),
    importAdapter: (tensors) => {
      const e = tensors.get("prompt_embeddings");
      if (e === undefined || e.shape.join() !== `${n},${d}`) {
        const message = `prompt_embeddings must be [${n}, ${d}], got ${e ? `[${e.shape}]` : "none"}`;
        throw new ValidationError({ field: "prompt_embeddings", message });
      }
      embedding.assign(e);
    },
    dispose: () => embedding.dispose(),
  };
}
