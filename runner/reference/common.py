"""Shared helpers of the reference scripts: seeded inputs both Python and TypeScript can rebuild exactly,
float32 tensors as hex bytes (bit-exact in JSON), and fixture writing."""

import json
import os
import struct

import torch

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")


def lcg_floats(n, seed, scale=1.0):
    """n float32 values in [-scale, scale): a 32-bit LCG (Numerical Recipes), top 24 bits, exact in
    float32 for a power-of-two scale. runner/src/engine/reference-fixtures.ts `lcgFloats` is the same."""
    out = []
    s = seed & 0xFFFFFFFF
    for _ in range(n):
        s = (1664525 * s + 1013904223) & 0xFFFFFFFF
        out.append(((s >> 8) / 2**23 - 1.0) * scale)
    return torch.tensor(out, dtype=torch.float32)


def f32_hex(t):
    """A float32 tensor's bytes, little-endian, as hex."""
    return t.detach().to(torch.float32).contiguous().numpy().tobytes().hex()


def u8_hex(t):
    return t.detach().to(torch.uint8).contiguous().numpy().tobytes().hex()


def write_fixture(name, data):
    os.makedirs(FIXTURES, exist_ok=True)
    path = os.path.join(FIXTURES, name)
    with open(path, "w") as f:
        json.dump(data, f, indent=1, sort_keys=True)
        f.write("\n")
    print("wrote", path)


def fnv1a(name):
    """32-bit FNV-1a of a UTF-8 string: the seed of a named tensor."""
    h = 0x811C9DC5
    for byte in name.encode("utf-8"):
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    return h


def write_safetensors(path, tensors):
    """float32 tensors in the safetensors layout (huggingface/safetensors: 8-byte little-endian header length,
    the JSON header padded with spaces to 8 bytes, the data in name order)."""
    header, offset, blobs = {"__metadata__": {"format": "pt"}}, 0, []
    for name in sorted(tensors):
        data = tensors[name].detach().contiguous().float().numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    head = json.dumps(header, separators=(",", ":"))
    head += " " * ((8 - len(head) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)) + head.encode() + b"".join(blobs))
