# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Chapter 15 — Introduction to Neural Networks, on scratchnet and PyTorch
#
# The chapter's ideas in its own order, each with its code run twice: on **scratchnet** (NumPy,
# backpropagation written out layer by layer) and on **PyTorch** (autograd), from the same
# weights. Where the chapter prints a number, the table next to it shows the printed value,
# both backends' values and the **audit's verdict**: *reproduced* when the value, printed with
# the chapter's decimals, reads the same (the rule of `experiments/audit.py`; the test suite
# holds every verdict here equal to the report's `out/claims.json`).
#
# Everything runs in float64, the parity reference. Change any setting in a cell and re-run it:
# the two backends keep agreeing; the printed numbers may not.

# %% tags=["parameters"]
QUICK = False  # True: fewer epochs, the experiments' --quick settings (what the test suite runs)

# %%
import numpy as np
import torch
import matplotlib.pyplot as plt
from IPython.display import HTML, display
from tabulate import tabulate

import scratchnet as sn
import torch_ref

torch.set_num_threads(1)  # these networks are tiny: one thread is fastest and leaves the other cores free
F64 = np.float64
STYLE = {"scratchnet": dict(color="C0", linestyle="-", linewidth=3.5, alpha=0.45),  # wide, under
         "PyTorch": dict(color="C1", linestyle="--", linewidth=1.3)}                 # thin, dashed, on top


def show(headers, rows, digits=6):
    """A table (tabulate's HTML, so it renders in Jupyter and in the exported page); floats with
    `digits` significant digits, everything else as it prints."""
    cell = lambda v: f"{v:.{digits}g}" if isinstance(v, float) else v
    display(HTML(tabulate([[cell(v) for v in row] for row in rows], headers, tablefmt="html", disable_numparse=True)))


def printed_as(claimed, value, decimals):
    """The audit's rule: a printed number is reproduced when the value, printed with the same
    number of decimals, reads the same (so -0.0000 and 0.0000 are the same number)."""
    c, v = np.ravel(np.asarray(claimed, F64)), np.ravel(np.asarray(value, F64))
    return c.shape == v.shape and all(float(f"{a:.{decimals}f}") == float(f"{b:.{decimals}f}") for a, b in zip(c, v))


def verdict(claimed, mine, theirs, decimals):
    return "✅ reproduced" if printed_as(claimed, mine, decimals) and printed_as(claimed, theirs, decimals) else "❌ differs"


def to_np(t):
    return t.detach().numpy()


AUDIT = {}  # every verdict below, by a short name


# %% [markdown]
# ## 1. The perceptron: one neuron
#
# One neuron computes $z = w_1x_1 + \dots + w_nx_n + b$ and passes it through an activation:
# $\hat y = \sigma(z)$. Its decision boundary $z = 0$ is a straight line, so it can learn
# AND and OR but **not XOR**, which no straight line separates.
#
# In both libraries that neuron is `Linear(2, 1)` followed by `Sigmoid`: `mlp([2, 1], output="sigmoid")`.
# `torch_ref.models.twin` builds the same network in PyTorch with the weights copied exactly.
# Training is full-batch gradient descent on the binary cross-entropy (`BCELoss`).

# %%
X_gate = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=F64)
GATES = {"AND": [0, 0, 0, 1], "OR": [0, 1, 1, 1], "XOR": [0, 1, 1, 0]}
lr, epochs, seed = 1.0, (150 if QUICK else 600), 0


def train_both(model, twin, X, Y, loss, lr, epochs):
    """Full-batch gradient descent on both backends, the same batches; the loss per epoch."""
    loader = sn.data.DataLoader((X, Y), batch_size=len(X))
    twin_loader = torch_ref.data.DataLoader.from_scratchnet(loader)      # the same batches, for torch
    h = sn.train.fit(model, getattr(sn.nn, loss)(), sn.optim.SGD(model.parameters(), lr=lr),
                     loader, epochs, progress=False)
    h_t = torch_ref.train.fit(twin, getattr(torch.nn, loss)(), torch.optim.SGD(twin.parameters(), lr=lr),
                              twin_loader, epochs, progress=False)
    return {"scratchnet": np.array(h.epoch_loss), "PyTorch": np.array(h_t.epoch_loss)}


# %%
gates = {}
for gate, targets in GATES.items():
    Y = np.array(targets, dtype=F64)[:, None]
    model = sn.models.mlp([2, 1], "identity", "sigmoid", dtype=F64, generator=np.random.default_rng(seed))
    twin = torch_ref.models.twin(model)
    curves = train_both(model, twin, X_gate, Y, "BCELoss", lr, epochs)
    out = {"scratchnet": model(X_gate), "PyTorch": to_np(twin(torch.tensor(X_gate)))}
    gates[gate] = dict(model=model, twin=twin, out=out,
                       accuracy={b: float(np.mean((p > 0.5) == (Y > 0.5))) for b, p in out.items()})

show(["gate", "targets", "outputs (scratchnet)", "outputs (PyTorch)", "accuracy (scratchnet)", "accuracy (PyTorch)"],
     [[g, targets, np.round(v["out"]["scratchnet"].ravel(), 3), np.round(v["out"]["PyTorch"].ravel(), 3),
       v["accuracy"]["scratchnet"], v["accuracy"]["PyTorch"]] for (g, targets), v in zip(GATES.items(), gates.values())])

# %% [markdown]
# The chapter says one neuron *can* learn AND and OR and *cannot* learn XOR (1 = learned: all four
# outputs on the right side of 0.5):

# %%
rows = []
for gate, claimed in {"AND": 1, "OR": 1, "XOR": 0}.items():
    learned = {b: int(a == 1.0) for b, a in gates[gate]["accuracy"].items()}
    AUDIT[f"perceptron {gate}"] = verdict(claimed, learned["scratchnet"], learned["PyTorch"], 0)
    rows.append([f"one neuron learns {gate}", claimed, learned["scratchnet"], learned["PyTorch"], AUDIT[f"perceptron {gate}"]])
show(["claim", "chapter", "scratchnet", "PyTorch", "verdict"], rows)

# %%
xx, yy = np.meshgrid(np.linspace(-0.5, 1.5, 121), np.linspace(-0.5, 1.5, 121))
grid = np.c_[xx.ravel(), yy.ravel()]
fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
for ax, (gate, v) in zip(axes, gates.items()):
    p = {"scratchnet": v["model"](grid), "PyTorch": to_np(v["twin"](torch.tensor(grid)))}
    ax.contourf(xx, yy, p["scratchnet"].reshape(xx.shape), levels=[0, 0.5, 1], cmap="RdBu_r", alpha=0.3)
    for b, s in STYLE.items():
        ax.contour(xx, yy, p[b].reshape(xx.shape), levels=[0.5], colors=s["color"], linestyles=s["linestyle"],
                   linewidths=s["linewidth"])
    ax.scatter(X_gate[:, 0], X_gate[:, 1], c=GATES[gate], cmap="RdBu_r", edgecolors="k", s=80)
    ax.set(title=gate, xlabel="x1", ylabel="x2")
fig.suptitle("One neuron's boundary: scratchnet solid, PyTorch dashed")
plt.show()

