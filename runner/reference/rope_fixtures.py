"""Logits of a tiny Llama under every RoPE type the engine supports, from both config layouts
(transformers 4's `rope_scaling` + top-level `rope_theta`, 5's `rope_parameters`), as transformers computes
them (hf_llama.py, rope.py). 20 tokens with max_position_embeddings 16, so "dynamic" and "longrope" take
their long-context branch. Writes fixtures/rope.json."""

import torch

from common import f32_hex, write_fixture
from hf_llama import forward, seeded_weights
from rope import rope_init

BASE = {
    "model_type": "llama",
    "vocab_size": 48,
    "hidden_size": 32,
    "intermediate_size": 48,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "head_dim": 8,
    "max_position_embeddings": 16,
    "rms_norm_eps": 1e-6,
    "tie_word_embeddings": False,
}

CASES = {
    "default": {"rope_theta": 10000.0},
    "default-rope_parameters": {"rope_parameters": {"rope_type": "default", "rope_theta": 500000.0}},
    "linear": {"rope_theta": 10000.0, "rope_scaling": {"rope_type": "linear", "factor": 4.0}},
    "linear-legacy-type": {"rope_theta": 10000.0, "rope_scaling": {"type": "linear", "factor": 2.0}},
    "dynamic": {"rope_theta": 10000.0, "rope_scaling": {"rope_type": "dynamic", "factor": 2.0}},
    "yarn": {"rope_theta": 10000.0, "rope_scaling": {"rope_type": "yarn", "factor": 4.0}},
    "yarn-original-mscale": {
        "max_position_embeddings": 64,
        "rope_parameters": {
            "rope_type": "yarn",
            "rope_theta": 20000.0,
            "factor": 4.0,
            "original_max_position_embeddings": 16,
            "beta_fast": 16.0,
            "beta_slow": 2.0,
            "mscale": 0.707,
            "mscale_all_dim": 1.0,
        },
    },
    "llama3": {
        "rope_theta": 500000.0,
        "rope_scaling": {
            "rope_type": "llama3",
            "factor": 8.0,
            "low_freq_factor": 1.0,
            "high_freq_factor": 4.0,
            "original_max_position_embeddings": 8,
        },
    },
    "llama3-rope_parameters": {
        "rope_parameters": {
            "rope_type": "llama3",
            "rope_theta": 500000.0,
            "factor": 32.0,
            "low_freq_factor": 1.0,
            "high_freq_factor": 4.0,
            "original_max_position_embeddings": 8,
        },
    },
    "longrope": {
        "rope_theta": 10000.0,
        "rope_scaling": {
            "rope_type": "longrope",
            "factor": 4.0,
            "short_factor": [1.0, 1.5, 2.0, 3.0],
            "long_factor": [1.0, 4.0, 8.0, 16.0],
        },
    },
}

TOKENS = [[5, 17, 3, 40, 22, 9, 31, 0, 12, 47, 8, 26, 19, 33, 2, 44, 15, 6, 38, 29]]


def main():
    torch.set_num_threads(1)
    cases = []
    for name, extra in CASES.items():
        c = {**BASE, **extra}
        w = seeded_weights(c)
        ids = torch.tensor(TOKENS)
        logits, _ = forward(w, c, ids)
        inv_freq, attention_factor = rope_init(c, ids.shape[1])
        cases.append(
            {
                "name": name,
                "config": c,
                "tokens": TOKENS,
                "invFreq": f32_hex(inv_freq),
                "attentionScaling": attention_factor,
                "logits": f32_hex(logits),
            }
        )
    write_fixture("rope.json", {"source": "runner/reference/rope_fixtures.py", "cases": cases})


if __name__ == "__main__":
    main()
