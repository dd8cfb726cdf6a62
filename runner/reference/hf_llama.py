"""A Llama decoder as transformers computes it, in plain PyTorch, for the reference fixtures.

Follows huggingface/transformers (main, 5.x):
- models/llama/modeling_llama.py: `LlamaRMSNorm.forward`, `LlamaRotaryEmbedding.forward` (float32
  `inv_freq @ position_ids`, `cat(freqs, freqs)`, `cos() * attention_scaling`), `rotate_half`,
  `apply_rotary_pos_emb`, `repeat_kv`, `eager_attention_forward` (scaling head_dim**-0.5, additive mask,
  float32 softmax), `LlamaMLP` (down(silu(gate) · up)), `LlamaModel.forward` (position_ids = cache_position
  = past_len … past_len + T − 1 when not given).
- masking_utils.py `create_causal_mask` for eager attention: query at cache position p sees key j when
  j ≤ p and attention_mask[j] = 1 (the 2-D mask spans the cache and the new tokens).
- cache_utils.py `DynamicCache.update`: keys/values concatenated along the sequence axis.
- modeling_rope_utils.py: `standardize_rope_params` and `ROPE_INIT_FUNCTIONS` (rope.py here).

Weights are seeded per tensor name (common.py `lcg_floats`, seed = FNV-1a of the name), so the engine's test
rebuilds the same model without a weights file.
"""

import torch

from common import fnv1a, lcg_floats
from rope import rope_init


def weight_shapes(c):
    """HF names and shapes of a Llama checkpoint (modeling_llama.py module tree)."""
    d, hd = c["hidden_size"], c["head_dim"]
    q, kv, inter = c["num_attention_heads"] * hd, c["num_key_value_heads"] * hd, c["intermediate_size"]
    out = {"model.embed_tokens.weight": (c["vocab_size"], d)}
    for l in range(c["num_hidden_layers"]):
        p = f"model.layers.{l}"
        out[f"{p}.input_layernorm.weight"] = (d,)
        out[f"{p}.self_attn.q_proj.weight"] = (q, d)
        out[f"{p}.self_attn.k_proj.weight"] = (kv, d)
        out[f"{p}.self_attn.v_proj.weight"] = (kv, d)
        out[f"{p}.self_attn.o_proj.weight"] = (d, q)
        out[f"{p}.mlp.gate_proj.weight"] = (inter, d)
        out[f"{p}.mlp.up_proj.weight"] = (inter, d)
        out[f"{p}.mlp.down_proj.weight"] = (d, inter)
        out[f"{p}.post_attention_layernorm.weight"] = (d,)
    out["model.norm.weight"] = (d,)
    if not c.get("tie_word_embeddings", False):
        out["lm_head.weight"] = (c["vocab_size"], d)
    return out


def seeded_weights(c):
    """Norm weights 1 + u/8, matrices u/4, u ∈ [−1, 1) from the name's seed; reference-fixtures.ts
    `seededTensor` is the same."""
    w = {}
    for name, shape in weight_shapes(c).items():
        n = 1
        for s in shape:
            n *= s
        if name.endswith("norm.weight"):
            w[name] = (lcg_floats(n, fnv1a(name), 0.125) + 1.0).view(shape)
        else:
            w[name] = lcg_floats(n, fnv1a(name), 0.25).view(shape)
    return w


def rms_norm(x, weight, eps):  # LlamaRMSNorm.forward
    variance = x.pow(2).mean(-1, keepdim=True)
    return weight * (x * torch.rsqrt(variance + eps))


def rotate_half(x):
    x1 = x[..., : x.shape[-1] // 2]
    x2 = x[..., x.shape[-1] // 2 :]
    return torch.cat((-x2, x1), dim=-1)


def repeat_kv(x, n_rep):
    b, g, s, hd = x.shape
    if n_rep == 1:
        return x
    return x[:, :, None, :, :].expand(b, g, n_rep, s, hd).reshape(b, g * n_rep, s, hd)


def rotary(c, position_ids):
    """LlamaRotaryEmbedding.forward with `dynamic_rope_update`: seq_len = max(position_ids) + 1."""
    inv_freq, attention_scaling = rope_init(c, int(position_ids.max()) + 1)
    freqs = (inv_freq[None, :, None].float() @ position_ids[:, None, :].float()).transpose(1, 2)
    emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos() * attention_scaling, emb.sin() * attention_scaling


def plain_residual(layer, site, out, residual):
    return out + residual


def forward(w, c, input_ids, attention_mask=None, position_ids=None, past=None, sublayer=plain_residual):
    """LlamaForCausalLM.forward (eager attention). past: per layer (keys, values) [B, G, S, hd] or None.
    sublayer(layer, "attention" | "output", out, residual) closes each sub-block (the residual add, or the
    adapters library's BottleneckLayer). Returns logits [B, T, V] and the updated cache."""
    b, t = input_ids.shape
    h, g, hd = c["num_attention_heads"], c["num_key_value_heads"], c["head_dim"]
    past_len = 0 if past is None else past[0][0].shape[2]
    cache_position = torch.arange(past_len, past_len + t)
    if position_ids is None:
        position_ids = cache_position.unsqueeze(0).expand(b, -1)
    if attention_mask is None:
        attention_mask = torch.ones(b, past_len + t)
    # create_causal_mask: [B, 1, T, past + T], 0 where visible, the dtype's minimum elsewhere
    keys = torch.arange(past_len + t)
    visible = (keys[None, :] <= cache_position[:, None])[None, :, :] & (attention_mask[:, None, :] == 1)
    mask = torch.where(visible, 0.0, torch.finfo(torch.float32).min)[:, None, :, :]
    cos, sin = rotary(c, position_ids)
    cos, sin = cos.unsqueeze(1), sin.unsqueeze(1)
    x = w["model.embed_tokens.weight"][input_ids]
    cache = []
    for l in range(c["num_hidden_layers"]):
        p = f"model.layers.{l}"
        lin = lambda name, v: v @ w[f"{p}.{name}.weight"].T  # noqa: E731
        y = rms_norm(x, w[f"{p}.input_layernorm.weight"], c["rms_norm_eps"])
        q = lin("self_attn.q_proj", y).view(b, t, h, hd).transpose(1, 2)
        k = lin("self_attn.k_proj", y).view(b, t, g, hd).transpose(1, 2)
        v = lin("self_attn.v_proj", y).view(b, t, g, hd).transpose(1, 2)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        if past is not None:
            k = torch.cat([past[l][0], k], dim=2)
            v = torch.cat([past[l][1], v], dim=2)
        cache.append((k, v))
        k, v = repeat_kv(k, h // g), repeat_kv(v, h // g)
        scores = (q @ k.transpose(2, 3)) * hd**-0.5 + mask
        probs = torch.softmax(scores, dim=-1, dtype=torch.float32)
        attn = (probs @ v).transpose(1, 2).reshape(b, t, h * hd)
        x = sublayer(l, "attention", lin("self_attn.o_proj", attn), x)
        y = rms_norm(x, w[f"{p}.post_attention_layernorm.weight"], c["rms_norm_eps"])
        mlp = lin("mlp.down_proj", torch.nn.functional.silu(lin("mlp.gate_proj", y)) * lin("mlp.up_proj", y))
        x = sublayer(l, "output", mlp, x)
    x = rms_norm(x, w["model.norm.weight"], c["rms_norm_eps"])
    head = w["model.embed_tokens.weight"] if c.get("tie_word_embeddings", False) else w["lm_head.weight"]
    return x @ head.T, cache