# %% [markdown]
# ## 2. Activation functions
#
# | | formula | range |
# |---|---|---|
# | Sigmoid | $\sigma(z) = 1/(1 + e^{-z})$, $\sigma'(z) = \sigma(z)(1-\sigma(z)) \le 1/4$ | (0, 1) |
# | Tanh | $\tanh z = (e^z - e^{-z})/(e^z + e^{-z})$ | (−1, 1) |
# | ReLU | $\max(0, z)$, derivative 1 for $z > 0$, 0 for $z < 0$ | [0, ∞) |
# | Leaky ReLU | $z$ if $z > 0$, else $\alpha z$ ($\alpha = 0.01$) | (−∞, ∞) |
# | Softmax | $\mathrm{softmax}(z)_i = e^{z_i} / \sum_j e^{z_j}$ | probabilities summing to 1 |
#
# The chapter's table ("Activation Functions: Comparison and Derivatives") below comes from each
# library's activation **module**: the value is the forward pass, the derivative is what
# backpropagation computes — scratchnet's explicit `backward` of a vector of ones, PyTorch's autograd.

# %%
def g_and_dg(name, z, **kw):
    """(g(z), g'(z)) from each backend's activation module."""
    m = getattr(sn.nn, name)(**kw)
    a = m(z)
    mine = (a.copy(), m.backward(np.ones_like(a)))            # scratchnet: backward of ones
    zt = torch.tensor(z, requires_grad=True)
    at = getattr(torch.nn, name)(**kw)(zt)
    at.backward(torch.ones_like(at))                          # PyTorch: autograd
    return {"scratchnet": mine, "PyTorch": (to_np(at), zt.grad.numpy())}


z_values = np.array([-3.0, -1.0, 0.0, 1.0, 3.0])
table = {"Sigmoid": g_and_dg("Sigmoid", z_values), "ReLU": g_and_dg("ReLU", z_values),
         "Leaky ReLU": g_and_dg("LeakyReLU", z_values, negative_slope=0.01)}
columns = {"Sigmoid": ("Sigmoid", 0), "Sigmoid'": ("Sigmoid", 1), "ReLU": ("ReLU", 0), "ReLU'": ("ReLU", 1),
           "Leaky ReLU": ("Leaky ReLU", 0), "Leaky'": ("Leaky ReLU", 1)}
computed = {b: {col: table[name][b][k] for col, (name, k) in columns.items()} for b in ("scratchnet", "PyTorch")}
show(["z", *columns], [[z, *[computed["scratchnet"][c][i] for c in columns]] for i, z in enumerate(z_values)], 4)

# %%
PRINTED = {  # the chapter's printed table, column by column, and its decimals
    "Sigmoid": ([0.0474, 0.2689, 0.5000, 0.7311, 0.9526], 4), "Sigmoid'": ([0.0452, 0.1966, 0.2500, 0.1966, 0.0452], 4),
    "ReLU": ([-0.0, -0.0, 0.0, 1.0, 3.0], 1), "ReLU'": ([0.0, 0.0, 0.0, 1.0, 1.0], 1),
    "Leaky ReLU": ([-0.0300, -0.0100, 0.0000, 1.0000, 3.0000], 4), "Leaky'": ([0.01, 0.01, 0.01, 1.00, 1.00], 2)}
rows = []
for col, (printed, d) in PRINTED.items():
    AUDIT[f"activation table {col}"] = verdict(printed, computed["scratchnet"][col], computed["PyTorch"][col], d)
    rows.append([col, printed, np.round(computed["scratchnet"][col], d), np.round(computed["PyTorch"][col], d),
                 AUDIT[f"activation table {col}"]])
show(["column (z = −3, −1, 0, 1, 3)", "chapter", "scratchnet", "PyTorch", "verdict"], rows)

# %% [markdown]
# Sections 2 and 8 say the sigmoid's derivative "is at most 0.25"; backpropagation on a fine grid:

# %%
fine = g_and_dg("Sigmoid", np.linspace(-10, 10, 2001))
peak = {b: float(dg.max()) for b, (g, dg) in fine.items()}
AUDIT["sigmoid derivative at most 0.25"] = verdict(0.25, peak["scratchnet"], peak["PyTorch"], 4)
print("largest σ'(z) on [−10, 10]:", peak, AUDIT["sigmoid derivative at most 0.25"])

# %% [markdown]
# The ranges of section 2's table — sigmoid (0, 1), tanh (−1, 1), ReLU [0, ∞) — measured on $z \in [-30, 30]$ at the
# chapter's 4 decimals (the open ends are limits, approached and never reached: in float64 the outputs round to
# them past $|z| \approx 19$ for tanh, 37 for sigmoid), and ReLU at $z = 10^6$ for "no upper bound":

# %%
wide = np.linspace(-30, 30, 6001)
ranges = {"Sigmoid output range (0, 1)": ([0.0, 1.0], {b: [g.min(), g.max()] for b, (g, _) in g_and_dg("Sigmoid", wide).items()}),
          "Tanh output range (−1, 1)": ([-1.0, 1.0], {b: [g.min(), g.max()] for b, (g, _) in g_and_dg("Tanh", wide).items()}),
          "ReLU output range [0, ∞)": ([0.0, 1e6], {b: [g[:-1].min(), g[-1]] for b, (g, _) in g_and_dg("ReLU", np.append(wide, 1e6)).items()})}
rows = []
for what, (claimed, got) in ranges.items():
    AUDIT[what] = verdict(claimed, got["scratchnet"], got["PyTorch"], 4)
    rows.append([what, claimed, np.round(got["scratchnet"], 4), np.round(got["PyTorch"], 4), AUDIT[what]])
show(["", "chapter ([min, max]; ReLU: [min, ReLU(10⁶)])", "scratchnet", "PyTorch", "verdict"], rows)

# %% [markdown]
# The chapter's `-0.0` for ReLU(−3) is the same number as 0.0 (its `np.maximum(0, z)` of an
# integer returns the integer 0). At the kink $z = 0$ both libraries use ReLU'(0) = 0 and
# LeakyReLU'(0) = α, as the chapter's `z > 0` tests do. Each function and its derivative,
# both backends overlaid:

# %%
z = np.linspace(-5, 5, 201)
fig, axes = plt.subplots(1, 4, figsize=(15, 3.3))
for ax, (name, kw) in zip(axes, [("Sigmoid", {}), ("Tanh", {}), ("ReLU", {}), ("LeakyReLU", {"negative_slope": 0.1})]):
    for b, (g, dg) in g_and_dg(name, z, **kw).items():
        ax.plot(z, g, label=f"g ({b})", **STYLE[b])
        ax.plot(z, dg, label=f"g' ({b})", **dict(STYLE[b], color="C3" if b == "scratchnet" else "C2"))
    ax.set(title=name + (" (α = 0.1, to see it)" if kw else ""), xlabel="z")
    ax.grid(alpha=0.3)
axes[0].legend(fontsize=7)
plt.show()

# %% [markdown]
# ### Softmax
#
# For the logits $[2.0, 1.0, 0.1]$ the chapter prints the probabilities and their sum. Both
# libraries subtract $\max_j z_j$ before exponentiating (softmax does not change when every
# logit shifts by the same amount), so logits + 1000 do not overflow.

# %%
logits = np.array([2.0, 1.0, 0.1])
soft = {"scratchnet": sn.nn.Softmax(dim=-1)(logits), "PyTorch": to_np(torch.nn.Softmax(dim=-1)(torch.tensor(logits)))}
rows = [["softmax(z).round(4)", [0.6590, 0.2424, 0.0986], soft["scratchnet"].round(4), soft["PyTorch"].round(4),
         verdict([0.6590, 0.2424, 0.0986], soft["scratchnet"], soft["PyTorch"], 4)],
        ["sum of probabilities", 1.0, soft["scratchnet"].sum(), soft["PyTorch"].sum(),
         verdict(1.0, soft["scratchnet"].sum(), soft["PyTorch"].sum(), 4)]]
