import * as tf from "@tensorflow/tfjs";
import { DTYPES, type Dtype, type MethodConfig, ValidationError } from "@tunelab/core";
import type { Model } from "../model.js";
import type { CompactLayout } from "../native/addon.js";
import type { CompactWeight, PeftMethod } from "../peft-hooks.js";
import { type HalfFormat, type HalfMatrix, halfLayout, packHalf, unpackHalf } from "../quant/half.js";
import { dequantizeNf4, type Nf4Matrix, nf4Layout, nf4Tensors } from "../quant/nf4.js";

/**
 * How frozen base weights are stored. A method may keep some compactly (QLoRA: NF4), and a run's dtype
 * (bfloat16, float16) packs every other frozen matrix in 16 bits; both reach the forward pass through
 * the `compactWeight` hook, and `replacedWeights` tells the caller which float copies to free.
 *
 * The embedding matrix is packed too: the forward pass gathers its rows from a transient unpacked copy,
 * and a tied lm_head reads it through the frozen-linear op like any packed linear. Norm weights and
 * biases stay float32; they are vectors.
 */

export function nf4Weight(m: Nf4Matrix): CompactWeight {
  let layout: CompactLayout | undefined; // views of the stored tensors' arrays: made once
  return {
    shape: m.shape as [number, number],
    dequantize: () => dequantizeNf4(m) as tf.Tensor2D,
    tensors: nf4Tensors(m),
    layout: () => (layout ??= nf4Layout(m)),
  };
}

export function halfWeight(m: HalfMatrix): CompactWeight {
  let layout: CompactLayout | undefined;
  return {
    shape: m.shape as [number, number],
    dequantize: () => unpackHalf(m) as tf.Tensor2D,
    tensors: [m.words],
    layout: () => (layout ??= halfLayout(m)),
  };
}

/** `method` reading the weights of `stored` from compact storage, which it then owns (frees on dispose). */
export function withCompactWeights(method: PeftMethod, stored: Map<string, CompactWeight>): PeftMethod {
  if (stored.size === 0) return method;
  const own = method.hooks.compactWeight;
  return {
    ...method,
    hooks: { ...method.hooks, compactWeight: (name) => stored.get(name) ?? own?.(name) },
    replacedWeights: [...method.replacedWeights, ...stored.keys()],
    dispose: () => {
      method.dispose();
      for (const w of stored.values()) tf.dispose(w.tensors);
    },
  };
}

/**
 * A run's dtype, checked before the method is built (it may come from JSON): a ValidationError naming
 * `dtype` for an unknown one, and for 16 bits with full fine-tuning, which has no frozen weights (training
 * weights in 16 bits would need float32 master copies).
 */
export function storageDtype(value: unknown, config: MethodConfig): Dtype {
  if (!(DTYPES as readonly unknown[]).includes(value)) {
    const message = `dtype must be one of ${DTYPES.join(", ")}, got ${JSON.stringify(value)}`;
    throw new ValidationError({ field: "dtype", message });
  }
  if (value !== "float32" && config.method === "full") {
    const message = `dtype ${value} stores frozen weights in 16 bits, and full fine-tuning trains every weight: use float32`;
    throw new ValidationError({ field: "dtype", message });
  }
  return value as Dtype;
}

/**
 * Builds a method over `model` with its frozen weights in `dtype`. float32 changes nothing. For bfloat16
 * and float16 every matrix of the model is first rounded in place to what a checkpoint in that dtype
 * holds, so what a method reads while it is built (DoRA's magnitudes, QLoRA's NF4 codes, prompt tuning's
 * TEXT init) is what the forward pass will read; then every frozen matrix the method does not store
 * itself (embeddings, decoder linears, an untied lm_head; under QLoRA embeddings and lm_head) is packed in
 * 16 bits, exactly.
 */
export function withStorageDtype(model: Model, dtype: Dtype, build: () => PeftMethod): PeftMethod {
  if (dtype === "float32") return build();
  for (const w of model.weights.values()) {
    if (w.rank !== 2) continue;
    const rounded = unpackRounded(w, dtype);
    w.assign(rounded); // the variable takes the data; the tensor itself is freed
    rounded.dispose();
  }
  const method = build();
  return withCompactWeights(method, packFrozen(model, method, dtype));
}

function unpackRounded(w: tf.Tensor, format: HalfFormat): tf.Tensor {
  const m = packHalf(w.dataSync() as Float32Array, w.shape, format);
  const rounded = unpackHalf(m, "host");
  m.words.dispose();
  return rounded;
}

function packFrozen(model: Model, method: PeftMethod, format: HalfFormat): Map<string, CompactWeight> {
  const training = new Set<tf.Tensor>(method.trainable.values());
  const replaced = new Set(method.replacedWeights);
  const packed = new Map<string, CompactWeight>();
  for (const [name, w] of model.weights) {
    if (w.rank !== 2 || training.has(w) || replaced.has(name)) continue;
    packed.set(name, halfWeight(packHalf(w.dataSync() as Float32Array, w.shape, format)));
  }
  return packed;
}
