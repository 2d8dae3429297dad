"""Writes adamw.json: five steps of torch.optim.AdamW on three small parameters.

Run from this folder with the reference venv:  ~/.refenv/bin/python make_adamw_fixture.py

The setup mirrors nanoGPT's configure_optimizers: parameters of rank >= 2 get weight decay 0.1,
rank-1 parameters get none (two parameter groups). Gradients are fixed per step (seeded), and
the learning rate changes every step, as a schedule would change it. The file records the
initial values, every step's gradients and learning rate, the values after every step, and
the final exp_avg / exp_avg_sq. Shapes are chosen so that element counts are not multiples
of 16 (the Swift update runs 16 lanes at a time with a tail).
"""
import json

import numpy as np
import torch

rng = np.random.default_rng(1234)
shapes = {"w": [4, 9], "b": [7], "block.weight": [2, 3, 5]}
betas, eps, weight_decay = (0.9, 0.99), 1e-8, 0.1
learning_rates = [0.01, 0.03, 0.05, 0.02, 0.04]

params = {name: torch.tensor(rng.normal(size=shape), dtype=torch.float32, requires_grad=True)
          for name, shape in shapes.items()}
initial = {name: p.detach().clone() for name, p in params.items()}
decay = [p for p in params.values() if p.dim() >= 2]
no_decay = [p for p in params.values() if p.dim() < 2]
optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": weight_decay},
                               {"params": no_decay, "weight_decay": 0.0}],
                              lr=learning_rates[0], betas=betas, eps=eps, foreach=False)

steps = []
for lr in learning_rates:
    grads = {name: torch.tensor(rng.normal(size=shape) * 0.5, dtype=torch.float32)
             for name, shape in shapes.items()}
    grads["b"][0] = 0.0  # a zero gradient: m and v stay tiny, eps must keep the update finite
    for name, p in params.items():
        p.grad = grads[name].clone()
    for group in optimizer.param_groups:
        group["lr"] = lr
    optimizer.step()
    steps.append({
        "learning_rate": lr,
        "gradients": {n: g.flatten().tolist() for n, g in grads.items()},
        "values_after": {n: p.detach().flatten().tolist() for n, p in params.items()},
    })

state = {}
for name, p in params.items():
    s = optimizer.state[p]
    state[name + ".exp_avg"] = s["exp_avg"].flatten().tolist()
    state[name + ".exp_avg_sq"] = s["exp_avg_sq"].flatten().tolist()

fixture = {
    "torch_version": torch.__version__,
    "beta1": betas[0], "beta2": betas[1], "epsilon": eps, "weight_decay": weight_decay,
    "order": list(shapes.keys()),
    "shapes": shapes,
    "initial": {n: t.flatten().tolist() for n, t in initial.items()},
    "steps": steps,
    "final_state": state,
}
with open("adamw.json", "w") as f:
    json.dump(fixture, f, indent=1)
print("wrote adamw.json")