AUDIT["softmax"], AUDIT["softmax sum"] = rows[0][-1], rows[1][-1]
show(["", "chapter", "scratchnet", "PyTorch", "verdict"], rows, 4)
with np.errstate(over="ignore", invalid="ignore"):
    naive = np.exp(logits + 1000) / np.exp(logits + 1000).sum()
print("logits + 1000, the formula as written:", naive, "  nn.Softmax:", sn.nn.Softmax(dim=-1)(logits + 1000).round(4))

# %% [markdown]
# Backpropagation through softmax applies its Jacobian $\partial s_i/\partial z_j = s_i(\delta_{ij} - s_j)$.
# scratchnet's `backward` of each unit vector gives one row of it; the closed form agrees:

# %%
sm = sn.nn.Softmax(dim=-1)
jacobian = []
for e in np.eye(3):
    sm(logits)
    jacobian.append(sm.backward(e))
s = soft["scratchnet"]
print("max |backprop − s_i(δ_ij − s_j)| =", np.abs(np.array(jacobian) - (np.diag(s) - np.outer(s, s))).max())

# %% [markdown]
# ## 3–4. Multi-layer perceptrons and forward propagation
#
# A layer computes $z = a_{\text{prev}} W + b$ and $a = g(z)$; an MLP repeats that from the input
# to the output. The chapter stores $W$ as (inputs, outputs) and writes `X @ W`; `Linear.weight`
# is (outputs, inputs), as in PyTorch, so the chapter's $W$ is loaded transposed.
#
# ### Code example: a single neuron
# Inputs $[1, 2, 3]$, weights $[0.2, 0.8, -0.5]$, bias 2: $z = 0.2 + 1.6 - 1.5 + 2 = 2.3$.

# %%
neuron = sn.nn.Linear(3, 1, dtype=F64)
neuron.load_state_dict({"weight": np.array([[0.2, 0.8, -0.5]]), "bias": np.array([2.0])})
neuron_t = torch.nn.Linear(3, 1, dtype=torch.float64)
neuron_t.load_state_dict({k: torch.tensor(v) for k, v in neuron.state_dict().items()})
x = np.array([[1.0, 2.0, 3.0]])
z_neuron = {"scratchnet": float(neuron(x)[0, 0]), "PyTorch": neuron_t(torch.tensor(x)).item()}

acts = {"sigmoid": ("Sigmoid", torch.sigmoid), "relu": ("ReLU", torch.relu), "tanh": ("Tanh", torch.tanh)}
PRINTED_NEURON = {2.3: {"sigmoid": 0.9089, "relu": 2.3000, "tanh": 0.9801},
                  -2.0: {"sigmoid": 0.1192, "relu": 0.0000, "tanh": -0.9640}}
rows = [["z = x·w + b (printed with f\"{z}\")", 2.3, z_neuron["scratchnet"], z_neuron["PyTorch"],
         verdict(2.3, z_neuron["scratchnet"], z_neuron["PyTorch"], 16)]]
AUDIT["neuron z"] = rows[0][-1]
for point, printed in PRINTED_NEURON.items():
    arg = {"scratchnet": z_neuron["scratchnet"], "PyTorch": z_neuron["PyTorch"]} if point == 2.3 else {"scratchnet": point, "PyTorch": point}
    for act, claimed in printed.items():
        mine = float(getattr(sn.nn, acts[act][0])()(np.array([arg["scratchnet"]]))[0])
        theirs = acts[act][1](torch.tensor([arg["PyTorch"]], dtype=torch.float64)).item()
        AUDIT[f"neuron {act}({point})"] = verdict(claimed, mine, theirs, 4)
        rows.append([f"{act}({point})", claimed, mine, theirs, AUDIT[f"neuron {act}({point})"]])
show(["", "chapter", "scratchnet", "PyTorch", "verdict"], rows, 16)

# %% [markdown]
# ### Code example: forward propagation through a 2 → 3 → 1 network
# ReLU hidden layer, sigmoid output, the chapter's weights. Forward hooks (the same API in both
# libraries) record each layer's output.

# %%
W1 = np.array([[0.1, 0.3, -0.2], [0.4, -0.5, 0.6]]); b1 = np.array([0.1, -0.1, 0.2])   # (in, out), as the chapter
W2 = np.array([[0.7], [-0.3], [0.5]]); b2 = np.array([0.1])
net = sn.models.mlp([2, 3, 1], "relu", "sigmoid", dtype=F64)
net.load_state_dict({"0.weight": W1.T, "0.bias": b1, "2.weight": W2.T, "2.bias": b2})
net_t = torch_ref.models.twin(net)


def record(model, x, names=("z1", "a1", "z2", "output")):
    """Each layer's output, read with forward hooks."""
    seen = {}
    def keep(name):
        return lambda module, inputs, out: seen.__setitem__(name, to_np(out) if torch.is_tensor(out) else out.copy())
    hooks = [layer.register_forward_hook(keep(n)) for layer, n in zip(model, names)]
    model(x)
    for h in hooks:
        h.remove()
    return seen


X = np.array([[0.5, 0.8]])
fwd = {"scratchnet": record(net, X), "PyTorch": record(net_t, torch.tensor(X))}
PRINTED_FWD = {"z1": [[0.47, -0.25, 0.58]], "a1": [[0.47, 0.0, 0.58]], "z2": [[0.619]], "output": [[0.6498]],
               "z1 step by step (.4f)": [0.4700, -0.2500, 0.5800], "a1 step by step (.4f)": [0.4700, 0.0000, 0.5800]}
for b in fwd:                          # the listing's "Step-by-step z1 calculation" prints each z1[j] and a1[j] again
    fwd[b]["z1 step by step (.4f)"], fwd[b]["a1 step by step (.4f)"] = fwd[b]["z1"][0], fwd[b]["a1"][0]
rows = []
for q, printed in PRINTED_FWD.items():
    AUDIT[f"forward {q}"] = verdict(printed, fwd["scratchnet"][q], fwd["PyTorch"][q], 4)
    rows.append([q, printed, fwd["scratchnet"][q].round(4), fwd["PyTorch"][q].round(4), AUDIT[f"forward {q}"]])
show(["", "chapter", "scratchnet", "PyTorch", "verdict"], rows, 4)

# %% [markdown]
# The listing's own arithmetic slips: $z_1[1] = 0.5\cdot0.3 + 0.8\cdot(-0.5) - 0.1 = 0.15 - 0.40 - 0.10 = -0.35$,
# not −0.25; $z_2 = 0.47\cdot0.7 + 0.58\cdot0.5 + 0.1 = 0.719$, not 0.619; and the printed 0.6498 is
# neither $\sigma(0.719) = 0.6724$ nor $\sigma(0.619) = 0.6500$. $a_1$ comes out anyway: ReLU zeroes
# the wrong entry.
#
# ## 5–6. Loss functions and backpropagation
#
# MSE $= \mathrm{mean}((y - \hat y)^2)$ (`MSELoss`), binary cross-entropy
# $= -\mathrm{mean}(y\log p + (1-y)\log(1-p))$ (`BCELoss`), categorical cross-entropy
# (`CrossEntropyLoss`, which takes logits). Backpropagation applies the chain rule from the loss
# back to each weight: for a sigmoid output with BCE, $dz_2 = a_2 - y$; then
# $dW_2 = a_1^\top dz_2$, $da_1 = dz_2 W_2^\top$, $dz_1 = da_1 \odot \mathrm{ReLU}'(z_1)$, $dW_1 = X^\top dz_1$.
#
# ### Code example: backpropagation step by step (2 → 2 → 1, one example, lr 0.1)
# In scratchnet every step of the chain rule is a `backward` call you can make yourself, layer by
# layer; PyTorch's autograd gets the same numbers (`retain_grad` keeps the intermediate ones).

