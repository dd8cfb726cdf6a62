"""The PyTorch baseline of bench/engine/scale.mjs: a Llama decoder in plain PyTorch, nanoGPT style.

RMSNorm, rotate-half RoPE (HF layout), grouped-query attention (repeat_interleave), SwiGLU MLP, tied
embeddings, q/k/v biases for Qwen2 or attention_bias; causal-LM cross-entropy (mean over tokens); AdamW
(weight decay 0.01 on 2-D weights only, as the engine's optim.ts) with gradient clipping at 1.0.
Methods: full, and LoRA (W x + s·B(A x), frozen base). No QLoRA: PyTorch on CPU has no NF4 kernels.
Usage: python3 llama.py --config config.json|-|'{...}' [--method full|lora] [--batch 4] [--seq 128]
       [--steps 3] [--threads 2] [--r 8] [--alpha 16] [--targets q_proj,v_proj]
Prints one JSON object: ms/step (median of --steps after one warm-up step), RSS, tokens/s, versions.
"""
import argparse, json, math, os, re, resource, sys, time
import torch
import torch.nn as nn
import torch.nn.functional as F


class RMSNorm(nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.eps, self.weight = eps, nn.Parameter(torch.ones(d))

    def forward(self, x):  # [B, T, d]
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


class LoRALinear(nn.Module):
    """PEFT's LoRA: base(x) + (alpha / r) · B(A x); A Kaiming-uniform, B zero; the base is frozen."""

    def __init__(self, base, r, alpha):
        super().__init__()
        self.base, self.scale = base, alpha / r
        self.base.requires_grad_(False)
        self.lora_A = nn.Parameter(torch.empty(r, base.in_features))
        self.lora_B = nn.Parameter(torch.zeros(base.out_features, r))
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))

    def forward(self, x):
        return self.base(x) + self.scale * F.linear(F.linear(x, self.lora_A), self.lora_B)


def rotate_half(x):
    a, b = x.chunk(2, dim=-1)
    return torch.cat((-b, a), dim=-1)


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        d, hd, bias = c["hidden_size"], c["head_dim"], c["qkv_bias"]
        self.h, self.g, self.hd = c["num_attention_heads"], c["num_key_value_heads"], hd
        self.q_proj = nn.Linear(d, self.h * hd, bias=bias)
        self.k_proj = nn.Linear(d, self.g * hd, bias=bias)
        self.v_proj = nn.Linear(d, self.g * hd, bias=bias)
        self.o_proj = nn.Linear(self.h * hd, d, bias=c.get("attention_bias", False))

    def forward(self, x, cos, sin, mask):  # x [B, T, d]; cos, sin [T, hd]; mask [T, T]
        b, t, _ = x.shape
        q = self.q_proj(x).view(b, t, self.h, self.hd).transpose(1, 2)  # [B, H, T, hd]
        k = self.k_proj(x).view(b, t, self.g, self.hd).transpose(1, 2)  # [B, G, T, hd]
        v = self.v_proj(x).view(b, t, self.g, self.hd).transpose(1, 2)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(self.h // self.g, dim=1)  # [B, H, T, hd]
        v = v.repeat_interleave(self.h // self.g, dim=1)
        att = (q @ k.transpose(-2, -1)) / math.sqrt(self.hd) + mask  # [B, H, T, T]
        y = att.softmax(-1) @ v  # [B, H, T, hd]
        return self.o_proj(y.transpose(1, 2).reshape(b, t, self.h * self.hd))


class MLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        d, i, bias = c["hidden_size"], c["intermediate_size"], c.get("mlp_bias", False)
        self.gate_proj, self.up_proj = nn.Linear(d, i, bias=bias), nn.Linear(d, i, bias=bias)
        self.down_proj = nn.Linear(i, d, bias=bias)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        eps = c["rms_norm_eps"]
        self.input_layernorm, self.self_attn = RMSNorm(c["hidden_size"], eps), Attention(c)
        self.post_attention_layernorm, self.mlp = RMSNorm(c["hidden_size"], eps), MLP(c)

    def forward(self, x, cos, sin, mask):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, mask)
        return x + self.mlp(self.post_attention_layernorm(x))


class Llama(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.embed_tokens = nn.Embedding(c["vocab_size"], c["hidden_size"])
        self.layers = nn.ModuleList(Block(c) for _ in range(c["num_hidden_layers"]))
        self.norm = RMSNorm(c["hidden_size"], c["rms_norm_eps"])
        self.lm_head = None if c["tie_word_embeddings"] else nn.Linear(c["hidden_size"], c["vocab_size"], False)
        std = c.get("initializer_range", 0.02)  # HF's init: N(0, std) weights, zero biases, unit norms
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, 0.0, std)
            if isinstance(m, nn.Linear) and m.bias is not None:
                nn.init.zeros_(m.bias)

    def forward(self, ids):  # ids [B, T] → mean next-token cross-entropy
        t, hd = ids.shape[1], self.c["head_dim"]
        inv = self.c["rope_theta"] ** (-torch.arange(0, hd, 2, dtype=torch.float32) / hd)
        angles = torch.arange(t, dtype=torch.float32)[:, None] * inv[None, :]  # [T, hd/2]
        angles = torch.cat((angles, angles), dim=-1)  # [T, hd]
        cos, sin = angles.cos(), angles.sin()
        mask = torch.full((t, t), float("-inf")).triu(1)
        x = self.embed_tokens(ids)  # [B, T, d]
        for block in self.layers:
            x = block(x, cos, sin, mask)
        x = self.norm(x)
        logits = x @ self.embed_tokens.weight.T if self.lm_head is None else self.lm_head(x)  # [B, T, V]
        return F.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]), ids[:, 1:].reshape(-1))


