"""Generates gpt_reference.safetensors: the llm.c-style reference test for TapestryGPT.

A tiny nanoGPT-architecture model (the PyTorch reference in ../shared/reference/torch_gpt.py,
imported, not copied) with fixed weights, one batch, and:
  logits [B, T, V], loss [], every parameter's gradient (`grad.<name>`), and the losses of
  5 AdamW steps (betas 0.9/0.99, eps 1e-8, weight decay 0.1 on 2-D params, lr 1e-2,
  grad clip 1.0) on that same batch (`adamw_losses` [5]).
Token ids are stored as F32 (exact for small integers).

Run once, from this folder:  ~/.refenv/bin/python make_gpt_reference.py /path/to/shared/reference
"""
import sys

import torch
from safetensors.torch import save_file

sys.path.insert(0, sys.argv[1] if len(sys.argv) > 1 else "../../../../shared/reference")
from torch_gpt import GPT, make_optimizer  # noqa: E402

torch.manual_seed(7)
V, BLOCK, LAYERS, HEADS, EMBD, B, T = 13, 8, 2, 2, 16, 3, 8
model = GPT(V, BLOCK, LAYERS, HEADS, EMBD, manual_attn=True)
# Make the weights less trivial than the init (non-zero biases, non-unit LayerNorm).
with torch.no_grad():
    for name, p in model.named_parameters():
        p.add_(0.05 * torch.randn_like(p))

idx = torch.randint(V, (B, T))
targets = torch.randint(V, (B, T))
weights = {k: v.detach().clone() for k, v in model.state_dict().items() if k != "lm_head.weight"}

logits, loss = model(idx, targets)
loss.backward()
grads = {f"grad.{n}": p.grad.detach().clone() for n, p in model.named_parameters()}
model.zero_grad()

opt = make_optimizer(model, lr=1e-2, weight_decay=0.1, betas=(0.9, 0.99), fused=False)
losses = []
for _ in range(5):
    _, step_loss = model(idx, targets)
    losses.append(step_loss.item())
    step_loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    opt.zero_grad(set_to_none=True)

tensors = dict(weights)
tensors.update(grads)
tensors["idx"] = idx.float()
tensors["targets"] = targets.float()
tensors["logits"] = logits.detach()
tensors["loss"] = loss.detach().reshape([])
tensors["adamw_losses"] = torch.tensor(losses)
meta = {"vocab_size": str(V), "block_size": str(BLOCK), "n_layer": str(LAYERS), "n_head": str(HEADS),
        "n_embd": str(EMBD), "batch": str(B), "time": str(T)}
save_file({k: v.contiguous().float() for k, v in tensors.items()}, "gpt_reference.safetensors", metadata=meta)
print("loss", loss.item(), "adamw losses", losses)