# %%
W1 = np.array([[0.3, 0.7], [0.5, -0.2]]); b1 = np.array([0.1, -0.1])
W2 = np.array([[0.6], [-0.4]]); b2 = np.array([0.2])
X, y = np.array([[1.0, 0.5]]), np.array([[1.0]])
lr_step = 0.1
net = sn.models.mlp([2, 2, 1], "relu", "sigmoid", dtype=F64)
net.load_state_dict({"0.weight": W1.T, "0.bias": b1, "2.weight": W2.T, "2.bias": b2})
net_t = torch_ref.models.twin(net)

# scratchnet: forward, then the chain rule one layer at a time, from the loss back
bce = sn.nn.BCELoss()
z1 = net[0](X); a1 = net[1](z1); z2 = net[2](a1); a2 = net[3](z2)   # the forward pass, layer by layer
mine = {"z1": z1.copy(), "a1": a1.copy(), "z2": z2.copy(), "a2": a2.copy(), "loss (BCE)": float(bce(a2, y))}
mine["dz2"] = net[3].backward(bce.backward())      # through the sigmoid: a2 − y
mine["da1"] = net[2].backward(mine["dz2"])          # through Linear 2: dz2 W2ᵀ (and dW2, db2 into .grad)
mine["dz1"] = net[1].backward(mine["da1"])          # through the ReLU: da1 ⊙ ReLU'(z1)
net[0].backward(mine["dz1"])                        # through Linear 1: dW1, db1 into .grad
mine |= {"dW2": net[2].weight.grad.T, "db2": net[2].bias.grad, "dW1": net[0].weight.grad.T, "db1": net[0].bias.grad}
sn.optim.SGD(net.parameters(), lr=lr_step).step()
mine |= {"W2 after the step": net[2].weight.data.T.ravel(), "W1 after the step": net[0].weight.data.T}

# PyTorch: the same forward, autograd for the rest
x_t = torch.tensor(X)
z1 = net_t[0](x_t); a1 = net_t[1](z1); z2 = net_t[2](a1); a2 = net_t[3](z2)
for t in (a1, z1, z2):
    t.retain_grad()
loss_t = torch.nn.BCELoss()(a2, torch.tensor(y))
loss_t.backward()
theirs = {"z1": to_np(z1), "a1": to_np(a1), "z2": to_np(z2), "a2": to_np(a2), "loss (BCE)": loss_t.item(), "dz2": to_np(z2.grad), "da1": to_np(a1.grad), "dz1": to_np(z1.grad),
          "dW2": to_np(net_t[2].weight.grad.T), "db2": to_np(net_t[2].bias.grad),
          "dW1": to_np(net_t[0].weight.grad.T), "db1": to_np(net_t[0].bias.grad)}
torch.optim.SGD(net_t.parameters(), lr=lr_step).step()
theirs |= {"W2 after the step": to_np(net_t[2].weight.T).ravel(), "W1 after the step": to_np(net_t[0].weight.T)}
bwd = {"scratchnet": mine, "PyTorch": theirs}

# %%
PRINTED_BWD = {"z1": [[0.65, 0.5]], "a1": [[0.65, 0.5]], "z2": [[0.39]], "a2": [[0.5963]], "loss (BCE)": 0.5173, "dz2": [[-0.4037]], "dW2": [[-0.2624], [-0.2019]], "db2": [-0.4037],
               "da1": [[-0.2422, 0.1615]], "dz1": [[-0.2422, 0.1615]], "dW1": [[-0.2422, 0.1615], [-0.1211, 0.0807]],
               "db1": [-0.2422, 0.1615], "W2 after the step": [0.6262, -0.3798],
               "W1 after the step": [[0.3242, 0.6838], [0.5121, -0.2081]]}
rows = []
for q, printed in PRINTED_BWD.items():
    AUDIT[f"backward {q}"] = verdict(printed, bwd["scratchnet"][q], bwd["PyTorch"][q], 4)
    rows.append([q, printed, np.round(bwd["scratchnet"][q], 4), np.round(bwd["PyTorch"][q], 4), AUDIT[f"backward {q}"]])
show(["", "chapter", "scratchnet", "PyTorch", "verdict"], rows, 4)

# %% [markdown]
# Two printed numbers do not come out: the loss is $-\log 0.5963 = 0.5170$, not 0.5173, and the
# updated $W_1[0,1] = 0.7 - 0.1 \cdot 0.161478 = 0.683852$ prints 0.6839 (the listing rounded
# $dz_1$ to 0.1615 first, then the update).
#
# ### Code example: XOR from scratch (2 → 4 sigmoid → 1 sigmoid)
# The chapter seeds NumPy with 42, draws $W_1$ = randn(2, 4)·0.5 and $W_2$ = randn(4, 1)·0.5, and
# trains for 10,000 epochs with `learning_rate = 1.0`, printing the MSE every 2,000 epochs.
#
# Its backward pass starts from `dz2 = (a2 - y) * a2 * (1 - a2)`: the derivative of $\tfrac12(a-y)^2$,
# not of the $(a-y)^2$ it prints (that would be $2(a-y)$). So the listing descends MSE/2 with lr 1.0 —
# the same steps as `MSELoss` with **lr 0.5**, which is what both backends run here.

# %%
lr_xor, epochs_xor = 0.5, (3001 if QUICK else 10_000)
X_xor = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=F64)
Y_xor = np.array([[0], [1], [1], [0]], dtype=F64)
rng = np.random.RandomState(42)                       # the chapter's np.random.seed(42)
W1, W2 = rng.randn(2, 4) * 0.5, rng.randn(4, 1) * 0.5  # (in, out), drawn in the chapter's order
xor = sn.models.mlp([2, 4, 1], "sigmoid", "sigmoid", dtype=F64)
xor.load_state_dict({"0.weight": W1.T, "0.bias": np.zeros(4), "2.weight": W2.T, "2.bias": np.zeros(1)})
xor_t = torch_ref.models.twin(xor)

xor_curves = train_both(xor, xor_t, X_xor, Y_xor, "MSELoss", lr_xor, epochs_xor - 1)
xor_last = {"scratchnet": xor(X_xor), "PyTorch": to_np(xor_t(torch.tensor(X_xor)))}  # the last forward pass
tail = train_both(xor, xor_t, X_xor, Y_xor, "MSELoss", lr_xor, 1)                    # ... and its update
xor_curves = {b: np.append(xor_curves[b], tail[b]) for b in xor_curves}
xor_final = {"scratchnet": xor(X_xor), "PyTorch": to_np(xor_t(torch.tensor(X_xor)))}       # after training

PRINTED_XOR = {0: 0.277823, 2000: 0.125614, 4000: 0.015423, 6000: 0.004567, 8000: 0.002134}
rows = []
for e, printed in PRINTED_XOR.items():
    if e < epochs_xor:
        AUDIT[f"xor loss {e}"] = verdict(printed, xor_curves["scratchnet"][e], xor_curves["PyTorch"][e], 6)
        rows.append([e, printed, xor_curves["scratchnet"][e], xor_curves["PyTorch"][e], AUDIT[f"xor loss {e}"]])
show(["epoch", "chapter", "scratchnet", "PyTorch", "verdict"], rows)

