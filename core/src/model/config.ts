import { ValidationError } from "../errors.js";
import { FieldReader, describe } from "../fields.js";
import { type RopeParameters, readRope } from "./rope.js";

/** Decoder families whose layers are exactly Llama's (RMSNorm, RoPE, GQA attention, SwiGLU MLP). */
export const SUPPORTED_MODEL_TYPES = ["llama", "mistral", "qwen2"] as const;
export type SupportedModelType = (typeof SUPPORTED_MODEL_TYPES)[number];

/**
 * A Hugging Face `config.json` object as it is (snake_case keys), with HF's defaults filled in for the
 * fields Tunelab reads. Keys Tunelab does not read (sliding_window, …) are kept verbatim, and so are
 * `rope_scaling` / `rope_parameters` (the engine computes them; `ropeParameters` reads them).
 */
export interface ModelConfig {
  model_type: SupportedModelType;
  architectures?: string[];
  vocab_size: number;
  hidden_size: number;
  intermediate_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  /** HF default: num_attention_heads (plain multi-head attention). */
  num_key_value_heads: number;
  /** HF default: hidden_size / num_attention_heads. */
  head_dim: number;
  max_position_embeddings: number;
  rms_norm_eps: number;
  /** From the top level or, in transformers 5's layout, `rope_parameters.rope_theta`; HF default 10000. */
  rope_theta: number;
  tie_word_embeddings: boolean;
  /** Llama only: a bias on q/k/v/o. Qwen2 always has q/k/v biases (see `modelShape`). */
  attention_bias: boolean;
  /** Llama only: a bias on gate/up/down. */
  mlp_bias: boolean;
  torch_dtype?: string;
  [key: string]: unknown;
}

/** HF's per-family defaults for the fields a config.json may leave out (transformers' *Config classes). */
const FAMILY_DEFAULTS: Record<SupportedModelType, { max_position_embeddings: number; rms_norm_eps: number }> =
  {
    llama: { max_position_embeddings: 2048, rms_norm_eps: 1e-6 },
    mistral: { max_position_embeddings: 4096 * 32, rms_norm_eps: 1e-6 },
    qwen2: { max_position_embeddings: 32768, rms_norm_eps: 1e-6 },
  };

const UNSUPPORTED_HINT = `Tunelab trains Llama-architecture decoders (${SUPPORTED_MODEL_TYPES.join(", ")})`;

/**
 * Reads a Hugging Face Llama-family config.json verbatim and validates it. The five size fields are
 * required even though HF's classes default them: a config without its sizes silently becoming
 * Llama-2-7B is the kind of fallback that gives wrong estimates.
 */
export function parseModelConfig(json: unknown): ModelConfig {
  const f = FieldReader.of(json, "model config", "model");
  const src = f.source;

  const modelType = src.model_type;
  if (modelType === undefined || modelType === null) {
    throw new ValidationError({
      field: "model_type",
      message: `model_type is required (one of ${SUPPORTED_MODEL_TYPES.join(", ")})`,
    });
  }
  if (typeof modelType !== "string" || !(SUPPORTED_MODEL_TYPES as readonly string[]).includes(modelType)) {
    throw new ValidationError({
      field: "model_type",
      message: `architecture ${describe(modelType)} is not supported; ${UNSUPPORTED_HINT}`,
    });
  }
  const family = modelType as SupportedModelType;
  const defaults = FAMILY_DEFAULTS[family];

  const vocab = f.int("vocab_size", { min: 1 });
  const hidden = f.int("hidden_size", { min: 1 });
  const intermediate = f.int("intermediate_size", { min: 1 });
  const layers = f.int("num_hidden_layers", { min: 1 });
  const heads = f.int("num_attention_heads", { min: 1 });
  const kvHeads = f.int("num_key_value_heads", { min: 1, fallback: Number.isNaN(heads) ? 1 : heads });
  const headDimGiven = f.has("head_dim");
  const headDim = headDimGiven
    ? f.int("head_dim", { min: 1 })
    : Number.isInteger(hidden / heads)
      ? hidden / heads
      : Number.NaN;
  const maxPositions = f.int("max_position_embeddings", {
    min: 1,
    fallback: defaults.max_position_embeddings,
  });
  const rmsNormEps = f.num("rms_norm_eps", { min: 0, exclusiveMin: true, fallback: defaults.rms_norm_eps });
  const rope = readRope(src, { headDim });
  f.issues.push(...rope.issues);
  const tied = f.bool("tie_word_embeddings", false);
  const attentionBias = f.bool("attention_bias", false);
  const mlpBias = f.bool("mlp_bias", false);
  const torchDtype = f.optionalString("torch_dtype");

  if (!headDimGiven && hidden > 0 && heads > 0 && hidden % heads !== 0) {
    f.fail(
      "hidden_size",
      `hidden_size (${hidden}) must be divisible by num_attention_heads (${heads}) when head_dim is not given`,
    );
  }
  if (headDim > 0 && headDim % 2 !== 0) {
    f.fail(
      headDimGiven ? "head_dim" : "hidden_size",
      `head_dim must be even for rotary embeddings, got ${headDim}${headDimGiven ? "" : ` (hidden_size ${hidden} / num_attention_heads ${heads})`}`,
    );
  }
  if (heads > 0 && kvHeads > 0 && heads % kvHeads !== 0) {
    f.fail(
      "num_key_value_heads",
      `num_key_value_heads (${kvHeads}) must divide num_attention_heads (${heads})`,
    );
  }
  if (src.architectures !== undefined && !isStringList(src.architectures)) {
    f.fail("architectures", `architectures must be a list of strings, got ${describe(src.architectures)}`);
  }
  const experts = src.num_local_experts ?? src.num_experts;
  if (typeof experts === "number" && experts > 1) {
    f.fail(
      "num_local_experts",
      `mixture-of-experts configs (${experts} experts) are not supported; ${UNSUPPORTED_HINT}`,
    );
  }
  f.done();

  return {
    ...src,
    model_type: family,
    vocab_size: vocab,
    hidden_size: hidden,
    intermediate_size: intermediate,
    num_hidden_layers: layers,
    num_attention_heads: heads,
    num_key_value_heads: kvHeads,
    head_dim: headDim,
    max_position_embeddings: maxPositions,
    rms_norm_eps: rmsNormEps,
    rope_theta: rope.rope.rope_theta,
    tie_word_embeddings: tied,
    attention_bias: attentionBias,
    mlp_bias: mlpBias,
    ...(torchDtype === undefined ? {} : { torch_dtype: torchDtype }),
  };
}

/**
 * The config's rotary embedding as transformers computes it (type, theta and that type's parameters),
 * from either config layout. parseModelConfig has already refused anything the engine cannot compute.
 */
export function ropeParameters(config: ModelConfig): RopeParameters {
  return readRope(config, { headDim: config.head_dim }).rope;
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === "string");
}
