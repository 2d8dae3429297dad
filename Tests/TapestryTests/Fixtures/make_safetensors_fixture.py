#!/usr/bin/env python3
"""Writes the safetensors fixtures for SafeTensorsTests with Python's own `safetensors`.

Also writes safetensors_verdicts.bin: damaged copies of those files with Python's
verdict on each, so the Swift reader can be checked to accept and reject the same ones.

Run from anywhere:  ~/.refenv/bin/python Tests/TapestryTests/Fixtures/make_safetensors_fixture.py
(safetensors 0.8.0, numpy, torch). The Swift tests rebuild the same tensors from the
formulas below and require Tapestry's writer to produce these exact bytes.

Python keeps `__metadata__` in a Rust HashMap, so its key order changes from run to run.
Tapestry writes metadata keys sorted, so this script saves until Python happens to produce
the sorted order (each try has a 1/k! chance for k keys) and checks that it did.
"""
import json
import os
import random
import struct

import numpy as np
import torch
import safetensors
from safetensors.numpy import save as save_numpy
from safetensors.torch import load as load_torch, save as save_torch

HERE = os.path.dirname(os.path.abspath(__file__))


def header(data: bytes) -> str:
    n = struct.unpack("<Q", data[:8])[0]
    return data[8:8 + n].decode("utf-8")


def metadata_keys_in_file_order(data: bytes) -> list:
    pairs = json.loads(header(data), object_pairs_hook=lambda p: p)
    meta = dict(pairs).get("__metadata__", [])
    return [k for k, _ in meta]


def save_with_sorted_metadata(save, tensors, metadata, name):
    want = sorted(metadata, key=lambda k: k.encode("utf-8"))
    for _ in range(1000):
        data = save(tensors, metadata=metadata)
        if metadata_keys_in_file_order(data) == want:
            break
    else:
        raise SystemExit(f"{name}: Python never wrote metadata keys in sorted order")
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)
    print(f"{name}: {len(data)} bytes, header {header(data)!r}")


def main():
    print("safetensors", safetensors.__version__)
    f32 = np.float32

    # 1. Float32 tensors of several ranks, a scalar, an empty tensor, a non-ASCII name,
    #    and metadata whose values need JSON escaping.
    tensors = {
        "wte": (np.arange(12, dtype=f32).reshape(4, 3) * f32(0.25) - f32(1)),  # [4, 3]
        "ln_f.bias": np.array([0.5, -1.5, 3.0], dtype=f32),                     # [3]
        "scalar": np.array(3.5, dtype=f32),                                      # []
        "empty": np.zeros((0, 2), dtype=f32),                                    # [0, 2]
        "h.0.attn.c_attn.weight": np.arange(8, dtype=f32).reshape(2, 2, 2) / f32(8),  # [2, 2, 2]
        "na\u00efve \u2603": np.array([1.0, 2.0], dtype=f32),                     # [2]
    }
    metadata = {
        "format": "pt",
        "config": json.dumps({"n_layer": 2, "note": "tab\there"}),
        "step": "100\n\u00e9\u0001",
    }
    save_with_sorted_metadata(save_numpy, tensors, metadata, "safetensors_f32.safetensors")

    # 2. An int8-quantized weight with Float32 per-row scales.
    tensors = {
        "weight": np.arange(-6, 6, dtype=np.int8).reshape(3, 4),  # [3, 4]
        "scale": np.array([0.5, 0.25, 0.125], dtype=f32),          # [3]
    }
    save_with_sorted_metadata(save_numpy, tensors, {"quantization": "int8-rowwise"},
                              "safetensors_int8.safetensors")

    # 3. One tensor of each common dtype (no metadata), to pin down the layout order
    #    (dtype alignment, descending) and the conversions to Float32.
    tensors = {
        "f64": torch.tensor([1.5, -2.25], dtype=torch.float64),
        "i64": torch.tensor([-5], dtype=torch.int64),
        "f32": torch.tensor([0.1], dtype=torch.float32),
        "i32": torch.tensor([-7, 2**24], dtype=torch.int32),
        "bf16": torch.tensor([1.0, -3.0], dtype=torch.bfloat16),
        "f16": torch.tensor([1.0, -0.5, 65504.0, 2.0**-24], dtype=torch.float16),
        "i16": torch.tensor([-300, 300], dtype=torch.int16),
        "u8": torch.tensor([0, 1, 255], dtype=torch.uint8),
        "flag": torch.tensor([True, False], dtype=torch.bool),
    }
    data = save_torch(tensors)
    with open(os.path.join(HERE, "safetensors_dtypes.safetensors"), "wb") as f:
        f.write(data)
    print(f"safetensors_dtypes.safetensors: {len(data)} bytes, header {header(data)!r}")


def make_verdict_corpus(count=400, seed=5):
    """Damaged copies of the three fixtures, each with Python's verdict (1 = loads).

    Format of safetensors_verdicts.bin, repeated `count` times:
    [UInt32 little-endian length][UInt8 verdict][length bytes of the damaged file].
    """
    rng = random.Random(seed)
    names = ["safetensors_int8.safetensors", "safetensors_f32.safetensors", "safetensors_dtypes.safetensors"]
    originals = [open(os.path.join(HERE, n), "rb").read() for n in names]
    significant = b'{}[]",:0123456789-.e \\'
    out = bytearray()
    accepted = 0
    for i in range(count):
        b = bytearray(originals[i % 3])
        n = struct.unpack("<Q", b[:8])[0]
        kind = rng.randrange(6)
        if kind == 0:    # 1-3 bit flips anywhere
            for _ in range(rng.randint(1, 3)):
                b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
        elif kind == 1:  # a bit flip in the header
            b[8 + rng.randrange(n)] ^= 1 << rng.randrange(8)
        elif kind == 2:  # a JSON-significant byte in the header
            b[8 + rng.randrange(n)] = significant[rng.randrange(len(significant))]
        elif kind == 3:  # one digit of the header changed
            digits = [j for j in range(8, 8 + n) if 48 <= b[j] <= 57]
            b[rng.choice(digits)] = 48 + rng.randrange(10)
        elif kind == 4:  # truncated
            del b[rng.randrange(len(b)):]
        else:            # 1-4 random bytes inserted
            j = rng.randrange(len(b) + 1)
            b[j:j] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 4)))
        try:
            load_torch(bytes(b))  # the torch loader knows every dtype (numpy has no BF16)
            verdict = 1
        except Exception:
            verdict = 0
        accepted += verdict
        out += struct.pack("<IB", len(b), verdict) + b
    with open(os.path.join(HERE, "safetensors_verdicts.bin"), "wb") as f:
        f.write(out)
    print(f"safetensors_verdicts.bin: {count} damaged files, {accepted} accepted by Python, {len(out)} bytes")


if __name__ == "__main__":
    main()
    make_verdict_corpus()
