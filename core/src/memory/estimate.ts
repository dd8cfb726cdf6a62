import { countParsedParameters, type ParameterCounts } from "../count/parameters.js";
import { FieldReader } from "../fields.js";
import type { ModelConfig } from "../model/config.js";
import { layerLinears, linearWeights } from "../model/modules.js";
import { modelShape } from "../model/shape.js";
import type { MethodConfig } from "../methods/types.js";
import { activationInventory, activationShape } from "./activations.js";
import { DTYPES, type Dtype, dtypeBytes } from "./dtypes.js";
import { nf4Bytes } from "./quantization.js";

export const OPTIMIZERS = ["adamw", "sgd", "sgd-momentum"] as const;
export type Optimizer = (typeof OPTIMIZERS)[number];

export interface MemoryOptions {
  batchSize: number;
  /** Tokens per example (virtual tokens of prompt/prefix tuning come on top). */
  seqLen: number;
  optimizer: Optimizer;
  /** Dtype of weights, gradients, optimizer state and activations (no fp32 master copies). */
  dtype: Dtype;
  gradientCheckpointing?: boolean;
}

/** Bytes. Every number is a deterministic function of (model, method, options). */
export interface MemoryEstimate {
  /** Weights that do not train: in `dtype`, except QLoRA's quantised matrices (4-bit codes). */
  frozenWeights: number;
  /** frozenWeights split by storage type, e.g. { bfloat16: …, nf4: … }. */
  frozenByDtype: Record<string, number>;
  /** QLoRA: absmax scales (8-bit with double quantisation) and their float32 scales; else 0. */
  quantConstants: number;
  trainableWeights: number;
  gradients: number;
  optimizerState: number;
  activations: number;
  total: number;
  /** Where the activation bytes come from (see activations.ts for the model). */
  activationDetail: {
    checkpointed: boolean;
    /** One layer of the base model. */
    perLayer: Record<string, number>;
    /** Method additions summed over all layers (with recomputation: those of the one layer counted). */
    methodLayers: Record<string, number>;
    head: Record<string, number>;
    global: Record<string, number>;
    /** With recomputation: the L layer inputs kept and, in the backward pass, their gradients. */
    layerInputs: number;
    /** Clones of the layer weights the matmuls keep (QLoRA: the dequantised weights and their clones). */
    weightClones: number;
  };
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
  return { batchSize, seqLen, optimizer, dtype, gradientCheckpointing };
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

/** Both configs and the options must already be parsed/validated (see `estimateMemory` in index). */
export function estimateParsedMemory(
  model: ModelConfig,
  method: MethodConfig,
  opts: MemoryOptions,
): MemoryEstimate {
  const s = modelShape(model);
  const bytes = dtypeBytes(opts.dtype);
  const counts = countParsedParameters(model, method);
  const frozen = counts.total - counts.trainable;

  // QLoRA quantises every decoder-layer linear weight; embeddings, norms, biases and lm_head stay in dtype.
  const quantMatrices = method.method === "qlora" ? layerLinears(s) : [];
  const quantized = s.layers * quantMatrices.reduce((acc, m) => acc + linearWeights(m), 0);
  let nf4 = 0;
  let quantConstants = 0;
  if (method.method === "qlora") {
    for (const m of quantMatrices) {
      const q = nf4Bytes(linearWeights(m), method.bnb_4bit_use_double_quant);
      nf4 += s.layers * q.codes;
      quantConstants += s.layers * q.constants;
    }
  }
  // frozenWeights = (frozen params − quantised params) · bytes(dtype) + NF4 codes (n/2 bytes each matrix).
  const plainFrozen = (frozen - quantized) * bytes;
  const frozenByDtype: Record<string, number> = {};
  if (plainFrozen > 0) frozenByDtype[opts.dtype] = plainFrozen;
  if (nf4 > 0) frozenByDtype.nf4 = nf4;

  // trainableWeights = gradients = trainable · bytes(dtype): one gradient per trainable parameter,
  // all alive together after the backward pass, before the optimizer step.
  const trainableWeights = counts.trainable * bytes;
  const gradients = counts.trainable * bytes;
  // optimizerState = trainable · {adamw 2, sgd 0, sgd-momentum 1} · bytes(dtype).
  const optimizerState = counts.trainable * STATE_PER_PARAM[opts.optimizer] * bytes;

  const activationDetail = activationBytes(model, method, opts);
  const activations = activationDetail.total;
  const frozenWeights = plainFrozen + nf4;
  return {
    frozenWeights,
    frozenByDtype,
    quantConstants,
    trainableWeights,
    gradients,
    optimizerState,
    activations,
    total: frozenWeights + quantConstants + trainableWeights + gradients + optimizerState + activations,
    activationDetail: activationDetail.detail,
    parameters: { ...counts, frozen, quantized },
  };
}

/**
 * activations = bytes(dtype) · elements + weight clones, where (activations.ts has the op inventory)
 *   without recomputation: elements = L · layer + Σ method additions over layers + head + global,
 *   with recomputation:    elements = 2·L·B·T·d (layer inputs, then their gradients)
 *                                     + max over layers of (layer + method additions) + head + global;
 * and the weight clones the layer matmuls keep, Σ linear weights per layer (L layers, or the one being
 * recomputed), are priced in dtype — or, for QLoRA, in bnb_4bit_compute_dtype, since the clones are the
 * dequantised weights (plus the dequantised copy itself that the matmul consumed).
 */
function activationBytes(model: ModelConfig, method: MethodConfig, opts: MemoryOptions) {
  const s = modelShape(model);
  const bytes = dtypeBytes(opts.dtype);
  const shape = activationShape(method, opts.batchSize, opts.seqLen);
  const inv = activationInventory(model, s, method, shape);
  const checkpointed = opts.gradientCheckpointing === true;

  const layerBase = sumValues(inv.perLayer);
  const extraByLayer = new Array<number>(s.layers).fill(0);
  for (const perIndex of Object.values(inv.methodLayers)) {
    for (let i = 0; i < s.layers; i++) extraByLayer[i]! += perIndex[i]!;
  }
  const widest = extraByLayer.indexOf(Math.max(...extraByLayer));
  const layerInputs = checkpointed ? 2 * s.layers * shape.batch * shape.queries * s.hidden : 0;
  const layers = checkpointed
    ? layerInputs + layerBase + extraByLayer[widest]!
    : s.layers * layerBase + extraByLayer.reduce((a, b) => a + b, 0);
  const elements = layers + sumValues(inv.head) + sumValues(inv.global);

  const layersHeld = checkpointed ? 1 : s.layers;
  const weightClones =
    method.method === "qlora"
      ? 2 * layersHeld * inv.layerWeightClones * dtypeBytes(method.bnb_4bit_compute_dtype)
      : layersHeld * inv.layerWeightClones * bytes;

  return {
    total: elements * bytes + weightClones,
    detail: {
      checkpointed,
      perLayer: scale(inv.perLayer, bytes),
      methodLayers: Object.fromEntries(
        Object.entries(inv.methodLayers).map(([k, v]) => [
          k,
          (checkpointed ? v[widest]! : v.reduce((a, b) => a + b, 0)) * bytes,
        ]),
      ),
      head: scale(inv.head, bytes),
      global: scale(inv.global, bytes),
      layerInputs: layerInputs * bytes,
      weightClones,
    },
  };
}

function sumValues(r: Record<string, number>): number {
  return Object.values(r).reduce((a, b) => a + b, 0);
}

function scale(r: Record<string, number>, k: number): Record<string, number> {
  return Object.fromEntries(Object.entries(r).map(([key, v]) => [key, v * k]));
}