def read_config(arg):
    text = sys.stdin.read() if arg == "-" else arg if arg.lstrip().startswith("{") else open(arg).read()
    c = json.loads(text)
    c.setdefault("num_key_value_heads", c["num_attention_heads"])
    c.setdefault("head_dim", c["hidden_size"] // c["num_attention_heads"])
    c.setdefault("rms_norm_eps", 1e-6)
    c.setdefault("rope_theta", 10000.0)
    c.setdefault("tie_word_embeddings", False)
    c["qkv_bias"] = bool(c.get("attention_bias", False)) or c.get("model_type") == "qwen2"
    return c


def rss_bytes(field="VmRSS"):
    """Resident set size (VmRSS) or its peak (VmHWM) from /proc; ru_maxrss where /proc is missing."""
    try:
        for line in open("/proc/self/status"):
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def blas_library():
    """The BLAS shared library this process actually mapped (torch's BLAS_INFO says only "generic")."""
    try:
        libs = {line.split()[-1] for line in open("/proc/self/maps") if "blas" in line.split()[-1]}
        return sorted(os.path.realpath(p) for p in libs)
    except OSError:
        return []


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--config", required=True)
    p.add_argument("--method", choices=["full", "lora"], default="full")
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--seq", type=int, default=128)
    p.add_argument("--steps", type=int, default=3)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--r", type=int, default=8)
    p.add_argument("--alpha", type=float, default=16)
    p.add_argument("--targets", default="q_proj,v_proj")
    p.add_argument("--lr", type=float, default=1e-3)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    c = read_config(a.config)
    try:  # reset VmHWM to the current RSS, so the peak below is this run's, not the import's
        open("/proc/self/clear_refs", "w").write("5")
    except OSError:
        pass
    rss_before = rss_bytes()

    model = Llama(c)
    if a.method == "lora":
        model.requires_grad_(False)
        targets = a.targets.split(",")
        for block in model.layers:
            for name in targets:
                setattr(block.self_attn, name, LoRALinear(getattr(block.self_attn, name), a.r, a.alpha))
    rss_model = rss_bytes()
    params = [q for q in model.parameters() if q.requires_grad]
    groups = [
        {"params": [q for q in params if q.dim() >= 2], "weight_decay": 0.01},
        {"params": [q for q in params if q.dim() < 2], "weight_decay": 0.0},
    ]
    opt = torch.optim.AdamW(groups, lr=a.lr, betas=(0.9, 0.999), eps=1e-8)
    ids = torch.randint(0, c["vocab_size"], (a.batch, a.seq), generator=torch.Generator().manual_seed(1))

    times, losses = [], []
    for _ in range(a.steps + 1):
        start = time.perf_counter()
        loss = model(ids)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        losses.append(loss.item())
        times.append((time.perf_counter() - start) * 1000)
    timed = sorted(times[1:])
    ms = timed[len(timed) // 2] if timed else times[0]
    peak = rss_bytes("VmHWM")
    blas = re.search(r"BLAS_INFO=\w+", torch.__config__.show())
    print(json.dumps({
        "method": a.method,
        "batch": a.batch,
        "seq": a.seq,
        "msPerStep": round(ms, 1),
        "msPerStepAll": [round(x, 1) for x in times],
        "tokensPerSecond": round(a.batch * a.seq * 1000 / ms, 1),
        "rssBeforeModel": rss_before,
        "rssAfterModel": rss_model,
        "peakRss": peak,
        "peakRssGrowth": peak - rss_before,
        "parameters": sum(q.numel() for q in model.parameters()),
        "trainable": sum(q.numel() for q in params),
        "lossFirst": round(losses[0], 4),
        "lossLast": round(losses[-1], 4),
        "torch": torch.__version__,
        "blasInfo": blas.group(0) if blas else None,
        "blasLibrary": blas_library(),
        "threads": torch.get_num_threads(),
    }))


if __name__ == "__main__":
    main()
