"""Generates mini_transformer_reference.safetensors: the seed's MiniTransformer in PyTorch.

The model: nn.TransformerEncoderLayer(d_model=128, nhead=8, dim_feedforward=256, dropout=0.1,
batch_first=True) x 2 (post-LN, ReLU, no mask), then a mean over the sequence and
Linear(128, 1). Input [16, 10, 128] -> output [16, 1].

Stored (all F32):
  every parameter under its PyTorch name (`encoder.layers.0.self_attn.in_proj_weight`, ...,
  `fc.weight`, `fc.bias`), after a small random perturbation so that the two layers differ
  (nn.TransformerEncoder deep-copies one layer) and LayerNorm is not the identity;
  `input` [16, 10, 128], `output` [16, 1] in eval mode (dropout off),
  `loss` [] = mean(output²), `grad.<name>` for every parameter and `grad.input`.

The fast path (a fused C++ kernel PyTorch uses in eval mode without gradients) is switched
off, so the output is the standard math; with gradients on it would not be taken anyway.

Run once, from this folder:  ~/.refenv/bin/python make_mini_transformer_fixture.py
"""
import torch
from torch import nn
from safetensors.torch import save_file


class MiniTransformer(nn.Module):
    def __init__(self):
        super().__init__()
        layer = nn.TransformerEncoderLayer(d_model=128, nhead=8, dim_feedforward=256, dropout=0.1,
                                           batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)
        self.fc = nn.Linear(128, 1)

    def forward(self, x):                      # x [B, T, 128]
        return self.fc(self.encoder(x).mean(dim=1))    # [B, 1]


torch.backends.mha.set_fastpath_enabled(False)
torch.manual_seed(1234)
model = MiniTransformer()
with torch.no_grad():
    for p in model.parameters():
        p.add_(0.05 * torch.randn_like(p))
model.eval()

x = torch.randn(16, 10, 128, requires_grad=True)
out = model(x)
loss = (out ** 2).mean()
loss.backward()

tensors = {name: p.detach().clone() for name, p in model.named_parameters()}
tensors.update({f"grad.{name}": p.grad.detach().clone() for name, p in model.named_parameters()})
tensors["input"] = x.detach()
tensors["grad.input"] = x.grad.detach()
tensors["output"] = out.detach()
tensors["loss"] = loss.detach().reshape([])
meta = {"d_model": "128", "nhead": "8", "dim_feedforward": "256", "num_layers": "2",
        "batch": "16", "time": "10", "torch": torch.__version__}
save_file({k: v.contiguous().float() for k, v in tensors.items()}, "mini_transformer_reference.safetensors",
          metadata=meta)
print("loss", loss.item(), "output[:4]", out[:4, 0].tolist())
print("\n".join(f"{n} {list(p.shape)}" for n, p in model.named_parameters()))