# %% [markdown]
# Epoch 0's loss depends only on the initial weights, and `np.random.seed(42)` gives 0.2557, not
# 0.277823: the printed run did not come from this code. The predictions of the last forward pass:

# %%
PRINTED_PRED = [0.0312, 0.9654, 0.9678, 0.0389]
rows = []
for i in range(4):
    rows.append([X_xor[i].astype(int), int(Y_xor[i, 0]), PRINTED_PRED[i] if not QUICK else "—",
                 xor_last["scratchnet"][i, 0], xor_last["PyTorch"][i, 0]])
    if not QUICK:
        AUDIT[f"xor prediction {i}"] = verdict(PRINTED_PRED[i], xor_last["scratchnet"][i, 0], xor_last["PyTorch"][i, 0], 4)
        rows[-1].append(AUDIT[f"xor prediction {i}"])
rounded = {b: [int(round(float(v))) for v in p.ravel()] for b, p in xor_last.items()}
if not QUICK:
    AUDIT["xor rounded"] = verdict([0, 1, 1, 0], rounded["scratchnet"], rounded["PyTorch"], 0)
show(["input", "target", "chapter", "scratchnet", "PyTorch", "verdict"][:6 if not QUICK else 5], rows, 4)
print("rounded predictions:", rounded, "" if QUICK else AUDIT["xor rounded"])

# %%
fig, (ax, ax2) = plt.subplots(1, 2, figsize=(12, 4))
for b, s in STYLE.items():
    ax.semilogy(xor_curves[b], label=b, **s)
ax.set(title="XOR: MSE per epoch (MSELoss, lr 0.5)", xlabel="epoch", ylabel="MSE (log)")
ax.grid(alpha=0.3); ax.legend()
xx, yy = np.meshgrid(np.linspace(-0.5, 1.5, 121), np.linspace(-0.5, 1.5, 121))
grid = np.c_[xx.ravel(), yy.ravel()]
p = {"scratchnet": xor(grid), "PyTorch": to_np(xor_t(torch.tensor(grid)))}
ax2.contourf(xx, yy, p["scratchnet"].reshape(xx.shape), levels=[0, 0.5, 1], cmap="RdBu_r", alpha=0.3)
for b, s in STYLE.items():
    ax2.contour(xx, yy, p[b].reshape(xx.shape), levels=[0.5], colors=s["color"], linestyles=s["linestyle"],
                linewidths=s["linewidth"])
ax2.scatter(X_xor[:, 0], X_xor[:, 1], c=Y_xor.ravel(), cmap="RdBu_r", edgecolors="k", s=80)
ax2.set(title="XOR: decision boundary (scratchnet solid, PyTorch dashed)", xlabel="x1", ylabel="x2")
plt.show()

# %% [markdown]
# #### The chapter's own XOR code, checked against PyTorch: `torch_ref.check`
#
# The listing's forward and backward lines, copied as they are into two functions (its loop body, with the
# variables it uses passed in), from its own `np.random.seed(42)` weights. `torch_ref.check.check_network` declares
# their layout (`"x@w"`: $X$ is examples × features, $W$ in × out, $b$ 1 × out), loads the weights into PyTorch's
# `Linear → Sigmoid → Linear → Sigmoid`, and compares every tensor against the MSE the listing prints — then against
# $\tfrac12$MSE, the loss its `dz2` is the gradient of:

# %%
import torch_ref.check


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def sigmoid_derivative(a):
    return a * (1 - a)


def xor_forward(X, W1, b1, W2, b2):
    # Forward pass
    z1 = X @ W1 + b1
    a1 = sigmoid(z1)
    z2 = a1 @ W2 + b2
    a2 = sigmoid(z2)
    return a2, (X, a1, a2, W2)


def xor_backward(y, cache):
    X, a1, a2, W2 = cache
    # Backward pass
    dz2 = (a2 - y) * sigmoid_derivative(a2)
    dW2 = a1.T @ dz2 / 4
    db2 = np.sum(dz2, axis=0, keepdims=True) / 4
    da1 = dz2 @ W2.T
    dz1 = da1 * sigmoid_derivative(a1)
    dW1 = X.T @ dz1 / 4
    db1 = np.sum(dz1, axis=0, keepdims=True) / 4
    return dW1, db1, dW2, db2


def xor_loss(a2, y):
    return np.mean((y - a2) ** 2)                        # the loss the listing prints


# %%
class HalfMSELoss(torch.nn.Module):
    """½·MSE: the loss whose gradient the listing's backward computes."""
    def forward(self, input, target):
        return 0.5 * torch.nn.functional.mse_loss(input, target)


def report_summary(report):
    """What the experiments keep of a check: the verdict, the first wrong tensor and its diagnosis, and the worst
    relative error among the tensors that agree."""
    first = report.first_failure
    return {"ok": report.ok, "first_failure": first and first.name, "diagnosis": first and first.diagnosis,
            "worst_max_rel_of_passing": max((r.max_rel for r in report.rows if r.ok), default=0.0)}


np_state = np.random.get_state()
np.random.seed(42)                                       # the listing's initialization
xor_values = {"W1": np.random.randn(2, 4) * 0.5, "b1": np.zeros((1, 4)), "W2": np.random.randn(4, 1) * 0.5, "b2": np.zeros((1, 1))}
np.random.set_state(np_state)
xor_check = dict(params={"W1": "0.weight", "b1": "0.bias", "W2": "2.weight", "b2": "2.bias"}, layout="x@w", values=xor_values,
                 inputs=X_xor, target=Y_xor)
xor_reference = lambda: torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.Sigmoid(), torch.nn.Linear(4, 1), torch.nn.Sigmoid())
code_checks = {"ch15_mse": torch_ref.check.check_network(xor_forward, xor_backward, xor_reference(), loss=torch.nn.MSELoss(),
                                                         cost=xor_loss, **xor_check),
               "ch15_half_mse": torch_ref.check.check_network(xor_forward, xor_backward, xor_reference(), loss=HalfMSELoss(),
                                                              **xor_check)}
display(code_checks["ch15_mse"])
print("against ½·MSE:", code_checks["ch15_half_mse"].summary())

# %% [markdown]
# ## 7. Gradient descent variants: SGD, momentum, Adam
#
# Minimise $f(x, y) = x^2 + 3y^2$ from $(4, 3)$ for 20 steps with lr 0.1. The chapter's momentum,
# $v \leftarrow \mu v - \mathrm{lr}\,g$, $\theta \leftarrow \theta + v$, is `SGD(lr, momentum=μ)`
# ($v = -\mathrm{lr}\cdot$buf, the same steps); its Adam is `Adam(lr, betas=(0.9, 0.999), eps=1e-8)`.
# scratchnet gets the chapter's hand-written gradient $\nabla f = (2x, 6y)$; PyTorch differentiates $f$.

# %%
def f(p):
    return p[0] ** 2 + 3 * p[1] ** 2


OPTIMIZERS = {"SGD": ("SGD", dict(lr=0.1)), "SGD+Momentum": ("SGD", dict(lr=0.1, momentum=0.9)),
              "Adam": ("Adam", dict(lr=0.1, betas=(0.9, 0.999), eps=1e-8))}
