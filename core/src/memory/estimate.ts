import { countParsedParameters, type ParameterCounts } from "../count/parameters.js";
import { FieldReader } from "../fields.js";
import type { MethodConfig } from "../methods/types.js";
import type { ModelConfig } from "../model/config.js";
import { type ModelShape, modelShape } from "../model/shape.js";
import { type ActivationDetail, stepMemory } from "./activations.js";
import { DTYPES, type Dtype } from "./dtypes.js";
import { nf4Bytes } from "./quantization.js";
import { baseWeights, type Kernels, weightStorage } from "./step.js";

export const KERNELS: readonly Kernels[] = ["native", "tfjs", "wasm"];

export const OPTIMIZERS = ["adamw", "sgd", "sgd-momentum"] as const;
export type Optimizer = (typeof OPTIMIZERS)[number];

export interface MemoryOptions {
  batchSize: number;
  /** Tokens per example (virtual tokens of prompt/prefix tuning come on top). */
  seqLen: number;
  optimizer: Optimizer;
  /**
   * Storage of frozen weights: float32, or bfloat16/float16 (every frozen matrix, the embedding too,
   * packed in 16 bits and upcast per use; norms and biases stay float32). What trains, its gradients, AdamW's state and activations stay float32
   * (mixed precision), as in the engine; `full` trains every weight, so it takes float32 only.
   */
  dtype: Dtype;
  gradientCheckpointing?: boolean;
  /**
   * The engine's backend: "native" (the default: one-pass cross-entropy, AdamW in place), "tfjs" (cpu,
   * tfjs-node: cross-entropy holds two [N, V] tensors at once, AdamW runs as tfjs ops) or "wasm" (as
   * "tfjs", and every tensor the tape keeps is a copy). Default "native".
   */
  kernels?: Kernels;
}

/**
 * Bytes at the peak of one training step of the engine (runner/src/engine), the way its memory meter
 * measures it: the most bytes of distinct tensor buffers alive at once. Every number is a deterministic
 * function of (model, method, options).
 */
export interface MemoryEstimate {
  /**
   * Weights that do not train, as stored: float32, or with a 16-bit dtype every frozen matrix in 16 bits
   * (norms and biases stay float32); QLoRA's decoder linears as 4-bit NF4 codes.
   */
  frozenWeights: number;
  /** frozenWeights split by storage type, e.g. { float32: …, bfloat16: …, nf4: … }. */
  frozenByDtype: Record<string, number>;
  /** QLoRA: absmax scales (8-bit with double quantisation) and their float32 scales; else 0. */
  quantConstants: number;
  /** Trainable weights, float32 whatever the dtype (mixed precision: no 16-bit copies). */
  trainableWeights: number;
  /**
   * Gradients of trainable weights alive at the peak, float32: those the backward pass has made by then
   * (all of them at its end; a tied embedding's two partial gradients count both).
   */
  gradients: number;
  /** AdamW's m and v (SGD with momentum: one buffer), float32. */
  optimizerState: number;
  /**
   * Everything else alive at the peak, float32: the tensors the forward keeps for the backward, the
   * activation gradients made so far, the running op's temporaries (activationDetail).
   */
  activations: number;
  total: number;
  /** Where the activation bytes come from (activations.ts). */
  activationDetail: ActivationDetail;
  /** Parameter counts the byte figures are built from. */
  parameters: ParameterCounts & { frozen: number; quantized: number };
}

