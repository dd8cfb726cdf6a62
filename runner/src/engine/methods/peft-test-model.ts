import * as tf from "@tensorflow/tfjs";
import { type ModelConfig, parseModelConfig } from "@tunelab/core";
import { causalLmLoss, forward, type Model, modelFromTensors, weightShapes } from "../model.js";
import type { BaseModel, ForwardHooks, PeftMethod } from "../peft-hooks.js";

/**
 * The test bench of methods/ and of the methods benchmark: a tiny Llama with seeded weights large enough
 * that gradients are far from zero (the engine's initModel uses HF's N(0, 0.02)), and the seed's toy-data
 * helpers around the engine's forward pass and loss.
 */

export const TINY_CONFIG: ModelConfig = parseModelConfig({
  model_type: "llama",
  vocab_size: 48,
  hidden_size: 32,
  intermediate_size: 64,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  max_position_embeddings: 128,
});

/** Seeded random weights in HF names and layout: linears N(0, 0.08), norms 1, embeddings N(0, 0.5). */
export function randomBase(config: ModelConfig = TINY_CONFIG, seed = 1): Model {
  const tensors = new Map<string, tf.Tensor>();
  let s = seed;
  for (const [name, shape] of weightShapes(config)) {
    const std = name === "model.embed_tokens.weight" ? 0.5 : name === "lm_head.weight" ? 0.2 : 0.08;
    tensors.set(
      name,
      name.endsWith("norm.weight") ? tf.ones(shape) : tf.randomNormal(shape, 0, std, "float32", s++),
    );
  }
  return modelFromTensors(config, tensors);
}

/** Frees the float copies a method replaced (QLoRA), as the engine does: the forward pass must not need them. */
export function dropReplaced(model: BaseModel, method: PeftMethod): void {
  for (const name of method.replacedWeights) {
    model.weights.get(name)?.dispose();
    model.weights.delete(name);
  }
}

export interface LossOptions {
  checkpointLayers?: boolean;
  layerVariables?: (layer: number) => tf.Variable[];
}

/** Next-token loss on `ids` (every token a label); prompt tuning's virtual positions get −100. */
export function lmLoss(
  model: BaseModel,
  hooks: ForwardHooks,
  ids: number[][],
  opts: LossOptions = {},
): tf.Scalar {
  const { logits, virtualTokens } = forward(model, ids, { hooks, ...opts });
  const labels = ids.map((row) => [...new Array<number>(virtualTokens).fill(-100), ...row]);
  return causalLmLoss(logits, labels);
}

/** Logits [B, v + T, V] as a flat array. */
export function logitsOf(model: BaseModel, hooks: ForwardHooks, ids: number[][]): Float32Array {
  return tf.tidy(() => forward(model, ids, { hooks }).logits.dataSync() as Float32Array);
}

/** Greedy decoding without the KV cache (recomputes the sequence each step), prefix/prompt included. */
export function greedy(model: BaseModel, hooks: ForwardHooks, prompt: number[], maxNew: number): number[] {
  const out = [...prompt];
  for (let i = 0; i < maxNew; i++) {
    const next = tf.tidy(() => {
      const { logits } = forward(model, [out], { hooks });
      return tf.argMax(logits.slice([0, logits.shape[1] - 1, 0], [1, 1, -1]), -1).dataSync()[0]!;
    });
    out.push(next);
  }
  return out.slice(prompt.length);
}