paths = {"scratchnet": {}, "PyTorch": {}}
for name, (kind, kw) in OPTIMIZERS.items():
    p = sn.nn.Parameter(np.array([4.0, 3.0]))
    opt = getattr(sn.optim, kind)([p], **kw)
    path = [p.data.copy()]
    for _ in range(20):
        opt.zero_grad()
        p.grad = np.array([2 * p.data[0], 6 * p.data[1]])     # the chapter's gradient(params)
        opt.step()
        path.append(p.data.copy())
    paths["scratchnet"][name] = np.array(path)

    pt = torch.nn.Parameter(torch.tensor([4.0, 3.0], dtype=torch.float64))
    opt_t = getattr(torch.optim, kind)([pt], **kw)
    path = [to_np(pt).copy()]
    for _ in range(20):
        opt_t.zero_grad()
        f(pt).backward()                                      # autograd
        opt_t.step()
        path.append(to_np(pt).copy())
    paths["PyTorch"][name] = np.array(path)
losses = {b: {n: np.array([f(q) for q in path]) for n, path in ps.items()} for b, ps in paths.items()}

# %%
PRINTED_OPT = {"SGD": (0.000033, (0.0046, 0.0016), (13.6000, 2.1760, 0.0555, 0.0000)),
               "SGD+Momentum": (0.000001, (0.0008, 0.0003), (13.6000, 0.5432, 0.0034, 0.0000)),
               "Adam": (0.000000, (0.0002, 0.0001), (10.2345, 0.3456, 0.0012, 0.0000))}
rows = []
for name, (final, params, conv) in PRINTED_OPT.items():
    ls, lt = losses["scratchnet"][name], losses["PyTorch"][name]
    ps, pt_ = paths["scratchnet"][name][-1], paths["PyTorch"][name][-1]
    AUDIT[f"{name} final loss"] = verdict(final, ls[-1], lt[-1], 6)
    AUDIT[f"{name} final params"] = verdict(list(params), ps, pt_, 4)
    rows += [[name, "final loss", f"{final:.6f}", f"{ls[-1]:.6f}", f"{lt[-1]:.6f}", AUDIT[f"{name} final loss"]],
             [name, "final params", params, ps.round(4), pt_.round(4), AUDIT[f"{name} final params"]]]
    for k, c in zip((1, 5, 10, 20), conv):
        AUDIT[f"{name} loss after step {k}"] = verdict(c, ls[k], lt[k], 4)
        rows.append([name, f"loss after step {k}", c, f"{ls[k]:.4f}", f"{lt[k]:.4f}", AUDIT[f"{name} loss after step {k}"]])
show(["optimizer", "", "chapter", "scratchnet", "PyTorch", "verdict"], rows)

# %% [markdown]
# The chapter's update lines themselves — `velocity = momentum * velocity - lr * gradient`, `params += velocity`,
# and its Adam loop — copied into per-tensor step functions and checked by `torch_ref.check.check_optimizer` against
# `torch.optim.SGD(lr=0.1, momentum=0.9)` (the chapter's velocity is −lr × PyTorch's momentum buffer) and
# `torch.optim.Adam(lr=0.1)`, step by step and state entry by state entry, for the chapter's 20 steps; and the
# momentum once more with a learning rate that halves after step 2, where the two forms part:

# %%
def sgd_momentum_step(params, grad, state, lr=0.1, momentum=0.9):
    velocity = state.get("velocity", np.zeros_like(params))
    velocity = momentum * velocity - lr * grad
    params += velocity
    state["velocity"] = velocity


def adam_step(params, grad, state, lr=0.1, beta1=0.9, beta2=0.999, eps=1e-8):
    m = state.get("m", np.zeros_like(params))  # First moment
    v = state.get("v", np.zeros_like(params))  # Second moment
    t = state.get("t", 0) + 1
    g = grad
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    params -= lr * m_hat / (np.sqrt(v_hat) + eps)
    state.update(m=m, v=v, t=t)


momentum_hyper = {"lr": 0.1, "momentum": 0.9}
code_checks["ch15_momentum"] = torch_ref.check.check_optimizer(
    sgd_momentum_step, torch.optim.SGD, hyper=momentum_hyper, state_map={"velocity": ("momentum_buffer", -0.1)}, steps=20)
code_checks["ch15_momentum_schedule"] = torch_ref.check.check_optimizer(
    sgd_momentum_step, torch.optim.SGD, hyper=momentum_hyper, steps=4, lr_schedule=[0.1, 0.1, 0.05, 0.05])
code_checks["ch15_adam"] = torch_ref.check.check_optimizer(
    lambda p, g, s, lr: adam_step(p, g, s, lr=lr), torch.optim.Adam, hyper={"lr": 0.1},
    state_map={"m": "exp_avg", "v": "exp_avg_sq", "t": "step"}, steps=20)
show(["the chapter's code, checked", "verdict"], [[k, r.summary()] for k, r in code_checks.items()])

# %% [markdown]
# Section 7 gives Adam's defaults as lr=0.001, beta1=0.9, beta2=0.999; both libraries' signatures:

# %%
import inspect

defaults = {b: [inspect.signature(cls).parameters["lr"].default, *inspect.signature(cls).parameters["betas"].default]
            for b, cls in (("scratchnet", sn.optim.Adam), ("PyTorch", torch.optim.Adam))}
AUDIT["Adam defaults"] = verdict([0.001, 0.9, 0.999], defaults["scratchnet"], defaults["PyTorch"], 3)
print(defaults, AUDIT["Adam defaults"])

# %% [markdown]
# One SGD step from (4, 3) lands on (3.2, 1.2), where $f = 14.56$, not 13.6. With these settings
# Adam moves each coordinate by about lr = 0.1 per step whatever the gradient, so 20 steps cannot
# reach the minimum, and momentum 0.9 overshoots and circles it: the printed ranking (Adam best)
# does not hold on this problem. The paths, both backends overlaid:

# %%
fig, (ax, ax2) = plt.subplots(1, 2, figsize=(12, 4.3))
xs, ys = np.meshgrid(np.linspace(-4.5, 4.5, 200), np.linspace(-3.5, 3.5, 200))
ax.contour(xs, ys, xs ** 2 + 3 * ys ** 2, levels=15, cmap="Greys", linewidths=0.7)
for i, name in enumerate(OPTIMIZERS):
    for b, s in STYLE.items():
        ax.plot(*paths[b][name].T, marker="o" if b == "scratchnet" else "x", ms=3, label=f"{name} ({b})",
                **dict(s, color=f"C{i}"))
        ax2.semilogy(losses[b][name], label=f"{name} ({b})", **dict(s, color=f"C{i}"))
ax.set(title="20 steps from (4, 3) on x² + 3y²", xlabel="x", ylabel="y"); ax.legend(fontsize=7)
ax2.set(title="f after each step", xlabel="step", ylabel="f (log)"); ax2.grid(alpha=0.3)
plt.show()

# %% [markdown]
# ## 8. Vanishing gradients — and the first common mistake: sigmoid in every layer
#
# Each sigmoid layer multiplies the gradient by $\sigma'(z) \le 1/4$ (and by its weights). The
# chapter's two 10-layer networks, with its own initialisations (no biases): ten sigmoid layers of 64
# units with $W \sim N(0,1)\cdot0.01$; nine ReLU layers with He initialisation $N(0,1)\cdot\sqrt{2/n_{in}}$
# and a sigmoid output with $W \sim N(0,1)\cdot0.01$. The chapter only runs them forward; here each gets
# a loss (BCE against random labels) and a backward pass, and we measure the gradient reaching each layer.

# %%
m_deep = 32 if QUICK else 128
data_rng = np.random.default_rng(0)
X_deep = data_rng.normal(size=(m_deep, 64))
y_deep = data_rng.integers(0, 2, size=m_deep)
draw = np.random.RandomState(0)  # one stream for both networks' draws, in this order
deep = {"sigmoid": sn.models.mlp([64] * 11, "sigmoid", "sigmoid", bias=False, dtype=F64),
        "relu": sn.models.mlp([64] * 10 + [1], "relu", "sigmoid", bias=False, dtype=F64)}
