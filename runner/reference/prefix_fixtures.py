"""PEFT prefix tuning on a tiny Llama, as PEFT and transformers compute it, with and without
prefix_projection. Writes fixtures/prefix.json.

Follows huggingface/peft (main):
- tuners/prefix_tuning/model.py `PrefixEncoder` (Embedding, or Embedding → Linear → Tanh → Linear).
- utils/other.py `_prepare_prompt_learning_config`: token_dim and num_attention_heads after the grouped-query
  adjustment (head_dim · num_key_value_heads, num_key_value_heads), encoder_hidden_size defaulting to token_dim.
- peft_model.py `get_prompt_embedding_to_save` (what `prompt_embeddings` in adapter_model.safetensors holds)
  and `get_prompt` (view (B, n, 2L, heads, head_dim), permute (2L, B, heads, n, head_dim), split in pairs: one
  cache entry per layer), `PeftModelForCausalLM.forward` (attention mask prefixed with n ones, the prefix
  passed as past_key_values) and `prepare_inputs_for_generation` (the prefix injected at prefill, then the
  cache grows).
The model is hf_llama.py: with a cache of n entries, real tokens sit at positions n … n+T−1.
"""

import torch

from common import f32_hex, fnv1a, lcg_floats, write_fixture
from hf_llama import forward, seeded_weights

CONFIG = {
    "model_type": "llama",
    "vocab_size": 48,
    "hidden_size": 32,
    "intermediate_size": 48,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "head_dim": 8,
    "max_position_embeddings": 64,
    "rms_norm_eps": 1e-6,
    "rope_theta": 10000.0,
    "tie_word_embeddings": False,
}
TOKENS = 3
HIDDEN = 12  # encoder_hidden_size with projection
BATCH = [[1, 17, 3, 40, 22, 9, 31, 5], [1, 12, 47, 8, 26, 0, 0, 0]]
MASK = [[1] * 8, [1, 1, 1, 1, 1, 0, 0, 0]]
PROMPT = [[1, 30, 7, 19]]
NEW_TOKENS = 6


def seeded(name, shape, scale):
    n = 1
    for s in shape:
        n *= s
    return lcg_floats(n, fnv1a(name), scale).view(shape)


def encoder_params(projection, layers, token_dim):
    """Seeded PrefixEncoder parameters under PEFT's module names; reference-fixtures.ts rebuilds them."""
    width = layers * 2 * token_dim
    if not projection:
        return {"prompt_encoder.embedding.weight": seeded("prompt_encoder.embedding.weight", (TOKENS, width), 0.5)}
    return {
        "prompt_encoder.embedding.weight": seeded("prompt_encoder.embedding.weight", (TOKENS, token_dim), 0.5),
        "prompt_encoder.transform.0.weight": seeded("prompt_encoder.transform.0.weight", (HIDDEN, token_dim), 0.25),
        "prompt_encoder.transform.0.bias": seeded("prompt_encoder.transform.0.bias", (HIDDEN,), 0.25),
        "prompt_encoder.transform.2.weight": seeded("prompt_encoder.transform.2.weight", (width, HIDDEN), 0.25),
        "prompt_encoder.transform.2.bias": seeded("prompt_encoder.transform.2.bias", (width,), 0.25),
    }


def prefix_encoder(p, projection):  # PrefixEncoder.forward over arange(n)
    tokens = torch.arange(TOKENS)
    e = p["prompt_encoder.embedding.weight"][tokens]
    if not projection:
        return e
    hidden = torch.tanh(e @ p["prompt_encoder.transform.0.weight"].T + p["prompt_encoder.transform.0.bias"])
    return hidden @ p["prompt_encoder.transform.2.weight"].T + p["prompt_encoder.transform.2.bias"]


def get_prompt(prompt_embeddings, batch, cfg):  # PeftModel.get_prompt (inference_mode: the saved rows)
    kv = prompt_embeddings.repeat(batch, 1, 1)
    kv = kv.view(batch, cfg["num_virtual_tokens"], cfg["num_layers"] * 2, cfg["num_attention_heads"],
                 cfg["token_dim"] // cfg["num_attention_heads"])
    kv = kv.permute([2, 0, 3, 1, 4]).split(2)
    return [(pair[0], pair[1]) for pair in kv]


def peft_forward(w, cfg, prompt_embeddings, ids, mask):  # PeftModelForCausalLM.forward
    b = ids.shape[0]
    mask = torch.cat([torch.ones(b, cfg["num_virtual_tokens"]), mask], dim=1)
    return forward(w, CONFIG, ids, mask, past=get_prompt(prompt_embeddings, b, cfg))[0]


def peft_generate(w, cfg, prompt_embeddings, prompt):  # generate → prepare_inputs_for_generation, greedy
    ids = torch.tensor(prompt)
    past = get_prompt(prompt_embeddings, 1, cfg)
    out = []
    for _ in range(NEW_TOKENS):
        logits, past = forward(w, CONFIG, ids, None, None, past=past)
        token = int(logits[0, -1].argmax())
        out.append(token)
        ids = torch.tensor([[token]])
    return out


def case(projection):
    c = CONFIG
    token_dim = c["head_dim"] * c["num_key_value_heads"]  # _prepare_prompt_learning_config, GQA branch
    peft_config = {
        "peft_type": "PREFIX_TUNING",
        "task_type": "CAUSAL_LM",
        "num_virtual_tokens": TOKENS,
        "token_dim": token_dim,
        "num_transformer_submodules": 1,
        "num_attention_heads": c["num_key_value_heads"],
        "num_layers": c["num_hidden_layers"],
        "encoder_hidden_size": HIDDEN if projection else token_dim,
        "prefix_projection": projection,
    }
    params = encoder_params(projection, c["num_hidden_layers"], token_dim)
    prompt_embeddings = prefix_encoder(params, projection)  # get_prompt_embedding_to_save
    w = seeded_weights(c)
    ids, mask = torch.tensor(BATCH), torch.tensor(MASK)
    logits = peft_forward(w, peft_config, prompt_embeddings, ids, mask)
    # the engine's old convention (real tokens at 0 … T−1), kept to show the test tells them apart
    full_mask = torch.cat([torch.ones(2, TOKENS), mask], dim=1)
    positions = torch.arange(ids.shape[1]).expand(2, -1)
    zero_based = forward(w, c, ids, full_mask, positions, past=get_prompt(prompt_embeddings, 2, peft_config))[0]
    return {
        "name": "projection" if projection else "embedding",
        "peftConfig": peft_config,
        "promptEmbeddings": f32_hex(prompt_embeddings),
        "logits": f32_hex(logits),
        "logitsAtZeroBasedPositions": f32_hex(zero_based),
        "generated": peft_generate(w, peft_config, prompt_embeddings, PROMPT),
    }


def main():
    torch.set_num_threads(1)
    write_fixture(
        "prefix.json",
        {
            "source": "runner/reference/prefix_fixtures.py",
            "model": CONFIG,
            "batch": BATCH,
            "mask": MASK,
            "prompt": PROMPT[0],
            "cases": [case(False), case(True)],
        },
    )


if __name__ == "__main__":
    main()
