"""The lectures' XOR network on both backends, from the same initial weights.

Chapter 15 "Building a Neural Network from Scratch: XOR Problem": 2 → 4
(sigmoid) → 1 (sigmoid), full-batch gradient descent, learning rate 1.0 on
the MSE, 10,000 epochs. scratchnet trains with explicit backpropagation,
PyTorch with autograd; both start from the same weights and the demo prints
how far apart they end, and the parity table of the last step.
"""

from __future__ import annotations

import numpy as np
import torch
from tabulate import tabulate

import scratchnet as sn
import torch_ref
from parity_tests.compare import errors

X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
Y = np.array([[0], [1], [1], [0]], dtype=np.float64)


def train_both(epochs: int = 10_000, lr: float = 1.0, seed: int = 42, dtype=np.float64):
    model = sn.models.mlp([2, 4, 1], activation="sigmoid", output="sigmoid", dtype=dtype,
                          generator=np.random.default_rng(seed))
    twin = torch_ref.models.twin(model)
    loss_fn, tloss_fn = sn.nn.MSELoss(), torch.nn.MSELoss()
    tx = torch.tensor(X, dtype=twin[0].weight.dtype)
    ty = torch.tensor(Y, dtype=twin[0].weight.dtype)
    history = []
    for _ in range(epochs):
        model.zero_grad()
        loss = loss_fn(model(X), Y)
        model.backward(loss_fn.backward())
        for p in model.parameters():
            p.data -= lr * p.grad
        twin.zero_grad()
        tloss = tloss_fn(twin(tx), ty)
        tloss.backward()
        with torch.no_grad():
            for p in twin.parameters():
                p -= lr * p.grad
        history.append((float(loss), tloss.item()))
    return model, twin, history


def main() -> dict:
    model, twin, history = train_both()
    pred = model(X)
    tpred = twin(torch.tensor(X)).detach().numpy()
    rows = [[str(X[i].astype(int)), int(Y[i, 0]), f"{pred[i, 0]:.4f}", f"{tpred[i, 0]:.4f}"] for i in range(4)]
    print("XOR, 2-4-1 sigmoid network, 10,000 epochs of gradient descent (lr = 1.0, MSE)")
    print(tabulate(rows, headers=["input", "target", "scratchnet", "torch"]))
    ws, wt = model.state_dict(), torch_ref.from_torch(twin)
    parity = [["loss curve", *errors([h[0] for h in history], [h[1] for h in history])]]
    parity += [[k, *errors(ws[k], wt[k])] for k in ws]
    print("\nHow far apart the two backends ended (float64):")
    print(tabulate([[n, f"{a:.2e}", f"{r:.2e}"] for n, a, r in parity],
                   headers=["quantity", "max abs err", "max rel err"]))
    solved = bool(np.all((pred > 0.5) == (Y > 0.5)))
    print(f"\nXOR solved: {solved}")
    return {"solved": solved, "parity": parity}


if __name__ == "__main__":
    main()
