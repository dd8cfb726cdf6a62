"""Bottleneck adapters on a tiny Llama as the adapters library computes them. Writes
fixtures/adapters.json.

Follows adapter-hub/adapters (main):
- configuration/adapter_config.py `BnConfig`, `SeqBnConfig` ("seq_bn", Pfeiffer), `DoubleSeqBnConfig`
  ("double_seq_bn", Houlsby): the flags, and `asdict` for what adapter_config.json's "config" holds.
- models/llama/modeling_llama.py `LlamaDecoderLayerWithAdapters.forward`: attention_adapters(attn_out,
  residual, None) and output_adapters(mlp_out, residual, None) — no layer norm passed.
- methods/bottleneck.py `BottleneckLayer.bottleneck_layer_forward` / `add_adapter` (down_sample =
  int(hidden_size // reduction_factor)), methods/adapter_layer_base.py `compose_stack` (a single active
  adapter is a Stack of one: pre_block, then compose_single), methods/modeling.py `Adapter.pre_forward`,
  `forward`, `post_forward`, `Activation_Function_Class` (transformers' get_activation: swish = SiLU).
- configuration/model_adapters_config.py `build_full_config`, utils.py `CONFIG_NAME`, `SAFE_WEIGHTS_NAME`:
  the saved folder's file names and top-level keys; also written as folders, fixtures/adapters/<case>/
  (adapter_config.json + adapter.safetensors, the seeded weights whose logits adapters.json holds).
Adapter weights are seeded per state-dict name (u/4 for matrices, u/8 for biases).
"""

import torch

import json
import os

from common import FIXTURES, f32_hex, fnv1a, lcg_floats, write_fixture, write_safetensors
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
NAME = "tunelab"
TOKENS = [[1, 17, 3, 40, 22, 9, 31, 5, 12, 47]]


def bn_config(**overrides):
    """BnConfig's fields in declaration order with their defaults (what `asdict` writes)."""
    base = {
        "architecture": None,
        "mh_adapter": None,
        "output_adapter": None,
        "reduction_factor": None,
        "non_linearity": None,
        "original_ln_before": False,
        "original_ln_after": True,
        "ln_before": False,
        "ln_after": False,
        "init_weights": "bert",
        "init_weights_seed": None,
        "is_parallel": False,
        "scaling": 1.0,
        "use_gating": False,
        "residual_before_ln": True,
        "adapter_residual_before_ln": False,
        "inv_adapter": None,
        "inv_adapter_reduction_factor": None,
        "cross_adapter": False,
        "leave_out": [],
        "dropout": 0.0,
        "phm_layer": False,
        "phm_dim": 4,
        "factorized_phm_W": True,
        "shared_W_phm": False,
        "shared_phm_rule": True,
        "factorized_phm_rule": False,
        "phm_c_init": "normal",
        "phm_init_range": 0.0001,
        "learn_phm": True,
        "hypercomplex_nonlinearity": "glorot-uniform",
        "phm_rank": 1,
        "phm_bias": True,
        "stochastic_depth": 0.0,
    }
    for k, v in overrides.items():
        assert k in base, k
        base[k] = v
    return base


def seq_bn(**kw):  # SeqBnConfig's defaults, then the given fields
    defaults = dict(original_ln_before=True, mh_adapter=False, output_adapter=True, non_linearity="relu",
                    reduction_factor=16)
    return bn_config(**{**defaults, **kw})


def double_seq_bn(**kw):  # DoubleSeqBnConfig's defaults, then the given fields
    defaults = dict(original_ln_before=False, mh_adapter=True, output_adapter=True, non_linearity="swish",
                    reduction_factor=16)
    return bn_config(**{**defaults, **kw})


ACT = {"relu": torch.relu, "swish": torch.nn.functional.silu, "tanh": torch.tanh,
       "gelu": lambda x: torch.nn.functional.gelu(x)}


def adapter_params(layer, site, d, m):
    p = f"model.layers.{layer}.{site}_adapters.adapters.{NAME}"
    shapes = {
        f"{p}.adapter_down.0.weight": (m, d),
        f"{p}.adapter_down.0.bias": (m,),
        f"{p}.adapter_up.weight": (d, m),
        f"{p}.adapter_up.bias": (d,),
    }
    return {name: lcg_floats(int(torch.tensor(shape).prod()), fnv1a(name), 0.125 if name.endswith("bias") else 0.25)
            .view(shape) for name, shape in shapes.items()}


