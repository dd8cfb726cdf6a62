"""NF4 with double quantisation as bitsandbytes computes it, in plain PyTorch (float32 throughout).

Follows bitsandbytes (bitsandbytes-foundation/bitsandbytes, main):
- functional.py `create_dynamic_map`: the 8-bit dynamic map, built from float32 `torch.linspace`.
- functional.py `quantize_4bit` with compress_statistics=True: `offset = _absmax.mean()` (a float32
  tensor mean), then `quantize_blockwise(_absmax - offset, blocksize=256)`.
- csrc/kernels.cu `kQuantizeBlockwise`: absmax per block, `1.0f / absmax`, value × that reciprocal,
  nearest code by midpoints with ties to the lower code (`dQuantizeNF4` / `dQuantize`), every block
  including a partial last one.
- functional.py `dequantize_4bit`: absmax = code[q] · scale, then `+= offset`, then code4[q] · absmax.

Writes fixtures/bnb_nf4.json: the dynamic map and, per case, the packed bytes and float32 scales as hex,
and sha256 digests of the packed NF4 codes and the dequantised weights.
"""

import hashlib

import torch

from common import f32_hex, lcg_floats, u8_hex, write_fixture

NF4 = torch.tensor(
    [
        -1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635,
        -0.18477343022823334, -0.09105003625154495, 0.0, 0.07958029955625534, 0.16093020141124725,
        0.24611230194568634, 0.33791524171829224, 0.44070982933044434, 0.5626170039176941,
        0.7229568362236023, 1.0,
    ],
    dtype=torch.float32,
)


def create_dynamic_map(signed=True, max_exponent_bits=7, total_bits=8):
    # functional.py create_dynamic_map, verbatim in its arithmetic
    data = []
    non_sign_bits = total_bits - 1
    additional_items = 2 ** (non_sign_bits - max_exponent_bits) - 1
    for i in range(max_exponent_bits):
        fraction_items = int(
            2 ** (i + non_sign_bits - max_exponent_bits) + 1
            if signed
            else 2 ** (i + non_sign_bits - max_exponent_bits + 1) + 1,
        )
        boundaries = torch.linspace(0.1, 1, fraction_items, dtype=torch.float32)
        means = (boundaries[:-1] + boundaries[1:]) / 2.0
        data += ((10 ** (-(max_exponent_bits - 1) + i)) * means).tolist()
        if signed:
            data += (-(10 ** (-(max_exponent_bits - 1) + i)) * means).tolist()
    assert additional_items == 0
    data.append(0)
    data.append(1.0)
    assert len(data) == 2**total_bits
    data.sort()
    return torch.tensor(data, dtype=torch.float32)


def quantize_blockwise(a, code, blocksize):
    # kernels.cu kQuantizeBlockwise: reciprocal of the block absmax in float32, then a product
    n = a.numel()
    blocks = -(-n // blocksize)
    padded = torch.zeros(blocks * blocksize, dtype=torch.float32)
    padded[:n] = a
    rows = padded.view(blocks, blocksize)
    absmax = rows.abs().max(dim=1)[0]
    scaled = (rows * (1.0 / absmax).view(-1, 1)).reshape(-1)[:n]
    bounds = (code[:-1] + code[1:]) / 2
    q = torch.bucketize(scaled, bounds)  # right=False: a value on a midpoint takes the lower code
    return q.to(torch.uint8), absmax


def pack_nibbles(q):
    # kQuantizeBlockwise NF4 case: first element in the high nibble
    if q.numel() % 2:
        q = torch.cat([q, torch.tensor([7], dtype=torch.uint8)])
    return (q[0::2] << 4) | q[1::2]


def case(name, rows, cols, seed, block_scales):
    w = lcg_floats(rows * cols, seed)
    # each 64-block its own magnitude (powers of two keep the inputs exact), so absmax values spread out
    scales = torch.tensor([block_scales[b % len(block_scales)] for b in range(rows * cols // 64)])
    w = (w.view(-1, 64) * scales.view(-1, 1)).reshape(-1)
    dyn = create_dynamic_map()
    q4, absmax = quantize_blockwise(w, NF4, 64)
    offset = absmax.mean()  # functional.py quantize_4bit: a float32 tensor mean
    q8, scale = quantize_blockwise(absmax - offset, dyn, 256)
    # functional.py dequantize_4bit
    deq_absmax = dyn[q8.long()].view(-1)
    deq_absmax = torch.cat([deq_absmax, torch.zeros(-len(deq_absmax) % 256)]).view(-1, 256)
    deq_absmax = (deq_absmax * scale.view(-1, 1)).reshape(-1)[: absmax.numel()]
    deq_absmax += offset
    deq = (NF4[q4.long()].view(-1, 64) * deq_absmax.view(-1, 1)).reshape(-1)
    packed = pack_nibbles(q4)
    mean64 = torch.tensor(absmax.double().mean().item(), dtype=torch.float32)
    return {
        "name": name,
        "rows": rows,
        "cols": cols,
        "seed": seed,
        "blockScales": block_scales,
        "offset": f32_hex(offset.view(1)),
        "offsetDiffersFromFloat64Mean": bool(mean64.item() != offset.item()),
        "absmaxCodes": u8_hex(q8),
        "absmaxScale": f32_hex(scale),
        "dequantizedAbsmax": f32_hex(deq_absmax),
        "nf4PackedSha256": hashlib.sha256(packed.numpy().tobytes()).hexdigest(),
        "dequantizedSha256": hashlib.sha256(deq.numpy().tobytes()).hexdigest(),
    }


def main():
    # torch's CPU sum splits work between threads above 32768 elements; one thread keeps its order fixed
    torch.set_num_threads(1)
    cases = [
        case("64x96", 64, 96, 1, [1.0, 0.5, 0.25, 2.0, 0.125]),
        case("160x128", 160, 128, 2, [0.0625, 0.5, 1.0, 0.03125, 4.0, 0.25, 0.5]),
        case("96x64", 96, 64, 3, [1.0]),
        case("33x64", 33, 64, 4, [0.5, 0.25]),
        case("128x256", 128, 256, 5, [1.0, 0.015625, 0.125, 8.0]),
    ]
    # torch.mean of float32 vectors of many lengths: the cascade sum's levels and tails
    means = []
    for n in list(range(1, 70)) + [127, 255, 256, 511, 1000, 4095, 5000, 20000, 32767]:
        x = lcg_floats(n, n).abs()
        means.append({"n": n, "seed": n, "mean": f32_hex(x.mean().view(1))})
    write_fixture(
        "bnb_nf4.json",
        {
            "source": "runner/reference/bnb_nf4.py (torch %s, CPU)" % torch.__version__,
            "dynamicMap": f32_hex(create_dynamic_map()),
            "cases": cases,
            "means": means,
        },
    )


def print_ts():
    """The positive half of the map below 1, as quant/codes.ts `DYNAMIC_CODES` lists it."""
    import numpy as np

    values = [float(v) for v in create_dynamic_map() if 0 < v < 1]
    print(", ".join(str(np.float32(v)) for v in values))


if __name__ == "__main__":
    import sys

    print_ts() if "--print-ts" in sys.argv else main()
