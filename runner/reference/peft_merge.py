"""PEFT's merge_and_unload, written from the upstream code, for the engine's merge (runner/src/engine/merge.ts).

Reads peft_lora.py's base and adapter folders (fixtures/peft_lora/), builds each case the way PEFT does
(peft_lora.py's inject), merges it the way PEFT merges, and writes the merged model as a Hugging Face folder
(config.json + model.safetensors: what merge_and_unload() then save_pretrained() write) with the logits of
its plain forward pass. Adds an IA3 case (PEFT's Llama defaults: k_proj, v_proj, down_proj, down_proj
feed-forward) over the same Qwen2 base, whose k/v biases IA3 scales too.

  peft/tuners/lora/layer.py    Linear.merge, get_delta_weight   (W += transpose(B @ A, fan_in_fan_out) * scaling)
  peft/tuners/lora/variants.py DoraLinearVariant.merge_safe    (W <- m / ||W + delta||_row * (W + delta))
  peft/tuners/lora/bnb.py      Linear4bit.merge                 (merge into dequantize_bnb_weight(W); PEFT then
                               re-quantises to 4 bits with Params4bit; Tunelab keeps the float32 result, so
                               this writes the dequantised merge, and every other decoder linear dequantised)
  peft/tuners/ia3/layer.py     Linear.__init__/update_layer, forward, merge (W * ia3_l; bias * ia3_l unless
                               feed-forward)
  peft/tuners/tuners_utils.py  BaseTuner._unload_and_optionally_merge (the wrapper replaced by its base layer)

Writes fixtures/peft_merge/: ia3-adapter/ (adapter_config.json + adapter_model.safetensors), one merged
folder per case, and expected.json (per case: where its adapter is, the quantised base if any, the logits of
the base + adapter before merging, and the merged model's logits on peft_lora.py's IDS).
Regenerate after peft_lora.py: cd runner/reference && /usr/bin/python3 peft_merge.py
"""
import json, os, struct
import torch
import torch.nn as nn

from peft_lora import (CONFIG, IDS, PEFT_DEFAULTS, CausalLM, Linear4bit, LoraLinear, inject, set_module,
                       write_safetensors)

HERE = os.path.dirname(os.path.abspath(__file__))
LORA = os.path.join(HERE, "fixtures", "peft_lora")
OUT = os.path.join(HERE, "fixtures", "peft_merge")


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        assert e["dtype"] == "F32"
        a, b = e["data_offsets"]
        out[name] = torch.frombuffer(bytearray(data[8 + n + a : 8 + n + b]), dtype=torch.float32).reshape(e["shape"])
    return out


def load_base():
    m = CausalLM(CONFIG)
    m.load_state_dict(read_safetensors(os.path.join(LORA, "base", "model.safetensors")))
    return m.eval()


def load_peft_tensors(model, tensors):
    """set_peft_model_state_dict: each saved name back onto its module (adapter name "default")."""
    params = dict(model.named_parameters())
    with torch.no_grad():
        for key, value in tensors.items():
            name = key[len("base_model.model."):]
            for part in ("lora_A", "lora_B"):
                name = name.replace(f".{part}.weight", f".{part}.default.weight")
            if name.endswith("lora_magnitude_vector"):
                name += ".default.weight"
            if name.endswith(".ia3_l"):
                name += ".default"
            params[name].copy_(value)


# ---------------------------------------------------------------- IA3 (peft/tuners/ia3/layer.py Linear)


class Ia3Linear(nn.Module):
    def __init__(self, base, is_feedforward):
        super().__init__()
        self.base_layer, self.is_feedforward = base, is_feedforward
        out_f, in_f = base.weight.shape
        shape = (1, in_f) if is_feedforward else (out_f, 1)  # IA3Layer.update_layer
        self.ia3_l = nn.ParameterDict({"default": nn.Parameter(torch.ones(shape))})  # init_ia3_weights

    def forward(self, x):
        scaling = self.ia3_l["default"].flatten()
        if self.is_feedforward:
            return self.base_layer(x * scaling)
        return self.base_layer(x) * scaling

    def merged(self):  # Linear.merge (fan_in_fan_out False: transpose is the identity)
        base, l = self.base_layer, self.ia3_l["default"].data
        base.weight.data = torch.mul(base.weight.data, l)
        if not self.is_feedforward and base.bias is not None:
            base.bias.data = torch.mul(base.bias.data, l.reshape(base.bias.shape))
        return base


IA3_CONFIG = {"peft_type": "IA3", "task_type": "CAUSAL_LM", "base_model_name_or_path": None, "inference_mode": True,
              "revision": None, "target_modules": ["k_proj", "v_proj", "down_proj"],
              "feedforward_modules": ["down_proj"], "fan_in_fan_out": False, "modules_to_save": None,
              "init_ia3_weights": True}