def bottleneck_layer(cfg, params, o, r):
    """BottleneckLayer.bottleneck_layer_forward with one active adapter and layer_norm None."""
    # Adapter.pre_forward
    if cfg["residual_before_ln"] is True:
        residual = o
    hidden = o
    if cfg["original_ln_before"]:
        hidden = hidden + r  # no layer_norm: `if input_tensor is not None: hidden_states += input_tensor`
    if not cfg["residual_before_ln"]:
        residual = hidden
    # Adapter.forward
    (dw, db, uw, ub) = params
    down = ACT[cfg["non_linearity"]](hidden @ dw.T + db)
    up = (down @ uw.T + ub) * cfg["scaling"]
    output = up + residual
    # Adapter.post_forward
    if cfg["original_ln_after"]:
        output = output + r
    return output


def run(cfg, params_by_site):
    w = seeded_weights(CONFIG)

    def sublayer(layer, site, out, residual):
        key = (layer, site)
        if key not in params_by_site:
            return out + residual  # no adapter at this site: BottleneckLayer adds the residual
        return bottleneck_layer(cfg, params_by_site[key], out, residual)

    return forward(w, CONFIG, torch.tensor(TOKENS), sublayer=sublayer)[0]


def case(name, placement, cfg, size):
    d = CONFIG["hidden_size"]
    m = int(d // cfg["reduction_factor"])  # bottleneck.py add_adapter
    assert m == size, (m, size)
    sites = ["attention", "output"] if cfg["mh_adapter"] else ["output"]
    tensors, by_site = {}, {}
    for l in range(CONFIG["num_hidden_layers"]):
        for site in sites:
            p = adapter_params(l, site, d, m)
            tensors.update(p)
            by_site[(l, site)] = tuple(p.values())
    flipped = dict(cfg, original_ln_before=not cfg["original_ln_before"])
    write_folder(name, cfg, tensors)
    return {
        "name": name,
        "method": {"method": "adapter", "placement": placement, "non_linearity": cfg["non_linearity"],
                   **({"reduction_factor": cfg["reduction_factor"]} if name.endswith("factor") else
                      {"bottleneck_size": size})},
        "adapterConfig": {"model_type": "llama", "hidden_size": d, "name": NAME, "model_class": "LlamaForCausalLM",
                          "config": cfg},
        "files": ["adapter_config.json", "adapter.safetensors"],
        "tensors": {k: list(v.shape) for k, v in tensors.items()},
        "logits": f32_hex(run(cfg, by_site)),
        "logitsWithOriginalLnBeforeFlipped": f32_hex(run(flipped, by_site)),
    }


def write_folder(name, cfg, tensors):
    """The folder `model.save_adapter(dir, NAME)` writes (loading.py `AdapterLoader.save`): adapter_config.json
    from `build_full_config` (plus model_name and the library's version) and adapter.safetensors."""
    folder = os.path.join(FIXTURES, "adapters", name)
    os.makedirs(folder, exist_ok=True)
    config = {"model_type": "llama", "hidden_size": CONFIG["hidden_size"], "model_name": None, "name": NAME,
              "model_class": "LlamaForCausalLM", "config": cfg, "version": "adapters.1.1.0"}
    with open(os.path.join(folder, "adapter_config.json"), "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    write_safetensors(os.path.join(folder, "adapter.safetensors"), tensors)


def main():
    torch.set_num_threads(1)
    d = CONFIG["hidden_size"]
    cases = [
        case("pfeiffer-reduction-factor", "pfeiffer", seq_bn(reduction_factor=4, non_linearity="relu"), 8),
        # a given bottleneck size is saved as d / (m + 1/2), which int(d // r) turns back into m
        case("houlsby-bottleneck-size", "houlsby", double_seq_bn(reduction_factor=d / 5.5), 5),
        case("pfeiffer-bottleneck-size", "pfeiffer", seq_bn(reduction_factor=d / 5.5, non_linearity="gelu"), 5),
    ]
    # bottleneck.py add_adapter's int(hidden_size // reduction_factor) for awkward factors
    sizes = [[h, r, int(h // r)] for h in (32, 576, 2048) for r in (6.4, 3.3, 16, 12.8, 0.5, 7.0, 2.2)]
    write_fixture("adapters.json", {"source": "runner/reference/adapters_fixtures.py", "model": CONFIG,
                                    "tokens": TOKENS, "cases": cases, "bottleneckSizes": sizes})


if __name__ == "__main__":
    main()
