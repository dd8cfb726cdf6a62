"""transformers' rotary-embedding parameters, in plain PyTorch.

Follows huggingface/transformers src/transformers/modeling_rope_utils.py (5.x): `standardize_rope_params`
(`rope_scaling or rope_parameters`, `type` → `rope_type`, `rope_theta` from the dict or the top level) and
`_compute_default_rope_parameters`, `_compute_linear_scaling_rope_parameters`,
`_compute_dynamic_ntk_parameters`, `_compute_yarn_parameters`, `_compute_longrope_parameters`,
`_compute_llama3_parameters` line by line. `rope_init(config, seq_len)` returns (inv_freq, attention_factor).
"""

import math

import torch


def standardize(c):
    params = c.get("rope_scaling") or c.get("rope_parameters") or {}
    params = dict(params)
    params["rope_type"] = params.get("rope_type", params.get("type", "default"))
    params["rope_theta"] = params.get("rope_theta") or c.get("rope_theta", 10000.0)
    return params


def _dim(c):
    return int(c["head_dim"] * c.get("partial_rotary_factor", 1.0))


def _default(c, p, seq_len):
    base, dim = p["rope_theta"], _dim(c)
    inv_freq = 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.int64).to(dtype=torch.float) / dim))
    return inv_freq, 1.0


def _linear(c, p, seq_len):
    inv_freq, attention_factor = _default(c, p, seq_len)
    inv_freq /= p["factor"]
    return inv_freq, attention_factor


def _dynamic(c, p, seq_len):
    base, dim = p["rope_theta"], _dim(c)
    max_position_embeddings = c["max_position_embeddings"]
    factor = p["factor"]
    seq_len = max_position_embeddings if seq_len is None else max(seq_len, max_position_embeddings)
    base = base * ((factor * seq_len / max_position_embeddings) - (factor - 1)) ** (dim / (dim - 2))
    inv_freq = 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.int64).to(dtype=torch.float) / dim))
    return inv_freq, 1.0


def _yarn(c, p, seq_len):
    base, dim = p["rope_theta"], _dim(c)
    factor = p["factor"]
    attention_factor = p.get("attention_factor")
    mscale = p.get("mscale")
    mscale_all_dim = p.get("mscale_all_dim")
    if "original_max_position_embeddings" in p:
        original_max_position_embeddings = p["original_max_position_embeddings"]
        factor = c["max_position_embeddings"] / original_max_position_embeddings
    else:
        original_max_position_embeddings = c["max_position_embeddings"]

    def get_mscale(scale, mscale=1):
        if scale <= 1:
            return 1.0
        return 0.1 * mscale * math.log(scale) + 1.0

    if attention_factor is None:
        if mscale and mscale_all_dim:
            attention_factor = float(get_mscale(factor, mscale) / get_mscale(factor, mscale_all_dim))
        else:
            attention_factor = get_mscale(factor)
    beta_fast = p.get("beta_fast") or 32
    beta_slow = p.get("beta_slow") or 1

    def find_correction_dim(num_rotations, dim, base, max_position_embeddings):
        return (dim * math.log(max_position_embeddings / (num_rotations * 2 * math.pi))) / (2 * math.log(base))

    def find_correction_range(low_rot, high_rot, dim, base, max_position_embeddings, truncate):
        low = find_correction_dim(low_rot, dim, base, max_position_embeddings)
        high = find_correction_dim(high_rot, dim, base, max_position_embeddings)
        if truncate:
            low = math.floor(low)
            high = math.ceil(high)
        return max(low, 0), min(high, dim - 1)

    def linear_ramp_factor(min, max, dim):
        if min == max:
            max += 0.001
        linear_func = (torch.arange(dim, dtype=torch.float32) - min) / (max - min)
        return torch.clamp(linear_func, 0, 1)

    pos_freqs = base ** (torch.arange(0, dim, 2).to(dtype=torch.float) / dim)
    inv_freq_extrapolation = 1.0 / pos_freqs
    inv_freq_interpolation = 1.0 / (factor * pos_freqs)
    truncate = p.get("truncate", True)
    low, high = find_correction_range(beta_fast, beta_slow, dim, base, original_max_position_embeddings, truncate)
    inv_freq_extrapolation_factor = 1 - linear_ramp_factor(low, high, dim // 2).to(dtype=torch.float)
    inv_freq = (
        inv_freq_interpolation * (1 - inv_freq_extrapolation_factor)
        + inv_freq_extrapolation * inv_freq_extrapolation_factor
    )
    return inv_freq, attention_factor


def _longrope(c, p, seq_len):
    base, dim = p["rope_theta"], _dim(c)
    long_factor, short_factor = p["long_factor"], p["short_factor"]
    factor = p.get("factor")
    attention_factor = p.get("attention_factor")
    if original_max_position_embeddings := c.get("original_max_position_embeddings"):
        factor = c["max_position_embeddings"] / original_max_position_embeddings
    else:
        original_max_position_embeddings = c["max_position_embeddings"]
    if attention_factor is None:
        if factor <= 1.0:
            attention_factor = 1.0
        else:
            attention_factor = math.sqrt(1 + math.log(factor) / math.log(original_max_position_embeddings))
    if seq_len and seq_len > original_max_position_embeddings:
        ext_factors = torch.tensor(long_factor, dtype=torch.float32)
    else:
        ext_factors = torch.tensor(short_factor, dtype=torch.float32)
    inv_freq_shape = torch.arange(0, dim, 2, dtype=torch.int64).float() / dim
    return 1.0 / (ext_factors * base**inv_freq_shape), attention_factor


def _llama3(c, p, seq_len):
    inv_freq, attention_factor = _default(c, p, seq_len)
    factor = p["factor"]
    low_freq_factor = p["low_freq_factor"]
    high_freq_factor = p["high_freq_factor"]
    old_context_len = p["original_max_position_embeddings"]
    low_freq_wavelen = old_context_len / low_freq_factor
    high_freq_wavelen = old_context_len / high_freq_factor
    wavelen = 2 * math.pi / inv_freq
    inv_freq_llama = torch.where(wavelen > low_freq_wavelen, inv_freq / factor, inv_freq)
    smooth_factor = (old_context_len / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor)
    smoothed_inv_freq = (1 - smooth_factor) * inv_freq_llama / factor + smooth_factor * inv_freq_llama
    is_medium_freq = ~(wavelen < high_freq_wavelen) * ~(wavelen > low_freq_wavelen)
    inv_freq_llama = torch.where(is_medium_freq, smoothed_inv_freq, inv_freq_llama)
    return inv_freq_llama, attention_factor


INIT = {
    "default": _default,
    "linear": _linear,
    "dynamic": _dynamic,
    "yarn": _yarn,
    "longrope": _longrope,
    "llama3": _llama3,
}


def rope_init(c, seq_len):
    """inv_freq and attention factor for a forward pass whose positions end at seq_len − 1: the dynamic and
    longrope types recompute from seq_len as `dynamic_rope_update` does (dynamic only above the
    original length; longrope's long factors only above original_max_position_embeddings)."""
    p = standardize(c)
    return INIT[p["rope_type"]](c, p, seq_len)