for layer in [m for m in deep["sigmoid"] if isinstance(m, sn.nn.Linear)]:
    layer.weight.data[:] = (draw.randn(64, 64) * 0.01).T
relu_linears = [m for m in deep["relu"] if isinstance(m, sn.nn.Linear)]
for layer in relu_linears[:-1]:
    layer.weight.data[:] = (draw.randn(64, 64) * np.sqrt(2.0 / 64)).T
relu_linears[-1].weight.data[:] = (draw.randn(64, 1) * 0.01).T

layer_grads, slopes = {}, {}
for kind, model in deep.items():
    twin = torch_ref.models.twin(model)
    slopes[kind] = {"scratchnet": [], "PyTorch": []}   # the largest σ'(z) = a(1 − a) in each sigmoid layer
    def keep_slope(module, inputs, a, found):
        a = to_np(a) if torch.is_tensor(a) else a
        found.append(float(np.max(a * (1 - a))))
    for b, m in (("scratchnet", model), ("PyTorch", twin)):
        for layer in m:
            if isinstance(layer, (sn.nn.Sigmoid, torch.nn.Sigmoid)):
                layer.register_forward_hook(lambda mod, i, a, found=slopes[kind][b]: keep_slope(mod, i, a, found))
    Y = np.repeat(y_deep[:, None], model[-2].weight.shape[0], axis=1).astype(F64)   # a label per output unit
    loss = sn.nn.BCELoss()
    loss(model(X_deep), Y)
    model.backward(loss.backward())
    torch.nn.BCELoss()(twin(torch.tensor(X_deep)), torch.tensor(Y)).backward()
    layer_grads[kind] = {"scratchnet": np.array([np.linalg.norm(m.weight.grad) for m in model if isinstance(m, sn.nn.Linear)]),
                         "PyTorch": np.array([m.weight.grad.norm().item() for m in twin if isinstance(m, torch.nn.Linear)])}
show(["layer", "sigmoid net (scratchnet)", "sigmoid net (PyTorch)", "ReLU net (scratchnet)", "ReLU net (PyTorch)"],
     [[l + 1, layer_grads["sigmoid"]["scratchnet"][l], layer_grads["sigmoid"]["PyTorch"][l],
       layer_grads["relu"]["scratchnet"][l], layer_grads["relu"]["PyTorch"][l]] for l in range(10)], 4)

# %% [markdown]
# The chapter's bound "0.25¹⁰ = 0.000001" counts only the sigmoid slopes; their product, measured, is
# that number — but each layer also multiplies the gradient by its small weights, so the gradient
# itself shrinks far more:

# %%
product = {b: float(np.prod(s)) for b, s in slopes["sigmoid"].items()}
AUDIT["deep sigmoid slope product"] = verdict(0.000001, product["scratchnet"], product["PyTorch"], 6)
print("product of the largest σ'(z) per layer:", product, AUDIT["deep sigmoid slope product"])
ratio = {kind: {b: g[0] / g[-2] for b, g in gs.items()} for kind, gs in layer_grads.items()}  # ‖dW1‖ / ‖dW9‖
AUDIT["deep relu flows"] = verdict(1, int(0.1 <= ratio["relu"]["scratchnet"] <= 10), int(0.1 <= ratio["relu"]["PyTorch"] <= 10), 0)
AUDIT["deep sigmoid vanishes"] = verdict(1, int(ratio["sigmoid"]["scratchnet"] < 0.25 ** 10), int(ratio["sigmoid"]["PyTorch"] < 0.25 ** 10), 0)
show(["claim", "measured ‖dW1‖/‖dW9‖ (scratchnet)", "(PyTorch)", "verdict"],
     [["ReLU net: gradients flow through without vanishing (within 10×)", ratio["relu"]["scratchnet"], ratio["relu"]["PyTorch"], AUDIT["deep relu flows"]],
      ["sigmoid net: early layers get negligible gradients (below 0.25¹⁰)", ratio["sigmoid"]["scratchnet"], ratio["sigmoid"]["PyTorch"], AUDIT["deep sigmoid vanishes"]]], 3)
fig, ax = plt.subplots(figsize=(6.5, 3.8))
for i, kind in enumerate(layer_grads):
    for b, s in STYLE.items():
        ax.semilogy(range(1, 11), layer_grads[kind][b], marker="o", label=f"{kind} net ({b})", **dict(s, color=f"C{i}"))
ax.set(title="Gradient reaching each layer", xlabel="layer (1 = input side)", ylabel="‖dJ/dW‖ (log)")
ax.grid(alpha=0.3); ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# ## Common mistake: not scaling the inputs
#
# Income (~10⁴), age (~10¹) and a ratio (~10⁻¹) fed raw into 3 → 8 tanh → 1 sigmoid: income times a
# weight of ~0.5 is far beyond tanh's range, so the hidden units start saturated, $1-\tanh^2 z$ rounds
# to 0 and the gradient *vanishes*. The same network from the same weights, with `StandardScaler`:

# %%
from sklearn.preprocessing import StandardScaler

rng = np.random.default_rng(5)
X_raw = np.c_[rng.uniform(20_000, 100_000, 200), rng.uniform(20, 70, 200), rng.uniform(0, 1, 200)]
score = (X_raw[:, 0] - 60_000) / 23_000 - (X_raw[:, 1] - 45) / 14 + 2 * (X_raw[:, 2] - 0.5) / 0.29
Y_inc = (score + rng.normal(0, 0.5, 200) > 0).astype(F64)[:, None]
epochs_sc = 40 if QUICK else 300
scaling = {}
for name, Xv in {"raw": X_raw, "StandardScaler": StandardScaler().fit_transform(X_raw)}.items():
    model = sn.models.mlp([3, 8, 1], "tanh", "sigmoid", dtype=F64, generator=np.random.default_rng(0))
    twin = torch_ref.models.twin(model)
    Xt = torch.tensor(Xv)
    saturated = {"scratchnet": float(np.mean(np.abs(np.tanh(model[0](Xv))) > 0.99)),
                 "PyTorch": float((torch.tanh(twin[0](Xt)).abs() > 0.99).double().mean())}
    loss = sn.nn.BCELoss()                          # one backward pass at the start, to see the gradient
    loss(model(Xv), Y_inc)
    model.backward(loss.backward())
    torch.nn.BCELoss()(twin(Xt), torch.tensor(Y_inc)).backward()
    gradient = {"scratchnet": np.linalg.norm(model[0].weight.grad, axis=0).max(),   # largest ‖dJ/dW1[:, f]‖
                "PyTorch": twin[0].weight.grad.norm(dim=0).max().item()}
    curves = train_both(model, twin, Xv, Y_inc, "BCELoss", 0.1, epochs_sc)          # fit zeroes the gradients first
    scaling[name] = {"saturated": saturated, "gradient": gradient, "loss": {b: c[-1] for b, c in curves.items()},
                     "accuracy": float(np.mean((model(Xv) > 0.5) == (Y_inc > 0.5)))}
show(["inputs", "saturated tanh units at the start", "largest ‖dJ/dW1[:, f]‖ at the start",
      f"loss after {epochs_sc} epochs (scratchnet)", "(PyTorch)", "training accuracy"],
     [[n, s["saturated"]["scratchnet"], s["gradient"]["scratchnet"], s["loss"]["scratchnet"], s["loss"]["PyTorch"],
       s["accuracy"]] for n, s in scaling.items()], 4)