def ia3_inject(model):
    """IA3Model._create_and_replace over the list targets (a name ending with "." + entry)."""
    for name, mod in list(model.named_modules()):
        if isinstance(mod, nn.Linear) and any(name.endswith(f".{t}") for t in IA3_CONFIG["target_modules"]):
            ff = any(name.endswith(f".{t}") for t in IA3_CONFIG["feedforward_modules"])
            set_module(model, name, Ia3Linear(mod, ff))


# ---------------------------------------------------------------- merge_and_unload


def lora_merged(module):
    """LoraLinear → its base layer with the adapter merged (Linear.merge; Linear4bit.merge before re-quantising)."""
    base = module.base_layer
    A, B, s = module.lora_A["default"].weight, module.lora_B["default"].weight, module.scaling["default"]
    weight = base.weight.data  # dequantize_bnb_weight for Linear4bit: our Linear4bit holds the dequantised view
    delta = (B @ A) * s  # get_delta_weight, fan_in_fan_out False
    if "default" in module.lora_magnitude_vector:  # DoraLinearVariant.merge_safe
        dora = module.lora_magnitude_vector["default"]
        weight_norm = dora.get_weight_norm(weight, delta, 1).detach()  # scaling 1: delta is scaled already
        new = (dora.weight / weight_norm).view(-1, 1) * (weight + delta)
    else:
        new = weight + delta
    out = nn.Linear(new.shape[1], new.shape[0], bias=base.bias is not None)
    out.weight.data = new.clone()
    if base.bias is not None:
        out.bias.data = base.bias.data.clone()
    return out


def merge_and_unload(model):
    with torch.no_grad():
        for name, mod in list(model.named_modules()):
            if isinstance(mod, LoraLinear):
                set_module(model, name, lora_merged(mod))
            elif isinstance(mod, Ia3Linear):
                set_module(model, name, mod.merged())
        for name, mod in list(model.named_modules()):
            if isinstance(mod, Linear4bit):  # an untargeted 4-bit linear, dequantised to save in float32
                lin = nn.Linear(mod.weight.shape[1], mod.weight.shape[0], bias=mod.bias is not None)
                lin.weight.data = mod.weight.data.clone()
                if mod.bias is not None:
                    lin.bias.data = mod.bias.data.clone()
                set_module(model, name, lin)
    return model


def write_merged(case, model):
    folder = os.path.join(OUT, case)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(CONFIG, f, indent=2)
    write_safetensors(os.path.join(folder, "model.safetensors"), dict(model.state_dict()))


def logits(model):
    with torch.no_grad():
        return model(torch.tensor(IDS)).reshape(-1).tolist()


def main():
    lora_expected = json.load(open(os.path.join(LORA, "expected.json")))
    expected = {"ids": IDS, "cases": {}}
    for case, spec in lora_expected["cases"].items():
        adapter = os.path.join(LORA, case)
        cfg = {**PEFT_DEFAULTS, **json.load(open(os.path.join(adapter, "adapter_config.json")))}
        model = load_base()
        inject(model, cfg, quantize=spec["base"] is not None)
        load_peft_tensors(model, read_safetensors(os.path.join(adapter, "adapter_model.safetensors")))
        before = logits(model)
        merge_and_unload(model)
        write_merged(case, model)
        expected["cases"][case] = {"adapter": f"peft_lora/{case}", "base": spec["base"], "logits_unmerged": before,
                                   "logits": logits(model)}

    torch.manual_seed(3)
    model = load_base()
    ia3_inject(model)
    with torch.no_grad():  # a "trained" IA3 adapter: every vector moved away from ones
        for mod in model.modules():
            if isinstance(mod, Ia3Linear):
                mod.ia3_l["default"].mul_(1 + 0.3 * torch.randn_like(mod.ia3_l["default"]))
    saved = {f"base_model.model.{n}".replace(".ia3_l.default", ".ia3_l"): p
             for n, p in model.named_parameters() if ".ia3_l." in n}
    folder = os.path.join(OUT, "ia3-adapter")
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "adapter_config.json"), "w") as f:
        json.dump(IA3_CONFIG, f, indent=2)
    write_safetensors(os.path.join(folder, "adapter_model.safetensors"), saved)
    before = logits(model)
    merge_and_unload(model)
    write_merged("ia3", model)
    expected["cases"]["ia3"] = {"adapter": "peft_merge/ia3-adapter", "base": None, "logits_unmerged": before,
                                "logits": logits(model)}

    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f)
        f.write("\n")
    print("wrote", OUT)


if __name__ == "__main__":
    main()
