"""Generates decoder_layer_reference.safetensors: one nn.TransformerDecoderLayer in PyTorch.

A tiny post-LN decoder layer (d_model 8, nhead 2, dim_feedforward 12, ReLU, batch_first) with
a causal mask on its self-attention and unmasked cross-attention to a memory of another length:
  x [2, 5, 8] (target side), memory [2, 3, 8] (encoder side) -> output [2, 5, 8].
Stored (all F32): every parameter under its PyTorch name (`self_attn.in_proj_weight`,
`multihead_attn.in_proj_weight`, `linear1.weight`, `norm3.bias`, ...), perturbed so nothing is
at its initial value; `x`, `memory`, `output`; `loss` = sum(output * projection) with a fixed
random `projection`, and the gradients `grad.<name>`, `grad.x`, `grad.memory`.
Eval mode (dropout off).

Run once, from this folder:  ~/.refenv/bin/python make_decoder_layer_fixture.py
"""
import torch
from torch import nn
from safetensors.torch import save_file

torch.backends.mha.set_fastpath_enabled(False)
torch.manual_seed(99)
layer = nn.TransformerDecoderLayer(d_model=8, nhead=2, dim_feedforward=12, dropout=0.1, batch_first=True)
with torch.no_grad():
    for p in layer.parameters():
        p.add_(0.1 * torch.randn_like(p))
layer.eval()

x = torch.randn(2, 5, 8, requires_grad=True)
memory = torch.randn(2, 3, 8, requires_grad=True)
mask = nn.Transformer.generate_square_subsequent_mask(5)
out = layer(x, memory, tgt_mask=mask, tgt_is_causal=True)
projection = torch.randn_like(out)
loss = (out * projection).sum()
loss.backward()

tensors = {name: p.detach().clone() for name, p in layer.named_parameters()}
tensors.update({f"grad.{name}": p.grad.detach().clone() for name, p in layer.named_parameters()})
tensors.update({"x": x.detach(), "memory": memory.detach(), "output": out.detach(),
                "projection": projection, "loss": loss.detach().reshape([]),
                "grad.x": x.grad.detach(), "grad.memory": memory.grad.detach()})
save_file({k: v.contiguous().float() for k, v in tensors.items()}, "decoder_layer_reference.safetensors",
          metadata={"d_model": "8", "nhead": "2", "dim_feedforward": "12", "torch": torch.__version__})
print("loss", loss.item())
print("\n".join(f"{n} {list(p.shape)}" for n, p in layer.named_parameters()))