print("The chapter's two rows after StandardScaler:\n", StandardScaler().fit_transform(np.array([[25000, 25, 0.5], [80000, 55, 0.9]])))

# %%
raw, std = scaling["raw"], scaling["StandardScaler"]
said = {"saturating sigmoid/tanh: most units saturated raw, fewer scaled":
            {b: int(raw["saturated"][b] > 0.5 > std["saturated"][b]) for b in ("scratchnet", "PyTorch")},
        "creating exploding gradients: a larger first-layer gradient raw":
            {b: int(raw["gradient"][b] > std["gradient"][b]) for b in ("scratchnet", "PyTorch")},
        "scaled inputs train better: a lower final loss":
            {b: int(std["loss"][b] < raw["loss"][b]) for b in ("scratchnet", "PyTorch")}}
for q, v in said.items():
    AUDIT[f"unscaled: {q}"] = verdict(1, v["scratchnet"], v["PyTorch"], 0)
show(["the chapter says (1 = yes)", "scratchnet", "PyTorch", "verdict"],
     [[q, v["scratchnet"], v["PyTorch"], AUDIT[f"unscaled: {q}"]] for q, v in said.items()])

# %% [markdown]
# Saturated tanh units pass back $1 - \tanh^2 z \approx 0$: with saturating activations large inputs make
# the gradients *vanish*, not explode (they would grow with $x$ only through units that do not saturate).
#
# ## Common mistake: reading softmax outputs as independent probabilities
#
# Softmax gives one distribution over mutually exclusive classes (it sums to 1; the prediction is the
# argmax). For multi-label problems use a sigmoid per output instead — independent yes/no probabilities.

# %%
probs = soft
sig = {"scratchnet": sn.nn.Sigmoid()(logits), "PyTorch": to_np(torch.sigmoid(torch.tensor(logits)))}
claims = {"probs.round(3)": ([0.659, 0.242, 0.099], {b: p for b, p in probs.items()}, 3),
          "sum": (1.0, {b: p.sum() for b, p in probs.items()}, 3),
          "predicted class": (0, {b: int(np.argmax(p)) for b, p in probs.items()}, 0),
          "its probability": (0.659, {b: p.max() for b, p in probs.items()}, 3)}
rows = []
for q, (c, v, d) in claims.items():
    AUDIT[f"softmax reading {q}"] = verdict(c, v["scratchnet"], v["PyTorch"], d)
    rows.append([q, c, np.round(v["scratchnet"], d), np.round(v["PyTorch"], d), AUDIT[f"softmax reading {q}"]])
show(["", "chapter", "scratchnet", "PyTorch", "verdict"], rows, 3)
print("independent sigmoids instead:", sig["scratchnet"].round(3), "sum", sig["scratchnet"].sum().round(3))

# %% [markdown]
# ## Common mistake: MSE instead of cross-entropy for classification
#
# Through a sigmoid output $\hat y = \sigma(z)$ the gradient reaching the logit is
# $2(\hat y - y)\,\hat y(1-\hat y)$ for MSE — it vanishes for confident predictions, right or wrong —
# and $\hat y - y$ for cross-entropy. At $\hat y = 0.01$, $y = 1$:

# %%
def dloss_dz(loss, p, y):
    """(loss, dℓ/dz) for predictions p = σ(z), per example (reduction 'sum'), on both backends."""
    z = np.log(p / (1 - p))
    act, lf = sn.nn.Sigmoid(), getattr(sn.nn, loss)(reduction="sum")
    value = float(lf(act(z), y))
    mine = act.backward(lf.backward())
    zt = torch.tensor(z, requires_grad=True)
    lt = getattr(torch.nn, loss)(reduction="sum")(torch.sigmoid(zt), torch.tensor(y))
    lt.backward()
    return {"scratchnet": (value, mine), "PyTorch": (lt.item(), zt.grad.numpy())}


wrong = {k: dloss_dz(k, np.array([0.01]), np.array([1.0])) for k in ("MSELoss", "BCELoss")}
show(["", "MSE (scratchnet)", "MSE (PyTorch)", "BCE (scratchnet)", "BCE (PyTorch)"],
     [["loss", *[wrong[k][b][0] for k in wrong for b in ("scratchnet", "PyTorch")]],
      ["dℓ/dz", *[wrong[k][b][1][0] for k in wrong for b in ("scratchnet", "PyTorch")]]], 4)
small = {b: int(abs(wrong["MSELoss"][b][1][0]) <= abs(wrong["BCELoss"][b][1][0]) / 10) for b in ("scratchnet", "PyTorch")}
AUDIT["mse small gradient"] = verdict(1, small["scratchnet"], small["PyTorch"], 0)
print("'MSE would give a small gradient' (at most a tenth of cross-entropy's):", AUDIT["mse small gradient"])

# %% [markdown]
# A sigmoid neuron started confidently wrong ($w = -4$, data $y = [x > 0]$), trained with each loss
# from the same weights (lr 0.5): how many epochs until 95 % training accuracy?

# %%
rng = np.random.default_rng(3)
X_w = rng.normal(size=(100, 1))
Y_w = (X_w > 0).astype(F64)
epochs_w = 40 if QUICK else 300
to_95, wrong_curves = {}, {}
for loss in ("MSELoss", "BCELoss"):
    model = sn.models.mlp([1, 1], "identity", "sigmoid", dtype=F64)
    model.load_state_dict({"0.weight": np.array([[-4.0]]), "0.bias": np.zeros(1)})
    twin = torch_ref.models.twin(model)
    accs = {"scratchnet": [], "PyTorch": []}
    curve = {"scratchnet": [], "PyTorch": []}
    for epoch in range(epochs_w):
        c = train_both(model, twin, X_w, Y_w, loss, 0.5, 1)
        for b, m in (("scratchnet", model(X_w)), ("PyTorch", to_np(twin(torch.tensor(X_w))))):
            accs[b].append(float(np.mean((m > 0.5) == (Y_w > 0.5))))
            curve[b].append(c[b][0])
    to_95[loss] = {b: next((e + 1 for e, a in enumerate(accs[b]) if a >= 0.95), None) for b in accs}
    wrong_curves[loss] = curve
slow = {b: int(to_95["BCELoss"][b] is not None and (to_95["MSELoss"][b] is None or to_95["MSELoss"][b] > to_95["BCELoss"][b]))
        for b in ("scratchnet", "PyTorch")}
AUDIT["mse slow"] = verdict(1, slow["scratchnet"], slow["PyTorch"], 0)
show(["loss", "epochs to 95 % (scratchnet)", "(PyTorch)"], [[k, v["scratchnet"], v["PyTorch"]] for k, v in to_95.items()])
print("'This makes training extremely slow':", AUDIT["mse slow"])
fig, ax = plt.subplots(figsize=(6, 3.6))
for i, (loss, curve) in enumerate(wrong_curves.items()):
    for b, s in STYLE.items():
        ax.semilogy(curve[b], label=f"{loss} ({b})", **dict(s, color=f"C{i}"))
ax.set(title="One neuron started confidently wrong (w = −4)", xlabel="epoch", ylabel="loss (log)")
ax.grid(alpha=0.3); ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# ## Summary: the audit of this chapter's printed numbers

# %%
counts = {v: sum(1 for x in AUDIT.values() if x == v) for v in ("✅ reproduced", "❌ differs")}
print(counts)
show(["claim", "verdict"], list(AUDIT.items()))
