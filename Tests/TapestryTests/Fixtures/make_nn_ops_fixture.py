"""Makes nn_ops.json: PyTorch reference values for Tapestry's neural-network ops.

Run from anywhere with the reference venv (torch, numpy):
    ~/.refenv/bin/python Tests/TapestryTests/Fixtures/make_nn_ops_fixture.py

Every input is drawn with a fixed numpy seed, rounded to float32, and stored in the JSON next
to PyTorch's float32 outputs, so the Swift tests (NNOpsFixture) never run Python.
Shapes include a last axis that is not a multiple of 16 (to exercise the SIMD tail), a row with
a large offset (softmax's max shift, LayerNorm's two-pass variance) and GELU far in the tails.
Gradients are those of L = sum(output * upstream) for a stored upstream gradient.
"""
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

rng = np.random.default_rng(20240611)


def f32(shape, scale=1.0, offset=0.0):
    return (rng.standard_normal(shape) * scale + offset).astype(np.float32)


def leaf(a):
    return torch.tensor(a, requires_grad=True)


def flat(t):
    return [float(v) for v in np.asarray(t.detach() if isinstance(t, torch.Tensor) else t, dtype=np.float32).ravel()]


fixture = {"generator": "make_nn_ops_fixture.py", "torch": torch.__version__}

# softmax / logSoftmax over the last axis: [3, 37]; row 1 is shifted by +80 (exp would overflow
# without the max subtraction), row 2 is spread wide.
x = f32((3, 37))
x[1] += 80
x[2] *= 12
fixture["softmax"] = {
    "shape": list(x.shape), "x": flat(x),
    "softmax": flat(torch.softmax(torch.tensor(x), dim=-1)),
    "logSoftmax": flat(torch.log_softmax(torch.tensor(x), dim=-1)),
}

# cross-entropy: logits [2, 3, 11] = 6 rows of 11 classes, mean over rows, and d loss/d logits.
logits = f32((2, 3, 11), scale=2)
targets = rng.integers(0, 11, size=6)
lt = leaf(logits)
loss = F.cross_entropy(lt.reshape(6, 11), torch.tensor(targets))
loss.backward()
fixture["crossEntropy"] = {
    "shape": list(logits.shape), "logits": flat(logits), "targets": [int(t) for t in targets],
    "loss": float(loss.detach()), "gradient": flat(lt.grad),
}

# LayerNorm over the last axis: x [4, 37]; row 3 has mean 100 (two-pass variance matters).
x = f32((4, 37))
x[3] += 100
weight, bias = f32(37), f32(37)
upstream = f32((4, 37))
xt, wt, bt = leaf(x), leaf(weight), leaf(bias)
y = F.layer_norm(xt, (37,), wt, bt, eps=1e-5)
(y * torch.tensor(upstream)).sum().backward()
fixture["layerNorm"] = {
    "shape": list(x.shape), "x": flat(x), "weight": flat(weight), "bias": flat(bias), "epsilon": 1e-5,
    "y": flat(y), "upstream": flat(upstream),
    "dx": flat(xt.grad), "dweight": flat(wt.grad), "dbias": flat(bt.grad),
}

# GELU, both forms, on 70 points: a grid over [-8, 8] plus random values; with gradients.
x = np.concatenate([np.linspace(-8, 8, 41), rng.standard_normal(29) * 3]).astype(np.float32)
upstream = f32(x.shape)
gelu = {"x": flat(x), "upstream": flat(upstream)}
for name, approximate in [("exact", "none"), ("tanh", "tanh")]:
    xt = leaf(x)
    y = F.gelu(xt, approximate=approximate)
    (y * torch.tensor(upstream)).sum().backward()
    gelu[name] = {"y": flat(y), "dx": flat(xt.grad)}
fixture["gelu"] = gelu

# Attention in nanoGPT's layout: q, k, v [B, T, C] viewed as (B, nh, T, hs), causal.
B, T, C, nh = 2, 5, 12, 3
q, k, v = f32((B, T, C)), f32((B, T, C)), f32((B, T, C))
def heads(t):
    return torch.tensor(t).view(B, T, nh, C // nh).transpose(1, 2)
out = F.scaled_dot_product_attention(heads(q), heads(k), heads(v), is_causal=True)
out = out.transpose(1, 2).contiguous().view(B, T, C)
fixture["attention"] = {
    "shape": [B, T, C], "heads": nh, "q": flat(q), "k": flat(k), "v": flat(v), "output": flat(out),
}

# Tolerances the Swift tests use (max absolute difference), stated here with the data.
fixture["tolerance"] = {"value": 2e-5, "gradient": 1e-4}

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "nn_ops.json")
with open(path, "w") as f:
    json.dump(fixture, f)
    f.write("\n")
print("wrote", path)
