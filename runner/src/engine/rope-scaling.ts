import { type ModelConfig, type RopeParameters, ropeParameters } from "@tunelab/core";

/** Per-frequency inverse wavelengths (float32 values, head_dim / 2) and the scale applied to cos/sin. */
export interface RopeFrequencies {
  invFreq: Float32Array;
  attentionScaling: number;
}

/**
 * The rotary frequencies transformers uses for a forward pass whose last position is `seqLen − 1`
 * (src/transformers/modeling_rope_utils.py, `ROPE_INIT_FUNCTIONS[rope_type]`; the model applies them in
 * models/llama/modeling_llama.py `LlamaRotaryEmbedding.forward`). `seqLen` matters only to "dynamic" and
 * "longrope", which `dynamic_rope_update` recomputes from `max(position_ids) + 1`; for cached generation
 * that is each step's own length, as here, so earlier keys keep the rotation they were cached with.
 */
export function ropeFrequencies(config: ModelConfig, seqLen: number): RopeFrequencies {
  const rope = ropeParameters(config);
  const dim = config.head_dim;
  const maxPositions = config.max_position_embeddings;
  switch (rope.rope_type) {
    case "default": // _compute_default_rope_parameters
      return plainRope(rope.rope_theta, dim);
    case "linear": // _compute_linear_scaling_rope_parameters: inv_freq /= factor
      return {
        invFreq: defaultInvFreq(rope.rope_theta, dim).map((f) => f / rope.factor!),
        attentionScaling: 1,
      };
    case "dynamic": {
      // _compute_dynamic_ntk_parameters: the base grows once the sequence outgrows max_position_embeddings
      const factor = rope.factor!;
      const len = Math.max(seqLen, maxPositions);
      const base = rope.rope_theta * ((factor * len) / maxPositions - (factor - 1)) ** (dim / (dim - 2));
      return { invFreq: defaultInvFreq(base, dim), attentionScaling: 1 };
    }
    case "yarn":
      return yarn(rope, dim, maxPositions);
    case "longrope":
      return longrope(rope, config, seqLen);
    case "llama3":
      return { invFreq: llama3(rope, dim), attentionScaling: 1 };
  }
}

/** Plain RoPE of base `theta` over `dim` dimensions. */
export function plainRope(theta: number, dim: number): RopeFrequencies {
  return { invFreq: defaultInvFreq(theta, dim), attentionScaling: 1 };
}

/** `1.0 / (base ** (torch.arange(0, dim, 2).float() / dim))`, each step in float32 as torch does it. */
function defaultInvFreq(base: number, dim: number): Float32Array {
  const f = Math.fround;
  return Float32Array.from({ length: dim / 2 }, (_, i) => f(1 / f(f(base) ** f((2 * i) / dim))));
}

/** _compute_llama3_parameters: low frequencies divided by `factor`, a smooth ramp between the bands. */
function llama3(rope: RopeParameters, dim: number): Float32Array {
  const factor = rope.factor!;
  const low = rope.low_freq_factor!;
  const high = rope.high_freq_factor!;
  const oldContext = rope.original_max_position_embeddings!;
  const lowFreqWavelen = oldContext / low;
  const highFreqWavelen = oldContext / high;
  return defaultInvFreq(rope.rope_theta, dim).map((inv) => {
    const wavelen = (2 * Math.PI) / inv;
    if (wavelen < highFreqWavelen) return inv;
    if (wavelen > lowFreqWavelen) return inv / factor;
    const smooth = (oldContext / wavelen - low) / (high - low);
    return ((1 - smooth) * inv) / factor + smooth * inv;
  });
}

/**
 * _compute_yarn_parameters: interpolated (÷ factor) frequencies below the correction range, extrapolated
 * ones above it, a linear ramp between; cos/sin scaled by the attention factor (0.1·ln(factor) + 1 unless
 * given, or the mscale ratio). With `original_max_position_embeddings` the factor is
 * max_position_embeddings / original (DeepSeek-V3's convention, as upstream).
 */
function yarn(rope: RopeParameters, dim: number, maxPositions: number): RopeFrequencies {
  const base = rope.rope_theta;
  const original = rope.original_max_position_embeddings ?? maxPositions;
  const factor = rope.original_max_position_embeddings !== undefined ? maxPositions / original : rope.factor!;
  const mscale = (scale: number, m = 1) => (scale <= 1 ? 1 : 0.1 * m * Math.log(scale) + 1);
  const attentionScaling =
    rope.attention_factor ??
    (rope.mscale && rope.mscale_all_dim
      ? mscale(factor, rope.mscale) / mscale(factor, rope.mscale_all_dim)
      : mscale(factor));
  const betaFast = rope.beta_fast || 32;
  const betaSlow = rope.beta_slow || 1;
  const correctionDim = (rotations: number) =>
    (dim * Math.log(original / (rotations * 2 * Math.PI))) / (2 * Math.log(base));
  const truncate = rope.truncate ?? true;
  let low = correctionDim(betaFast);
  let high = correctionDim(betaSlow);
  if (truncate) [low, high] = [Math.floor(low), Math.ceil(high)];
  [low, high] = [Math.max(low, 0), Math.min(high, dim - 1)];
  if (low === high) high += 0.001; // linear_ramp_factor: "Prevent singularity"
  const f = Math.fround;
  const invFreq = Float32Array.from({ length: dim / 2 }, (_, i) => {
    const posFreq = f(f(base) ** f((2 * i) / dim));
    const extrapolation = f(1 / posFreq);
    const interpolation = f(1 / f(factor * posFreq));
    const ramp = Math.min(1, Math.max(0, (i - low) / (high - low)));
    const extrapolationFactor = 1 - ramp;
    return interpolation * (1 - extrapolationFactor) + extrapolation * extrapolationFactor;
  });
  return { invFreq, attentionScaling };
}

/**
 * _compute_longrope_parameters: per-frequency factors, the long ones once the sequence outgrows the
 * original context (top-level `original_max_position_embeddings`, else max_position_embeddings), and
 * cos/sin scaled by √(1 + ln(factor) / ln(original)) unless `attention_factor` is given.
 */
function longrope(rope: RopeParameters, config: ModelConfig, seqLen: number): RopeFrequencies {
  const dim = config.head_dim;
  const given = config.original_max_position_embeddings;
  const original = typeof given === "number" && given > 0 ? given : config.max_position_embeddings;
  const factor =
    typeof given === "number" && given > 0 ? config.max_position_embeddings / given : rope.factor!;
  const attentionScaling =
    rope.attention_factor ?? (factor <= 1 ? 1 : Math.sqrt(1 + Math.log(factor) / Math.log(original)));
  const ext = seqLen > original ? rope.long_factor! : rope.short_factor!;
  const f = Math.fround;
  const invFreq = Float32Array.from({ length: dim / 2 }, (_, i) => {
    return f(1 / f(f(ext[i]!) * f(f(rope.rope_theta) ** f((2 * i) / dim))));
  });
  return { invFreq, attentionScaling };
}
