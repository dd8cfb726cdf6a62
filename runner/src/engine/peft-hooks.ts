import type * as tf from "@tensorflow/tfjs";
import type { Dtype, MethodConfig, ModelConfig } from "@tunelab/core";
import type { CompactLayout } from "./native/addon.js";

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

/**
 * A frozen base weight kept compactly (QLoRA's NF4, the 16-bit storage of bfloat16/float16 runs): the
 * forward pass reads it through the frozen-linear op (ops/frozen-linear.ts), which holds a float32 copy
 * only while one matmul runs.
 */
export interface CompactWeight {
  /** [out, in] */
  shape: [number, number];
  /** A fresh float32 copy; the caller frees it. */
  dequantize(): tf.Tensor2D;
  /** The tensors the storage holds (disposal, byte accounting). */
  tensors: tf.Tensor[];
  /** The storage as host arrays, for native kernels that decode W inside the matmul (host backends). */
  layout?(): CompactLayout;
}

/** A frozen linear as the forward pass sees it. */
export interface FrozenLinear {
  /** x [N, in] → x·Wᵀ + bias. */
  forward(x: tf.Tensor2D): tf.Tensor2D;
  /** x [N, in] → x·Wᵀ, without the bias (DoRA's base term). */
  matmul(x: tf.Tensor2D): tf.Tensor2D;
  /**
   * The frozen weight [out, in] in float32 (DoRA's norm needs it). A compact weight is dequantised on
   * each call: read it inside a detached op or a tidy, so the copy is freed at once.
   */
  weight(): tf.Tensor2D;
}

/** One layer's prefix keys and values, [B, kvHeads, n, headDim] each, prepended before attention. */
export interface LayerPrefix {
  key: tf.Tensor4D;
  value: tf.Tensor4D;
}

export interface ForwardHooks {
  /**
   * The compact storage of a frozen base weight by HF weight name (`….q_proj.weight`), else undefined:
   * the forward pass then reads it instead of the model's float copy.
   */
  compactWeight?(weightName: string): CompactWeight | undefined;
  /** Output of the linear `fullName` (e.g. `model.layers.0.self_attn.q_proj`) for x [N, in]. */
  linear?(fullName: string, x: tf.Tensor2D, base: FrozenLinear): tf.Tensor2D;
  /** Input embeddings [B, T, d] → [B, n + T, d] (prompt tuning); the loss then ignores the first n. */
  inputEmbeddings?(embeds: tf.Tensor3D): tf.Tensor3D;
  /** Keys/values of n tokens before every layer's own (prefix tuning): a cache, real tokens at n…n+T−1. */
  prefix?(batch: number): LayerPrefix[];
  /**
   * Attention output after o_proj, [B, T, d], and the sub-block's input (the residual); the result replaces
   * the output, and the residual is added after (Houlsby adapters).
   */
  attentionOutput?(layer: number, h: tf.Tensor3D, residual: tf.Tensor3D): tf.Tensor3D;
  /** The same after down_proj (Pfeiffer and Houlsby adapters). */
  mlpOutput?(layer: number, h: tf.Tensor3D, residual: tf.Tensor3D): tf.Tensor3D;
}

/**
 * An adapter folder's content: adapter_config.json and the tensors of its weights file, PEFT's
 * adapter_model.safetensors unless `weightsFile` names another (the adapters library's adapter.safetensors).
 */
export interface AdapterFolder {
  config: Record<string, unknown>;
  tensors: Map<string, tf.Tensor>;
  weightsFile?: string;
}

/** What every method module returns: the same shape for all, so the training loop knows none of them. */
export interface PeftMethod {
  config: MethodConfig;
  hooks: ForwardHooks;
  /** Trainable variables by their PEFT module-parameter name. Everything else is frozen. */
  trainable: Map<string, tf.Variable>;
  /** Variables a decoder layer reads (what gradient checkpointing must differentiate that layer by). */
  layerVariables(layer: number): tf.Variable[];
  /** Base weights kept as compactWeight (QLoRA, 16-bit dtypes); the model may free their float copies. */
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
  /**
   * Storage of the frozen weights (default float32). bfloat16/float16 keep every frozen matrix but the
   * embeddings in 16 bits; what trains, and the optimizer state, stays float32 (mixed precision).
   */
  dtype?: Dtype;
}

/** `base_model.model.` + module name: the prefix PEFT puts on every saved LoRA/IA3 tensor name. */
export const PEFT_PREFIX = "base_model.model.";