export function parseMemoryOptions(json: unknown, model: ModelConfig, method: MethodConfig): MemoryOptions {
  const f = FieldReader.of(json, "memory options", "options");
  const batchSize = f.int("batchSize", { min: 1 });
  const seqLen = f.int("seqLen", { min: 1 });
  const optimizer = readEnum(f, "optimizer", OPTIMIZERS);
  const dtype = readEnum(f, "dtype", DTYPES);
  const gradientCheckpointing = f.bool("gradientCheckpointing", false);
  const kernels = f.oneOf("kernels", KERNELS, "native");
  if (method.method === "full" && dtype !== "float32" && f.has("dtype")) {
    f.fail(
      "dtype",
      `dtype ${dtype} stores frozen weights in 16 bits, and full fine-tuning trains every weight: use float32`,
    );
  }
  const positions = seqLen + (method.method === "prompt" ? method.num_virtual_tokens : 0);
  if (Number.isInteger(seqLen) && positions > model.max_position_embeddings) {
    f.fail(
      "seqLen",
      method.method === "prompt"
        ? `seqLen + num_virtual_tokens must be <= max_position_embeddings (${model.max_position_embeddings}), got ${seqLen} + ${method.num_virtual_tokens}`
        : `seqLen must be <= max_position_embeddings (${model.max_position_embeddings}), got ${seqLen}`,
    );
  }
  f.done();
  return { batchSize, seqLen, optimizer, dtype, gradientCheckpointing, kernels };
}

function readEnum<T extends string>(f: FieldReader, key: string, allowed: readonly T[]): T {
  if (!f.has(key)) {
    f.fail(key, `${key} is required (one of ${allowed.map((a) => `"${a}"`).join(", ")})`);
    return allowed[0]!;
  }
  return f.oneOf(key, allowed, allowed[0]!);
}

/** Optimizer state per trainable parameter, in units of the parameter: AdamW m and v; momentum buffer. */
const STATE_PER_PARAM: Record<Optimizer, number> = { adamw: 2, sgd: 0, "sgd-momentum": 1 };

/** Trainable weights, their gradients and optimizer state are float32 (the engine's variables). */
const FLOAT32 = 4;

/** Both configs and the options must already be parsed/validated (see `estimateMemory` in index). */
export function estimateParsedMemory(
  model: ModelConfig,
  method: MethodConfig,
  opts: MemoryOptions,
): MemoryEstimate {
  const s = modelShape(model);
  const counts = countParsedParameters(model, method);
  const frozen = counts.total - counts.trainable;
  const stored = frozenStorage(model, s, method, opts.dtype);
  const trainableWeights = counts.trainable * FLOAT32;
  const optimizerState = counts.trainable * STATE_PER_PARAM[opts.optimizer] * FLOAT32;
  const step = stepMemory(model, s, method, {
    batchSize: opts.batchSize,
    seqLen: opts.seqLen,
    dtype: opts.dtype,
    gradientCheckpointing: opts.gradientCheckpointing === true,
    kernels: opts.kernels ?? "native",
    adamw: opts.optimizer === "adamw",
  });
  const frozenWeights = Object.values(stored.byDtype).reduce((a, b) => a + b, 0);
  return {
    frozenWeights,
    frozenByDtype: stored.byDtype,
    quantConstants: stored.quantConstants,
    trainableWeights,
    gradients: step.gradients,
    optimizerState,
    activations: step.activations,
    total:
      frozenWeights +
      stored.quantConstants +
      trainableWeights +
      step.gradients +
      optimizerState +
      step.activations,
    activationDetail: step.detail,
    parameters: { ...counts, frozen, quantized: stored.quantized },
  };
}

/**
 * Bytes of the frozen base weights as the engine stores them (storageOf in step.ts): float32 variables,
 * 16-bit matrices packed two per int32 word, NF4 codes eight per int32 word plus their scales.
 */
function frozenStorage(model: ModelConfig, s: ModelShape, method: MethodConfig, dtype: Dtype) {
  const byDtype: Record<string, number> = {};
  const put = (key: string, bytes: number) => {
    if (bytes > 0) byDtype[key] = (byDtype[key] ?? 0) + bytes;
  };
  let quantConstants = 0;
  let quantized = 0;
  const storage = weightStorage(model, method, dtype);
  for (const [name, elements] of baseWeights(s)) {
    const kind = storage(name);
    if (kind === "float32") put("float32", elements * FLOAT32);
    else if (kind === "half") put(dtype, Math.ceil(elements / 2) * FLOAT32);
    else if (kind === "nf4" && method.method === "qlora") {
      const q = nf4Bytes(elements, method.bnb_4bit_use_double_quant);
      put("nf4", q.codes);
      quantConstants += q.constants;
      quantized += elements;
    }
  }
  return { byDtype, quantConstants, quantized };
}
