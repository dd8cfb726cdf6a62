import type * as tf from "@tensorflow/tfjs";
import type { MethodConfig, ModelConfig } from "@tunelab/core";

/**
 * The contract between a Llama-family forward pass and the PEFT methods of methods/ (QLoRA, DoRA, IA3,
 * adapters, prefix and prompt tuning). A method never edits the model: it returns hooks that the forward
 * pass calls at fixed points, the way PEFT wraps modules (LoRA-family, IA3), registers layers after a
 * sub-block (adapters), passes past_key_values (prefix) or prepends inputs_embeds (prompt).
 */

/** The frozen base a method attaches to: its config and its weights by HF name ([out, in] for linears). */
export interface BaseModel {
  config: ModelConfig;
  weights: Map<string, tf.Tensor>;
}

/** A frozen linear as the forward pass sees it. */
export interface FrozenLinear {
  /** x [N, in] → x·Wᵀ (+ bias), with the frozen weight (dequantised for QLoRA). */
  forward(x: tf.Tensor2D): tf.Tensor2D;
  /** The frozen weight [out, in] in float32 (DoRA's norm needs it). */
  weight(): tf.Tensor2D;
}

/** One layer's prefix keys and values, [B, kvHeads, n, headDim] each, prepended before attention. */
export interface LayerPrefix {
  key: tf.Tensor4D;
  value: tf.Tensor4D;
}

export interface ForwardHooks {
  /** Float32 weight of a base linear the method stores itself (QLoRA's NF4 matrices), else undefined. */
  frozenWeight?(fullName: string): tf.Tensor2D | undefined;
  /** Output of the linear `fullName` (e.g. `model.layers.0.self_attn.q_proj`) for x [N, in]. */
  linear?(fullName: string, x: tf.Tensor2D, base: FrozenLinear): tf.Tensor2D;
  /** Input embeddings [B, T, d] → [B, n + T, d] (prompt tuning); the loss then ignores the first n. */
  inputEmbeddings?(embeds: tf.Tensor3D): tf.Tensor3D;
  /** Keys/values prepended in every layer (prefix tuning); real tokens keep positions 0…T−1. */
  prefix?(batch: number): LayerPrefix[];
  /** Attention output after o_proj, before the residual add, [B, T, d] (Houlsby adapters). */
  attentionOutput?(layer: number, h: tf.Tensor3D): tf.Tensor3D;
  /** MLP output after down_proj, before the residual add, [B, T, d] (Pfeiffer and Houlsby adapters). */
  mlpOutput?(layer: number, h: tf.Tensor3D): tf.Tensor3D;
}

/** A PEFT folder's content: adapter_config.json and the tensors of adapter_model.safetensors. */
export interface AdapterFolder {
  config: Record<string, unknown>;
  tensors: Map<string, tf.Tensor>;
}

/** What every method module returns: the same shape for all, so the training loop knows none of them. */
export interface PeftMethod {
  config: MethodConfig;
  hooks: ForwardHooks;
  /** Trainable variables by their PEFT module-parameter name. Everything else is frozen. */
  trainable: Map<string, tf.Variable>;
  /** Variables a decoder layer reads (what gradient checkpointing must differentiate that layer by). */
  layerVariables(layer: number): tf.Variable[];
  /** Base weights the method stores itself; the model may free its float copies (QLoRA). */
  replacedWeights: string[];
  /** PEFT's folder layout: config keys and tensor names as PEFT saves them. */
  exportAdapter(): AdapterFolder;
  /**
   * Training mode turns dropout on (LoRA-family lora_dropout, on the adapter branch only, as PEFT);
   * `seed` fixes the step's dropout masks, so gradient checkpointing recomputes with the same masks.
   */
  setTraining(on: boolean, seed?: number): void;
  /** Loads tensors written by exportAdapter (or by PEFT) into the trainable variables. */
  importAdapter(tensors: Map<string, tf.Tensor>): void;
  dispose(): void;
}

/** Options common to all method factories. */
export interface MethodOptions {
  /** Seed of the method's own initialisation (LoRA A, adapter down-projections, random prompts). */
  seed: number;
  /** Token ids for prompt_tuning_init "TEXT" (prompt tuning only). */
  initTextIds?: number[];
}

/** `base_model.model.` + module name: the prefix PEFT puts on every saved LoRA/IA3 tensor name. */
export const PEFT_PREFIX = "base_model.model.";
