"""PEFT folders of the methods peft_lora.py does not cover (IA3, prompt tuning), saved as PEFT saves them, on
peft_lora.py's tiny Qwen2 (fixtures/peft_lora/base). Writes fixtures/peft_folders/<case>/adapter_config.json
+ adapter_model.safetensors, every tensor moved off its initial value, and expected.json: the logits PEFT
computes with each adapter on the base for peft_lora.py's batch (IDS).

Follows huggingface/peft (main):
- tuners/tuners_utils.py `check_target_module_exists` (peft_lora.py's port).
- tuners/ia3/model.py `_check_target_module_feedforward` (a list: the key ends with an entry; a string:
  re.fullmatch), `_create_and_replace`; tuners/ia3/layer.py `Linear.update_layer` (ia3_l is (1, in) for a
  feed-forward module, else (out, 1); init_ia3_weights: ones).
- utils/save_and_load.py `get_peft_model_state_dict` (IA3: every key with "ia3_"; prompt learning:
  "prompt_embeddings" is the encoder's embedding weight in inference mode) and
  `_remove_adapter_name_from_state_dict_key`.
- tuners/ia3/layer.py `Linear.forward`: a feed-forward module scales its input, any other its output (bias
  included).
- tuners/prompt_tuning/model.py `PromptEmbedding` (Embedding(n, token_dim), RANDOM init: N(0, 1));
  peft_model.py `PeftModelForCausalLM.forward` (the prompt's embeddings before the inputs', positions
  0 … n+T−1, logits for all n+T);
  utils/other.py `_prepare_prompt_learning_config` (token_dim = hidden_size, num_layers,
  num_attention_heads).
Regenerate: cd runner/reference && /usr/bin/python3 peft_folders.py
"""
import json, os, re

import torch
import torch.nn as nn

from peft_lora import CONFIG, IDS, check_target_module_exists, fresh_base, set_module, write_safetensors

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "peft_folders")
COMMON = {"task_type": "CAUSAL_LM", "base_model_name_or_path": None, "inference_mode": True, "revision": None,
          "auto_mapping": None}


def is_feedforward(ff, key):  # ia3/model.py _check_target_module_feedforward
    if isinstance(ff, str):
        return re.fullmatch(ff, key) is not None
    return any(key.endswith(t) for t in ff)


def ia3_state_dict(cfg):
    """get_peft_model_state_dict of an IA3 model, after "training": names without ".default"."""
    out = {}
    for key, module in fresh_base().named_modules():
        if not isinstance(module, torch.nn.Linear) or not check_target_module_exists(cfg, key):
            continue
        ff = is_feedforward(cfg["feedforward_modules"], key)
        shape = (1, module.in_features) if ff else (module.out_features, 1)
        ia3_l = torch.ones(shape)  # init_ia3_weights
        ia3_l.add_(0.1 * torch.randn(shape))
        out[f"base_model.model.{key}.ia3_l"] = ia3_l
    return out


def ia3(target_modules, feedforward_modules):
    cfg = {"peft_type": "IA3", **COMMON, "target_modules": target_modules,
           "feedforward_modules": feedforward_modules, "fan_in_fan_out": False, "modules_to_save": None,
           "init_ia3_weights": True, "exclude_modules": None}
    return cfg, ia3_state_dict(cfg)


def prompt_tuning(n):
    d = CONFIG["hidden_size"]
    cfg = {"peft_type": "PROMPT_TUNING", **COMMON, "num_virtual_tokens": n, "token_dim": d,
           "num_transformer_submodules": 1, "num_attention_heads": CONFIG["num_attention_heads"],
           "num_layers": CONFIG["num_hidden_layers"], "prompt_tuning_init": "RANDOM",
           "prompt_tuning_init_text": None, "tokenizer_name_or_path": None, "tokenizer_kwargs": None}
    embedding = torch.nn.Embedding(n, d)  # PromptEmbedding, RANDOM
    with torch.no_grad():
        embedding.weight.add_(0.1 * torch.randn(n, d))
    return cfg, {"prompt_embeddings": embedding.weight.detach()}


class IA3Linear(nn.Module):
    """ia3/layer.py Linear.forward with one active adapter."""

    def __init__(self, base_layer, ia3_l, feedforward):
        super().__init__()
        self.base_layer, self.ia3_l, self.feedforward = base_layer, ia3_l, feedforward

    def forward(self, x):
        scaling = self.ia3_l.flatten()
        if self.feedforward:
            return self.base_layer(x * scaling)
        return self.base_layer(x) * scaling


def ia3_logits(cfg, tensors):
    model = fresh_base()
    for key, module in list(model.named_modules()):
        name = f"base_model.model.{key}.ia3_l"
        if name in tensors:
            set_module(model, key, IA3Linear(module, tensors[name], is_feedforward(cfg["feedforward_modules"], key)))
    return model(torch.tensor(IDS))


def prompt_logits(cfg, tensors):
    """PeftModelForCausalLM.forward for prompt tuning: CausalLM.forward over [prompt; embed(ids)]."""
    model = fresh_base()
    ids = torch.tensor(IDS)
    prompts = tensors["prompt_embeddings"].unsqueeze(0).expand(ids.shape[0], -1, -1)
    h = torch.cat((prompts, model.model.embed_tokens(ids)), dim=1)
    T = h.shape[1]
    hd = CONFIG["hidden_size"] // CONFIG["num_attention_heads"]
    inv = 1.0 / (CONFIG["rope_theta"] ** (torch.arange(0, hd, 2, dtype=torch.int64).float() / hd))
    freqs = torch.arange(T).float()[:, None] * inv[None, :]
    emb = torch.cat((freqs, freqs), dim=-1)
    for layer in model.model.layers:
        h = layer(h, emb.cos(), emb.sin())
    return model.lm_head(model.model.norm(h))


def logits(cfg, tensors):
    with torch.no_grad():
        return (ia3_logits if cfg["peft_type"] == "IA3" else prompt_logits)(cfg, tensors)


CASES = {
    # PEFT's defaults for llama/qwen2 (TRANSFORMERS_MODELS_TO_IA3_TARGET_MODULES_MAPPING): k, v, down; down is
    # feed-forward, so it scales its input.
    "ia3-defaults": lambda: ia3(["k_proj", "v_proj", "down_proj"], ["down_proj"]),
    # a regex target and no feed-forward module: every ia3_l scales an output.
    "ia3-regex-attention": lambda: ia3(r".*\.(q_proj|o_proj)", []),
    "prompt-tuning-random": lambda: prompt_tuning(4),
}


def main():
    torch.set_num_threads(1)
    expected = {"ids": IDS, "cases": {}}
    for name, make in CASES.items():
        torch.manual_seed(3)
        cfg, tensors = make()
        folder = os.path.join(HERE, name)
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "adapter_config.json"), "w") as f:
            json.dump(cfg, f, indent=2)
            f.write("\n")
        write_safetensors(os.path.join(folder, "adapter_model.safetensors"), tensors)
        print("wrote", folder, {k: list(v.shape) for k, v in tensors.items()})
        expected["cases"][name] = {"logits": logits(cfg, tensors).reshape(-1).tolist()}
    with open(os.path.join(HERE, "expected.json"), "w") as f:
        json.dump(expected, f)
        f.write("\n")


if __name__ == "__main__":
    main()
