# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # CS229 Lecture 11 — Introduction to Neural Networks, on scratchnet and PyTorch
#
# The lecture notebook's sections in its order, each run twice: on **scratchnet** (NumPy,
# backpropagation written out) and on **PyTorch** (autograd), from the same weights. The lecture's
# `NeuralNetwork` class (input → hidden ReLU → sigmoid output, binary cross-entropy, full-batch
# gradient descent) is `mlp([n, hidden, 1], "relu")` here; it outputs the logit $Z^{[2]}$ and trains
# with `BCEWithLogitsLoss`, whose gradient with respect to $Z^{[2]}$ is the lecture's $dZ^{[2]} = A^{[2]} - Y$
# (divided by $m$). Where the lecture prints or states a number, the table shows the **audit's verdict**
# (the rule of `experiments/audit.py`; the test suite holds every verdict here equal to the report's).
#
# The lecture stores examples as columns ($Z^{[1]} = W^{[1]}X + b^{[1]}$, $X$ of shape (features, m));
# both libraries take examples as rows, $Z = XW^\top + b$. $W^{[1]}$ is then exactly `Linear.weight`
# (out, in): the lecture's weights load without a transpose, only the data are transposed.

# %% tags=["parameters"]
QUICK = False  # True: fewer iterations, the experiments' --quick settings (what the test suite runs)

# %%
import time

import numpy as np
import torch
import matplotlib.pyplot as plt
from IPython.display import HTML, display
from tabulate import tabulate
from sklearn.datasets import load_digits, make_circles
from sklearn.metrics import confusion_matrix
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

import scratchnet as sn
import torch_ref

torch.set_num_threads(1)  # these networks are tiny: one thread is fastest and leaves the other cores free
F64 = np.float64
STYLE = {"scratchnet": dict(color="C0", linestyle="-", linewidth=3.5, alpha=0.45),  # wide, under
         "PyTorch": dict(color="C1", linestyle="--", linewidth=1.3)}                 # thin, dashed, on top


def show(headers, rows, digits=6):
    """A table (tabulate's HTML, so it renders in Jupyter and in the exported page)."""
    cell = lambda v: f"{v:.{digits}g}" if isinstance(v, float) else v
    display(HTML(tabulate([[cell(v) for v in row] for row in rows], headers, tablefmt="html", disable_numparse=True)))


def printed_as(claimed, value, decimals):
    """The audit's rule: reproduced when the value, printed with the lecture's decimals, reads the same."""
    c, v = np.ravel(np.asarray(claimed, F64)), np.ravel(np.asarray(value, F64))
    return c.shape == v.shape and all(float(f"{a:.{decimals}f}") == float(f"{b:.{decimals}f}") for a, b in zip(c, v))


def close(claimed, value, rtol):
    """The audit's rule for a stated formula: equal to `rtol`, relative to the largest magnitude."""
    c, v = np.asarray(claimed, F64), np.asarray(value, F64)
    return c.shape == v.shape and np.abs(c - v).max(initial=0) <= rtol * max(np.abs(c).max(initial=0), np.abs(v).max(initial=0))


def verdict(claimed, mine, theirs, decimals=None, rtol=None):
    ok = (lambda v: close(claimed, v, rtol)) if rtol else (lambda v: printed_as(claimed, v, decimals))
    return "✅ reproduced" if ok(mine) and ok(theirs) else "❌ differs"


def to_np(t):
    return t.detach().numpy()


AUDIT = {}  # every verdict below, by a short name

# The lecture calls np.random.seed(42) once, in its Setup cell; every NeuralNetwork(...) then draws W1 and
# W2 from that one stream, in notebook order. Replaying it gives each section the lecture's own weights.
lecture_stream = np.random.RandomState(42)


def he(n):
    return np.sqrt(2.0 / n)  # NeuralNetwork.__init__'s scale (its comment says "Xavier"; √(2/n_in) is He's)


def draw(n_in, hidden, scale=he):
    """The lecture's W1 = randn(hidden, n_in)·scale(n_in), W2 = randn(1, hidden)·scale(hidden)."""
    return lecture_stream.randn(hidden, n_in) * scale(n_in), lecture_stream.randn(1, hidden) * scale(hidden)


def lecture_net(W1, W2, activation="relu"):
    """The lecture's NeuralNetwork as mlp([n, hidden, 1], activation) (the logit out), biases zero, and its twin."""
    model = sn.models.mlp([W1.shape[1], W1.shape[0], 1], activation, dtype=F64)
    model.load_state_dict({"0.weight": W1, "0.bias": np.zeros(W1.shape[0]), "2.weight": W2, "2.bias": np.zeros(1)})
    return model, torch_ref.models.twin(model)


def fit_both(model, twin, loader, epochs, lr, loss="BCEWithLogitsLoss", optimizer="SGD", scheduler=None, **options):
    """sn.train.fit and torch_ref.train.fit on the same batches (PyTorch replays the loader's): {backend: History},
    and each backend's wall time in seconds. `scheduler`: (name, kwargs) of an lr scheduler, stepped every epoch."""
    histories, seconds = {}, {}
    loaders = {"scratchnet": loader, "PyTorch": torch_ref.data.DataLoader.from_scratchnet(loader)}
    for b, m, lib, fit in (("scratchnet", model, sn, sn.train.fit), ("PyTorch", twin, torch, torch_ref.train.fit)):
        opt = getattr(lib.optim, optimizer)(m.parameters(), lr=lr, **options)
        sched = scheduler and getattr(lib.optim.lr_scheduler, scheduler[0])(opt, **scheduler[1])
        t0 = time.perf_counter()
        histories[b] = fit(m, getattr(lib.nn, loss)(), opt, loaders[b], epochs, scheduler=sched, progress=False)
        seconds[b] = time.perf_counter() - t0
    return histories, seconds


def train_both(model, twin, X, Y, lr, iterations, loss="BCEWithLogitsLoss"):
    """The lecture's train(): full-batch gradient descent, W := W − α dW; the cost J of every iteration
    (recorded before its update, as the lecture appends it)."""
    histories, _ = fit_both(model, twin, sn.data.DataLoader((X, Y), batch_size=len(X)), iterations, lr, loss)
    return {b: np.array(h.epoch_loss) for b, h in histories.items()}


def outputs(model, X):
    """The model's output on X as NumPy, in eval mode (dropout off, batch norm on its running statistics)."""
    was_training = model.training
    model.eval()
    try:
        if isinstance(model, torch.nn.Module):
            with torch.no_grad():
                return to_np(model(torch.tensor(X)))
        return model(X)
    finally:
        model.train(was_training)


def predict(model, X):
    """The lecture's predict(): σ(Z2) > 0.5, i.e. the logit > 0."""
    return (outputs(model, X) > 0).astype(int)


def accuracy10(model, X, y):
    """Accuracy of the largest logit (the softmax's most probable class)."""
    return float(np.mean(outputs(model, X).argmax(axis=1) == y))


# %% [markdown]
# ## 6.1 Logistic regression as a neural network; parameter counts
#
# "Neuron equals linear plus activation": $\hat y = \sigma(Wx + b)$. A 64×64 RGB image is
# 64 · 64 · 3 = 12,288 numbers, so logistic regression on it has 12,289 parameters; three sigmoid
# output neurons (cat, lion, iguana) have 3 × 12,289 = 36,867. Counting a model's parameters:

# %%
def n_params(model):
    return sum(p.numel() for p in model.parameters())


image = np.zeros((64, 64, 3))                                   # height × width × RGB
counts = {"numbers in a 64×64 RGB image": (12288, image.reshape(1, -1).shape[1], torch.tensor(image).flatten().numel())}
for what, sizes, claimed in (("logistic regression parameters", [12288, 1], 12289),      # 64×64×3 inputs → 1
                             ("three output neurons", [12288, 3], 36867)):                  # … → 3 sigmoids
    m = sn.models.mlp(sizes, "identity", "sigmoid")
    counts[what] = (claimed, n_params(m), n_params(torch_ref.models.twin(m)))
for what, (claimed, mine, theirs) in counts.items():
    AUDIT[what] = verdict(claimed, mine, theirs, 0)
show(["", "lecture", "scratchnet", "PyTorch", "verdict"], [[k, *v, AUDIT[k]] for k, v in counts.items()])

# %% [markdown]
# "The three neurons aren't communicating … we can totally train them independently." With the three costs
# added, $J = J_{\text{cat}} + J_{\text{lion}} + J_{\text{iguana}}$, neuron $k$'s weights get $\partial J_k/\partial w_k$ only,
# so training the three together is training three logistic regressions apart. 16 random 12,288-pixel
# "images" with any subset of the three labels, lr 0.5, full-batch gradient descent: the largest relative
# difference between the two ways' weights.

# %%
rng = np.random.default_rng(1)
X_img = rng.standard_normal((16, 12288)) / np.sqrt(12288)
Y_img = (rng.random((16, 3)) < 0.5).astype(F64)                   # multi-label: cat, lion, iguana or several
W_img = rng.standard_normal((3, 12288)) * 0.01
steps_img = 5 if QUICK else 50


def trained_weights(W, Y):
    """Full-batch gradient descent (lr 0.5) on J = Σ_k (1/m) Σ_i L_ik: a 'sum' loss with lr / m. Both backends."""
    model = sn.models.mlp([W.shape[1], W.shape[0]], dtype=F64)
    model.load_state_dict({"0.weight": W, "0.bias": np.zeros(W.shape[0])})
    twin = torch_ref.models.twin(model)
    loader = sn.data.DataLoader((X_img, Y), batch_size=len(X_img))
    sn.train.fit(model, sn.nn.BCEWithLogitsLoss(reduction="sum"), sn.optim.SGD(model.parameters(), lr=0.5 / len(X_img)),
                 loader, steps_img, progress=False)
    torch_ref.train.fit(twin, torch.nn.BCEWithLogitsLoss(reduction="sum"), torch.optim.SGD(twin.parameters(), lr=0.5 / len(X_img)),
                        torch_ref.data.DataLoader.from_scratchnet(loader), steps_img, progress=False)
    return {"scratchnet": model[0].weight.data, "PyTorch": to_np(twin[0].weight)}


together = trained_weights(W_img, Y_img)                                     # one model, three outputs
apart = [trained_weights(W_img[k:k + 1], Y_img[:, k:k + 1]) for k in range(3)]  # three one-output models
gap_img = {b: float(np.abs(together[b] - np.vstack([a[b] for a in apart])).max() / np.abs(together[b]).max())
           for b in together}
AUDIT["three neurons trained together = apart"] = verdict(0.0, gap_img["scratchnet"], gap_img["PyTorch"], 10)
show(["max relative difference of the weights, together vs apart", "lecture", "scratchnet", "PyTorch", "verdict"],
     [[f"after {steps_img} steps", 0.0, f"{gap_img['scratchnet']:.1e}", f"{gap_img['PyTorch']:.1e}",
       AUDIT["three neurons trained together = apart"]]])

# %% [markdown]
# Multi-class vs multi-label: softmax outputs sum to 1 (one class per image); independent sigmoids
# need not (an image may hold a cat *and* a lion). The lecture's summary swaps the two names
# ("Multi-class (sigmoid) or Multi-label (softmax)"); its 6.1 has them right. For logits (3, 2.5, −1):

# %%
logits = np.array([[3.0, 2.5, -1.0]])
sums = {"softmax": (sn.nn.Softmax(dim=1)(logits).sum(), torch.softmax(torch.tensor(logits), 1).sum().item()),
        "sigmoid": (sn.nn.Sigmoid()(logits).sum(), torch.sigmoid(torch.tensor(logits)).sum().item())}
AUDIT["softmax sums to 1"] = verdict(1.0, *sums["softmax"], rtol=1e-12)
AUDIT["'multi-class (sigmoid)' sums to 1"] = verdict(1.0, *sums["sigmoid"], rtol=1e-12)
show(["outputs", "sum (scratchnet)", "sum (PyTorch)", "sums to 1?"],
     [[k, *v, AUDIT["softmax sums to 1" if k == "softmax" else "'multi-class (sigmoid)' sums to 1"]] for k, v in sums.items()])

# %% [markdown]
# ## 6.2 Activation functions
#
# $\sigma(z) = 1/(1+e^{-z})$, $\tanh z$, $\mathrm{ReLU}(z) = \max(0, z)$, $\mathrm{LeakyReLU}(z) = \max(0.01z, z)$,
# and the lecture's derivative functions: `sigmoid_derivative` $= s(1-s)$, `tanh_derivative` $= 1 - \tanh^2 z$,
# `relu_derivative` $= [z > 0]$, `leaky_relu_derivative` $= 1$ if $z > 0$ else 0.01. Each is checked against
# what backpropagation through the library's module gives (scratchnet's `backward`, PyTorch's autograd):

# %%
def g_and_dg(name, z, **kw):
    """(g(z), g'(z)) from each backend's activation module."""
    m = getattr(sn.nn, name)(**kw)
    a = m(z)
    zt = torch.tensor(z, requires_grad=True)
    at = getattr(torch.nn, name)(**kw)(zt)
    at.backward(torch.ones_like(at))
    return {"scratchnet": (a.copy(), m.backward(np.ones_like(a))), "PyTorch": (to_np(at), zt.grad.numpy())}


z_pts = np.array([-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0])
s = 1 / (1 + np.exp(-z_pts))
lecture_derivatives = {"Sigmoid": ("Sigmoid", {}, s * (1 - s)), "Tanh": ("Tanh", {}, 1 - np.tanh(z_pts) ** 2),
                       "ReLU": ("ReLU", {}, (z_pts > 0).astype(float)),
                       "Leaky ReLU": ("LeakyReLU", {"negative_slope": 0.01}, np.where(z_pts > 0, 1, 0.01))}
rows = []
for name, (cls, kw, formula) in lecture_derivatives.items():
    got = g_and_dg(cls, z_pts, **kw)
    AUDIT[f"{name} derivative"] = verdict(formula, got["scratchnet"][1], got["PyTorch"][1], rtol=1e-12)
    rows.append([name, formula.round(4), got["scratchnet"][1].round(4), got["PyTorch"][1].round(4), AUDIT[f"{name} derivative"]])
show(["g'(z) at z = −3, −1, −0.5, 0, 0.5, 1, 3", "the lecture's formula", "scratchnet backward", "PyTorch autograd", "verdict"], rows)

# %%
z = np.linspace(-5, 5, 200)
fig, axes = plt.subplots(2, 2, figsize=(12, 7.5))
for ax, (name, (cls, kw, _)) in zip(axes.flat, lecture_derivatives.items()):
    for b, (g, dg) in g_and_dg(cls, z, **kw).items():
        ax.plot(z, g, label=f"{name} ({b})", **STYLE[b])
        ax.plot(z, dg, label=f"{name}' ({b})", **dict(STYLE[b], color="C3" if b == "scratchnet" else "C2"))
    ax.axhline(0, color="k", lw=0.5); ax.axvline(0, color="k", lw=0.5)
    ax.set(title=name, xlabel="z"); ax.grid(alpha=0.3); ax.legend(fontsize=8)
plt.tight_layout()
plt.show()

# %% [markdown]
# The lecture's printed properties, measured on the modules: the sigmoid's range (0, 1) and its
# derivative's peak 1/4 at $z = 0$; tanh's range (−1, 1), zero-centred; ReLU's derivative is 1 for every $z > 0$
# and 0 for every $z < 0$ ("dead neurons"); Leaky ReLU keeps a slope of 0.01 there, and is $\max(0.01z, z)$.
# A range is checked on $z \in [-30, 30]$ at 4 decimals: the ends are approached, never reached (in float64
# σ(z) rounds to 1 past z ≈ 37, tanh past 19).

# %%
wide, neg, pos = np.linspace(-30, 30, 6001), np.linspace(-5, -1e-3, 500), np.linspace(1e-3, 5, 500)
props = {  # claim: (the lecture's value, the measurement on backend b, the audit's rule)
    "sigmoid range (0, 1)": ([0.0, 1.0], lambda b: [g_and_dg("Sigmoid", wide)[b][0].min(), g_and_dg("Sigmoid", wide)[b][0].max()],
                             {"decimals": 4}),
    "σ'(z) peak, at z = 0": (0.25, lambda b: float(g_and_dg("Sigmoid", np.array([0.0]))[b][1][0]), {"decimals": 4}),
    "tanh range (−1, 1)": ([-1.0, 1.0], lambda b: [g_and_dg("Tanh", wide)[b][0].min(), g_and_dg("Tanh", wide)[b][0].max()],
                           {"decimals": 4}),
    "tanh(0)": (0.0, lambda b: float(g_and_dg("Tanh", np.array([0.0]))[b][0][0]), {"decimals": 12}),
    "min ReLU'(z) over z > 0": (1.0, lambda b: float(g_and_dg("ReLU", pos)[b][1].min()), {"decimals": 4}),
    "max ReLU'(z) over z < 0": (0.0, lambda b: float(g_and_dg("ReLU", neg)[b][1].max()), {"decimals": 4}),
    "LeakyReLU'(z) for z < 0": (0.01, lambda b: float(g_and_dg("LeakyReLU", neg, negative_slope=0.01)[b][1].max()),
                                {"decimals": 4}),
    "LeakyReLU(z) = max(0.01z, z) at z = −3 … 3": (np.maximum(0.01 * z_pts, z_pts), lambda b: g_and_dg("LeakyReLU", z_pts)[b][0],
                                                   {"rtol": 1e-15})}
rows = []
for what, (claimed, measure, rule) in props.items():
    AUDIT[what] = verdict(claimed, measure("scratchnet"), measure("PyTorch"), **rule)
    rows.append([what, np.round(claimed, 4), np.round(measure("scratchnet"), 4), np.round(measure("PyTorch"), 4), AUDIT[what]])
show(["", "lecture", "scratchnet", "PyTorch", "verdict"], rows)

# %% [markdown]
# ## 6.3 Multi-layer networks; 6.4 vectorization
#
# The three-layer example n → 3 → 2 → 1 has $3n + 3$, $2 \cdot 3 + 2 = 8$ and $2 \cdot 1 + 1 = 3$ parameters per layer,
# $3n + 14$ in all; the count trick says the same: one weight per edge plus one bias per neuron.

# %%
rows = []
for n in (1, 2, 64, 12288):
    net = sn.models.mlp([n, 3, 2, 1], "sigmoid", "sigmoid", dtype=F64)
    net_t = torch_ref.models.twin(net)
    per_layer = {b: [n_params(l) for l in m if isinstance(l, (sn.nn.Linear, torch.nn.Linear))] for b, m in (("scratchnet", net), ("PyTorch", net_t))}
    AUDIT[f"per-layer [3n+3, 8, 3] at n = {n}"] = verdict([3 * n + 3, 8, 3], per_layer["scratchnet"], per_layer["PyTorch"], 0)
    AUDIT[f"3n + 14 at n = {n}"] = verdict(3 * n + 14, n_params(net), n_params(net_t), 0)
    rows.append([n, [3 * n + 3, 8, 3], per_layer["scratchnet"], per_layer["PyTorch"], AUDIT[f"per-layer [3n+3, 8, 3] at n = {n}"],
                 3 * n + 14, n_params(net), n_params(net_t), AUDIT[f"3n + 14 at n = {n}"]])
show(["n", "lecture per layer", "scratchnet", "PyTorch", "verdict", "lecture total", "scratchnet", "PyTorch", "verdict"], rows)
edges, neurons = 3 * 12288 + 2 * 3 + 1 * 2, 3 + 2 + 1
AUDIT["edges + neurons at n = 12288"] = verdict(edges + neurons, n_params(net), n_params(net_t), 0)
print(f"n = 12288: {edges} edges + {neurons} neurons = {edges + neurons}; counted:", n_params(net), n_params(net_t),
      AUDIT["edges + neurons at n = 12288"])

# %% [markdown]
# "Most of the parameters are still in the input layer": layer 1's share, on the image network (n = 12,288) and on
# each of this notebook's `NeuralNetwork`s. (For the n → 3 → 2 → 1 network it needs $3n + 3 > 11$, n ≥ 3: at n = 1 or 2
# layer 1 holds 6/17 and 9/20.)

# %%
def layer1_share(sizes, activation="relu"):
    """{backend: layer 1's parameters / all parameters} of mlp(sizes)."""
    model = sn.models.mlp(sizes, activation, "sigmoid")
    return {b: n_params(m[0]) / n_params(m) for b, m in (("scratchnet", model), ("PyTorch", torch_ref.models.twin(model)))}


shares = {"image 12288-3-2-1": layer1_share([12288, 3, 2, 1], "sigmoid"), "XOR 2-4-1": layer1_share([2, 4, 1]),
          "circles 2-8-1": layer1_share([2, 8, 1]), "digits 64-32-1": layer1_share([64, 32, 1]),
          "hidden-layer images 64-16-1": layer1_share([64, 16, 1])}
most = {b: [int(v[b] > 0.5) for v in shares.values()] for b in ("scratchnet", "PyTorch")}
AUDIT["layer 1 holds most, n = 12288"] = verdict(1, most["scratchnet"][0], most["PyTorch"][0], 0)
AUDIT["layer 1 holds most, the notebook's networks"] = verdict([1, 1, 1, 1], most["scratchnet"][1:], most["PyTorch"][1:], 0)
show(["network", "layer 1's share (scratchnet)", "(PyTorch)", "most (> 1/2)?"],
     [[k, f"{v['scratchnet']:.2%}", f"{v['PyTorch']:.2%}", "yes" if v["scratchnet"] > 0.5 else "no"] for k, v in shares.items()])
print("image network:", AUDIT["layer 1 holds most, n = 12288"], "  the notebook's networks:",
      AUDIT["layer 1 holds most, the notebook's networks"])

# %% [markdown]
# ### Vectorization: a batch of $m$ examples at once
#
# $Z^{[1]} = W^{[1]}X + b^{[1]}$ (3 × m), $A^{[1]} = \sigma(Z^{[1]})$, $Z^{[2]}$ (2 × m), $Z^{[3]}$ (1 × m): one column per
# example, and the parameters stay the same size whatever $m$. Both libraries put examples in rows, so they
# compute the transposes, $Z = XW^\top + b$ of shape (m, units). The shapes, read with forward hooks on the
# n = 12,288 network, in the lecture's (units, examples) layout:

# %%
def z_shapes(model, X):
    """Shapes of Z[1], Z[2], Z[3] (each Linear layer's output) as (units, examples)."""
    shapes = []
    hooks = [layer.register_forward_hook(lambda mod, inputs, out: shapes.append(tuple(out.shape)[::-1]))
             for layer in model if isinstance(layer, (sn.nn.Linear, torch.nn.Linear))]
    with torch.no_grad():
        model(X)
    for h in hooks:
        h.remove()
    return shapes


rows = []
for m_batch in (1, 5):
    X_batch = np.random.default_rng(0).standard_normal((m_batch, 12288))
    got = {"scratchnet": z_shapes(net, X_batch), "PyTorch": z_shapes(net_t, torch.tensor(X_batch))}
    claimed = [(3, m_batch), (2, m_batch), (1, m_batch)]
    AUDIT[f"shapes of Z[1], Z[2], Z[3] for m = {m_batch}"] = verdict(claimed, got["scratchnet"], got["PyTorch"], 0)
    rows.append([m_batch, claimed, got["scratchnet"], got["PyTorch"], AUDIT[f"shapes of Z[1], Z[2], Z[3] for m = {m_batch}"]])
show(["m", "lecture", "scratchnet", "PyTorch", "verdict"], rows)

# %% [markdown]
# Broadcasting: $b^{[1]}$ is 3 × 1 and $W^{[1]}X$ is 3 × m; NumPy (and PyTorch) repeat $b$ m times,
# $\tilde b^{[1]} = [b^{[1]}, b^{[1]}, \ldots, b^{[1]}]$, without storing the copies. `Linear`'s output against the
# sum with the repeated matrix written out (m = 6):

# %%
rng = np.random.default_rng(2)
W_bc, b_bc, X_bc = rng.standard_normal((3, 4)), rng.standard_normal(3), rng.standard_normal((6, 4))
repeated = (W_bc @ X_bc.T + np.tile(b_bc.reshape(3, 1), (1, 6))).T     # W X + [b, b, …, b], as rows
layer = sn.nn.Linear(4, 3, dtype=F64)
layer.load_state_dict({"weight": W_bc, "bias": b_bc})
layer_t = torch.nn.Linear(4, 3, dtype=torch.float64)
layer_t.load_state_dict({k: torch.tensor(v) for k, v in layer.state_dict().items()})
bc = {"scratchnet": layer(X_bc), "PyTorch": to_np(layer_t(torch.tensor(X_bc)))}
AUDIT["Z = W X + b broadcasts b"] = verdict(repeated, bc["scratchnet"], bc["PyTorch"], rtol=1e-12)
print("max |Linear − (W X + [b, …, b])|:", {b: float(np.abs(v - repeated).max()) for b, v in bc.items()},
      AUDIT["Z = W X + b broadcasts b"])

# %% [markdown]
# ### XOR with the lecture's network (2 → 4 ReLU → 1 sigmoid, lr 0.5, 5,000 iterations)

# %%
X_xor = np.array([[0, 0, 1, 1], [0, 1, 0, 1]]).T.astype(F64)   # the lecture's columns, as rows
Y_xor = np.array([[0, 1, 1, 0]]).T.astype(F64)
W1_xor, W2_xor = draw(2, 4)                                     # the notebook's first NeuralNetwork
xor, xor_t = lecture_net(W1_xor, W2_xor)
lr, iterations = 0.5, (300 if QUICK else 5000)
xor_costs = train_both(xor, xor_t, X_xor, Y_xor, lr, iterations)
xor_pred = {"scratchnet": predict(xor, X_xor).ravel(), "PyTorch": predict(xor_t, X_xor).ravel()}
AUDIT["XOR predictions"] = verdict([0, 1, 1, 0], xor_pred["scratchnet"], xor_pred["PyTorch"], 0)
show(["", "scratchnet", "PyTorch"], [["final cost", xor_costs["scratchnet"][-1], xor_costs["PyTorch"][-1]],
                                     ["predictions (truth table 0 1 1 0)", xor_pred["scratchnet"], xor_pred["PyTorch"]],
                                     ["verdict", AUDIT["XOR predictions"], ""]])
fig, ax = plt.subplots(figsize=(7, 3.5))
for b, s in STYLE.items():
    ax.semilogy(xor_costs[b], label=b, **s)
ax.set(title="XOR: training cost", xlabel="iteration", ylabel="cost J (log)"); ax.grid(alpha=0.3); ax.legend()
plt.show()

# %% [markdown]
# ## 6.4 Decision boundary visualization (circles, 2 → 8 → 1, lr 0.1, 3,000 iterations)
#
# Each hidden ReLU unit draws one line; the output combines them into a curved boundary.

# %%
X_circles, y_circles = make_circles(n_samples=300, noise=0.1, factor=0.3, random_state=42)
Y_circles = y_circles.reshape(-1, 1).astype(F64)
W1_circles, W2_circles = draw(2, 8)
circles, circles_t = lecture_net(W1_circles, W2_circles)
circle_costs = train_both(circles, circles_t, X_circles, Y_circles, 0.1, 300 if QUICK else 3000)
circle_acc = {b: float(np.mean(predict(m, X_circles) == Y_circles)) for b, m in (("scratchnet", circles), ("PyTorch", circles_t))}

h = 0.02
xx, yy = np.meshgrid(np.arange(X_circles[:, 0].min() - 0.5, X_circles[:, 0].max() + 0.5, h),
                     np.arange(X_circles[:, 1].min() - 0.5, X_circles[:, 1].max() + 0.5, h))
grid = np.c_[xx.ravel(), yy.ravel()]
fig, (ax, ax2) = plt.subplots(1, 2, figsize=(14, 5))
ax.contourf(xx, yy, predict(circles, grid).reshape(xx.shape), alpha=0.35, cmap="RdBu")
for b, (m, s) in {"scratchnet": (circles, STYLE["scratchnet"]), "PyTorch": (circles_t, STYLE["PyTorch"])}.items():
    ax.contour(xx, yy, predict(m, grid).reshape(xx.shape), levels=[0.5], colors=s["color"], linestyles=s["linestyle"],
               linewidths=s["linewidth"])
ax.scatter(*X_circles[y_circles == 0].T, c="blue", edgecolors="k", s=30, label="class 0")
ax.scatter(*X_circles[y_circles == 1].T, c="red", marker="s", edgecolors="k", s=30, label="class 1")
ax.set(title="Decision boundary (scratchnet solid, PyTorch dashed)", xlabel="feature 1", ylabel="feature 2"); ax.legend()
for b, s in STYLE.items():
    ax2.plot(circle_costs[b], label=b, **s)
ax2.set(title="Training cost", xlabel="iteration", ylabel="cost J"); ax2.grid(alpha=0.3); ax2.legend()
plt.show()
print(f"accuracy: scratchnet {circle_acc['scratchnet']:.2%}, PyTorch {circle_acc['PyTorch']:.2%}")

# %% [markdown]
# ## 6.5 Digit classification: 0 vs 1 (64 → 32 → 1, lr 0.1, 2,000 iterations)
#
# scikit-learn's 8×8 `load_digits` (1,797 images of 64 pixels; MNIST itself would need a download),
# the lecture's stratified 80/20 split and `StandardScaler`.

# %%
digits = load_digits()
AUDIT["1797 samples"] = verdict(1797, len(digits.data), len(digits.data), 0)
AUDIT["64 pixels"] = verdict(64, digits.data.shape[1], digits.data.shape[1], 0)
mask = (digits.target == 0) | (digits.target == 1)
X_train, X_test, y_train, y_test = train_test_split(digits.data[mask], digits.target[mask], test_size=0.2,
                                                    random_state=42, stratify=digits.target[mask])
scaler = StandardScaler()
X_train_s, X_test_s = scaler.fit_transform(X_train), scaler.transform(X_test)
Y_train, Y_test = y_train.reshape(-1, 1).astype(F64), y_test.reshape(-1, 1).astype(F64)
W1_digits, W2_digits = draw(64, 32)
digit_net, digit_net_t = lecture_net(W1_digits, W2_digits)
digit_costs = train_both(digit_net, digit_net_t, X_train_s, Y_train, 0.1, 100 if QUICK else 2000)
digit_acc = {b: {"train": float(np.mean(predict(m, X_train_s) == Y_train)), "test": float(np.mean(predict(m, X_test_s) == Y_test))}
             for b, m in (("scratchnet", digit_net), ("PyTorch", digit_net_t))}
show(["", "scratchnet", "PyTorch"], [["final cost", digit_costs["scratchnet"][-1], digit_costs["PyTorch"][-1]],
                                     *[[f"{k} accuracy", digit_acc["scratchnet"][k], digit_acc["PyTorch"][k]] for k in ("train", "test")]])
test_pred = predict(digit_net, X_test_s).ravel()
fig, axes = plt.subplots(2, 5, figsize=(11, 4.5))
for i, ax in enumerate(axes.flat):
    ax.imshow(X_test[i].reshape(8, 8), cmap="gray")
    ax.set_title(f"Pred: {test_pred[i]}, True: {y_test[i]}", color="green" if test_pred[i] == y_test[i] else "red", fontsize=9)
    ax.axis("off")
plt.suptitle("Digit predictions (0 vs 1), scratchnet")
plt.show()

# %% [markdown]
# ## 6.5 Loss and optimization; backpropagation
#
# The cost is the mean of the logistic loss, $J = \frac1m\sum_i L(\hat y^{(i)}, y^{(i)})$ with
# $L = -y\log\hat y - (1-y)\log(1-\hat y)$; gradient descent updates $W^{[l]} := W^{[l]} - \alpha\,\partial J/\partial W^{[l]}$.
# Backpropagation starts from the layer next to the loss and reuses what it computed:
# $\partial J/\partial W^{[2]} = \partial J/\partial Z^{[2]} \cdot A^{[1]\top}$ with
# $\partial J/\partial Z^{[2]} = (A^{[2]} - Y)/m$, then $\partial J/\partial Z^{[1]} = W^{[2]\top}\partial J/\partial Z^{[2]} \odot \mathrm{ReLU}'(Z^{[1]})$.
# In scratchnet that is `model.backward(loss_fn.backward())`, one layer's `backward` after the other; in
# PyTorch, `loss.backward()`.
#
# The lecture's `compute_cost` and `backward` written out in NumPy, in its layout (examples as columns):
# $dZ^{[2]} = A^{[2]} - Y$, $dW^{[2]} = \frac1m dZ^{[2]}A^{[1]\top}$, $db^{[2]} = \frac1m\sum dZ^{[2]}$,
# $dA^{[1]} = W^{[2]\top}dZ^{[2]}$, $dZ^{[1]} = dA^{[1]} \odot \mathrm{ReLU}'(Z^{[1]})$, $dW^{[1]} = \frac1m dZ^{[1]}X^\top$,
# $db^{[1]} = \frac1m\sum dZ^{[1]}$ — against each backend, on the XOR network at its starting weights, all four points:

# %%
def lecture_backward(W1, W2, X, Y):
    """The lecture's forward, compute_cost and backward (biases 0), examples as columns: (J, {name: gradient})."""
    m = Y.shape[1]
    Z1 = W1 @ X
    A1 = np.maximum(0, Z1)
    A2 = 1 / (1 + np.exp(-(W2 @ A1)))
    A2c = np.clip(A2, 1e-10, 1 - 1e-10)
    cost = -1 / m * np.sum(Y * np.log(A2c) + (1 - Y) * np.log(1 - A2c))
    dZ2 = A2 - Y
    dZ1 = (W2.T @ dZ2) * (Z1 > 0)
    return cost, {"W1": 1 / m * dZ1 @ X.T, "b1": 1 / m * np.sum(dZ1, axis=1, keepdims=True),
                  "W2": 1 / m * dZ2 @ A1.T, "b2": 1 / m * np.sum(dZ2, axis=1, keepdims=True)}


def cost_and_grads(model, X, Y):
    """J and {name: dJ/dθ} of a lecture_net: scratchnet's backprop or PyTorch's autograd."""
    if isinstance(model, torch.nn.Module):
        model.zero_grad()
        J = torch.nn.BCEWithLogitsLoss()(model(torch.tensor(X)), torch.tensor(Y))
        J.backward()
        return J.item(), {k: to_np(model.get_parameter(v).grad) for k, v in names.items()}
    model.zero_grad()
    loss = sn.nn.BCEWithLogitsLoss()
    J = float(loss(model(X), Y))
    model.backward(loss.backward())
    p = dict(model.named_parameters())
    return J, {k: p[v].grad.copy() for k, v in names.items()}


names = {"W1": "0.weight", "b1": "0.bias", "W2": "2.weight", "b2": "2.bias"}
cost_lecture, grads_lecture = lecture_backward(W1_xor, W2_xor, X_xor.T, Y_xor.T)
start, start_t = lecture_net(W1_xor, W2_xor)
got = {"scratchnet": cost_and_grads(start, X_xor, Y_xor), "PyTorch": cost_and_grads(start_t, X_xor, Y_xor)}
AUDIT["cost J formula"] = verdict(cost_lecture, got["scratchnet"][0], got["PyTorch"][0], rtol=1e-12)
rows = [["J", cost_lecture, got["scratchnet"][0], got["PyTorch"][0], AUDIT["cost J formula"]]]
for k, g in grads_lecture.items():
    mine, theirs = (got[b][1][k].reshape(g.shape) for b in ("scratchnet", "PyTorch"))
    AUDIT[f"d{k} from the lecture's backward"] = verdict(g, mine, theirs, rtol=1e-12)
    rows.append([f"d{k}", g.round(6).tolist(), mine.round(6).tolist(), theirs.round(6).tolist(), AUDIT[f"d{k} from the lecture's backward"]])
show(["", "the lecture's formulas", "scratchnet backprop", "PyTorch autograd", "verdict"], rows)

# %% [markdown]
# ### Backward propagation: the chain rule
#
# For the three-layer network, from the top: $\frac{\partial J}{\partial W^{[3]}} = \frac{\partial J}{\partial A^{[3]}}
# \frac{\partial A^{[3]}}{\partial Z^{[3]}} \frac{\partial Z^{[3]}}{\partial W^{[3]}}$; then $W^{[2]}$ reuses the first two factors
# (that is $\partial J/\partial Z^{[3]}$) times $\frac{\partial Z^{[3]}}{\partial A^{[2]}}\frac{\partial A^{[2]}}{\partial Z^{[2]}}\frac{\partial Z^{[2]}}{\partial W^{[2]}}$,
# and $W^{[1]}$ reuses $\partial J/\partial Z^{[2]}$. With sigmoids: $\partial A/\partial Z = A(1-A)$,
# $\partial Z^{[l]}/\partial W^{[l]} \to A^{[l-1]\top}$, $\partial Z^{[l]}/\partial A^{[l-1]} \to W^{[l]\top}$. By hand on an n → 3 → 2 → 1
# sigmoid network (n = 4, 5 examples, cross-entropy), storing each $\partial J/\partial Z^{[l]}$ on the way down:

# %%
rng = np.random.default_rng(3)
X_c = rng.standard_normal((4, 5))                                          # the lecture's layout: 4 features × 5 examples
Y_c = (rng.random((1, 5)) < 0.5).astype(F64)
Ws_c = [rng.standard_normal((3, 4)), rng.standard_normal((2, 3)), rng.standard_normal((1, 2))]
bs_c = [rng.standard_normal((3, 1)), rng.standard_normal((2, 1)), rng.standard_normal((1, 1))]
A = [X_c]
for W, b in zip(Ws_c, bs_c):
    A.append(1 / (1 + np.exp(-(W @ A[-1] + b))))                           # A[l] = σ(W[l] A[l−1] + b[l])
dJ_dA3 = -(Y_c / A[3] - (1 - Y_c) / (1 - A[3])) / 5                        # ∂J/∂A[3]
dZ = dJ_dA3 * A[3] * (1 - A[3])                                            # · ∂A[3]/∂Z[3]  = ∂J/∂Z[3]
chain = {}
for l in (3, 2, 1):
    chain[l] = dZ @ A[l - 1].T                                             # · ∂Z[l]/∂W[l]
    if l > 1:
        dZ = (Ws_c[l - 1].T @ dZ) * A[l - 1] * (1 - A[l - 1])                # reuse: ∂J/∂Z[l−1]

net3 = sn.models.mlp([4, 3, 2, 1], "sigmoid", "sigmoid", dtype=F64)
net3.load_state_dict({f"{2 * i}.{k}": v for i, (W, b) in enumerate(zip(Ws_c, bs_c)) for k, v in (("weight", W), ("bias", b.ravel()))})
net3_t = torch_ref.models.twin(net3)
loss = sn.nn.BCELoss()
loss(net3(X_c.T), Y_c.T)
net3.backward(loss.backward())
torch.nn.BCELoss()(net3_t(torch.tensor(X_c.T)), torch.tensor(Y_c.T)).backward()
rows = []
for l in (3, 2, 1):
    mine, theirs = net3[2 * (l - 1)].weight.grad, to_np(net3_t[2 * (l - 1)].weight.grad)
    AUDIT[f"∂J/∂W[{l}] by the chain rule"] = verdict(chain[l], mine, theirs, rtol=1e-10)
    rows.append([f"∂J/∂W[{l}]", chain[l].round(6).tolist(), float(np.abs(chain[l] - mine).max()),
                 float(np.abs(chain[l] - theirs).max()), AUDIT[f"∂J/∂W[{l}] by the chain rule"]])
show(["", "by hand", "max |by hand − scratchnet|", "max |by hand − PyTorch|", "verdict"], rows, 3)

# %% [markdown]
# Batch gradient descent updates after the whole batch (a precise direction, one update per pass); stochastic
# gradient descent after every example (noisy, many updates); mini-batches (32, 64, 128 examples) sit between —
# exercise 4 below compares them.
#
# ### Weight initialization (circles, 1,000 iterations, lr 0.1)
#
# The lecture's `NeuralNetworkInit` draws with scale 0.01 ("small"), 1 ("large"), $\sqrt{1/n_{in}}$ ("xavier")
# and $\sqrt{2/n_{in}}$ ("he"), in that order, from the same stream. Two names are off: $\sqrt{1/n_{in}}$ is
# LeCun's scale — Glorot's Xavier is $\sqrt{2/(n_{in}+n_{out})}$ = 0.45 for this 8×2 $W^{[1]}$, torch's
# `xavier_normal_` — and the `NeuralNetwork` class's "Xavier" comment labels He's $\sqrt{2/n_{in}}$. "zeros" (in the
# class, not in the lecture's loop) never breaks the symmetry: with ReLU nothing moves.

# %%
scales = {"small": lambda n: 0.01, "large": lambda n: 1.0, "xavier": lambda n: np.sqrt(1.0 / n), "he": he}
init_costs = {}
for method, scale in scales.items():
    model, twin = lecture_net(*draw(2, 8, scale))
    init_costs[method] = train_both(model, twin, X_circles, Y_circles, 0.1, 100 if QUICK else 1000)
zeros, zeros_t = lecture_net(np.zeros((8, 2)), np.zeros((1, 8)))
init_costs["zeros"] = train_both(zeros, zeros_t, X_circles, Y_circles, 0.1, 100 if QUICK else 1000)
AUDIT["zeros: cost stays ln 2"] = verdict(0.6931, init_costs["zeros"]["scratchnet"][-1], init_costs["zeros"]["PyTorch"][-1], 4)
show(["init", "final cost (scratchnet)", "(PyTorch)"], [[m, c["scratchnet"][-1], c["PyTorch"][-1]] for m, c in init_costs.items()], 4)
print("zeros: cost stays ln 2 = 0.6931:", AUDIT["zeros: cost stays ln 2"])
fig, ax = plt.subplots(figsize=(9, 4.5))
for i, (method, c) in enumerate(init_costs.items()):
    for b, s in STYLE.items():
        ax.plot(c[b], label=f"{method} ({b})", **dict(s, color=f"C{i}"))
ax.set(title="Weight initialization comparison", xlabel="iteration", ylabel="cost J"); ax.grid(alpha=0.3); ax.legend(fontsize=8, ncol=2)
plt.show()

# %% [markdown]
# Which scheme is which, by the standard deviation of a large draw (100,000 × 2) of each library's initializer:
# the lecture's "xavier" $\sqrt{1/n_{in}}$ is `kaiming_normal_(nonlinearity="linear")` (LeCun normal), its "he" and the class's
# "Xavier" comment $\sqrt{2/n_{in}}$ are `kaiming_normal_(nonlinearity="relu")`; Glorot's `xavier_normal_` is the 0.45
# (8 × 2 $W^{[1]}$) or 0.58 (the XOR network's 4 × 2) the names promise.

# %%
def init_std(backend, nonlinearity, n_in=2, seed=0):
    """Std of a (100,000 × n_in) kaiming_normal_ draw (its fan is n_in), in one library."""
    rows = 200_000 // n_in
    if backend == "PyTorch":
        w = torch.empty(rows, n_in, dtype=torch.float64)
        return float(torch.nn.init.kaiming_normal_(w, nonlinearity=nonlinearity, generator=torch.Generator().manual_seed(seed)).std())
    return float(np.std(sn.nn.init.kaiming_normal_(np.empty((rows, n_in)), nonlinearity=nonlinearity,
                                                   generator=np.random.default_rng(seed))))


def glorot_std(backend, n_out, n_in=2, seed=0):
    """Std of many (n_out × n_in) xavier_normal_ draws: √(2/(n_in + n_out))."""
    if backend == "PyTorch":
        g = torch.Generator().manual_seed(seed)
        return float(np.std([torch.nn.init.xavier_normal_(torch.empty(n_out, n_in, dtype=torch.float64), generator=g).numpy()
                             for _ in range(100_000 // n_out)]))
    g = np.random.default_rng(seed)
    return float(np.std([sn.nn.init.xavier_normal_(np.empty((n_out, n_in)), generator=g) for _ in range(100_000 // n_out)]))


BACKENDS = ("scratchnet", "PyTorch")
stds = {"'xavier' (8×2), the draw": {b: init_std(b, "linear") for b in BACKENDS},
        "'he' (8×2) and the class's 'Xavier' (4×2), the draw": {b: init_std(b, "relu") for b in BACKENDS},
        "Glorot's xavier_normal_, 8×2": {b: glorot_std(b, 8) for b in BACKENDS},
        "Glorot's xavier_normal_, 4×2": {b: glorot_std(b, 4) for b in BACKENDS}}
lecun, he_std = stds["'xavier' (8×2), the draw"], stds["'he' (8×2) and the class's 'Xavier' (4×2), the draw"]
AUDIT["'xavier' is Glorot's (std 0.45)"] = verdict(round(np.sqrt(2 / 10), 2), lecun["scratchnet"], lecun["PyTorch"], 2)
AUDIT["the class's 'Xavier' is Glorot's (std 0.58)"] = verdict(round(np.sqrt(2 / 6), 2), he_std["scratchnet"], he_std["PyTorch"], 2)
AUDIT["'he' is √(2/n_in) (std 1.00)"] = verdict(1.0, he_std["scratchnet"], he_std["PyTorch"], 2)
show(["", "std (scratchnet)", "(PyTorch)"], [[k, v["scratchnet"], v["PyTorch"]] for k, v in stds.items()], 4)
show(["the name says", "verdict"], [[k, AUDIT[k]] for k in ("'xavier' is Glorot's (std 0.45)",
                                                             "the class's 'Xavier' is Glorot's (std 0.58)", "'he' is √(2/n_in) (std 1.00)")])

# %% [markdown]
# ## 6.7 Gradient checking
#
# $\partial J/\partial\theta \approx (J(\theta+\epsilon) - J(\theta-\epsilon))/2\epsilon$ with $\epsilon = 10^{-7}$, as the lecture's
# `gradient_check`: on `NeuralNetwork(2, 3)` and the first two XOR points, the first 10 entries of each parameter,
# where the numerical gradient is not 0; "✓ PASS" when the relative difference is below 1e-5.
# The first point is $x = (0, 0)$, so $Z^{[1]} = b^{[1]} = 0$: every hidden unit sits on ReLU's kink, where $J$ has
# no derivative in $b^{[1]}$. Central differences average the two one-sided slopes; backpropagation takes
# ReLU'(0) = 0. So $b^{[1]}$ "fails" although backprop is right.

# %%
W1_check, W2_check = draw(2, 3)
check, check_t = lecture_net(W1_check, W2_check)
X_small, Y_small = X_xor[:2], Y_xor[:2]


def lecture_gradient_check(cost, params, grads, epsilon=1e-7, limit=10):
    """The lecture's gradient_check: {name: relative difference over the first `limit` entries}."""
    out = {}
    for name, param in params.items():
        num, flat = np.zeros_like(param), param.reshape(-1)          # flat views the parameter itself
        for i in range(min(limit, flat.size)):
            old = flat[i]
            flat[i] = old + epsilon; plus = cost()
            flat[i] = old - epsilon; minus = cost()
            flat[i] = old
            num.reshape(-1)[i] = (plus - minus) / (2 * epsilon)
        a, n = grads[name][num != 0], num[num != 0]
        out[name] = float(np.linalg.norm(a - n) / (np.linalg.norm(a) + np.linalg.norm(n)))
    return out


loss = sn.nn.BCEWithLogitsLoss()
loss(check(X_small), Y_small)
check.backward(loss.backward())                                        # scratchnet: backprop
p = dict(check.named_parameters())
diffs = {"scratchnet": lecture_gradient_check(lambda: float(loss(check(X_small), Y_small)),
                                              {k: p[v].data for k, v in names.items()}, {k: p[v].grad.copy() for k, v in names.items()})}
x_t, y_t, loss_t = torch.tensor(X_small), torch.tensor(Y_small), torch.nn.BCEWithLogitsLoss()
loss_t(check_t(x_t), y_t).backward()                                   # PyTorch: autograd
pt = dict(check_t.named_parameters())
with torch.no_grad():
    diffs["PyTorch"] = lecture_gradient_check(lambda: loss_t(check_t(x_t), y_t).item(),
                                              {k: pt[v].data.numpy() for k, v in names.items()},   # views of the tensors
                                              {k: pt[v].grad.numpy().copy() for k, v in names.items()})
rows = []
for name in names:
    passed = {b: int(d[name] < 1e-5) for b, d in diffs.items()}
    AUDIT[f"gradient check {name}"] = verdict(1, passed["scratchnet"], passed["PyTorch"], 0)
    rows.append([name, f"{diffs['scratchnet'][name]:.2e}", f"{diffs['PyTorch'][name]:.2e}", "✓ PASS",
                 "✓ PASS" if passed["scratchnet"] else "✗ FAIL", AUDIT[f"gradient check {name}"]])
show(["", "difference (scratchnet)", "(PyTorch)", "lecture expects", "gets", "verdict"], rows)

# %% [markdown]
# `scratchnet.gradcheck` checks every entry of every parameter (and the input) instead of the first ten, with
# torch's `gradcheck` defaults; on the same network just off the kink ($b^{[1]} = 0.01$) every entry passes:

# %%
check.zero_grad()
check[0].bias.data[:] = 0.01
print(sn.gradcheck(check, X_small, loss_fn=sn.nn.BCEWithLogitsLoss(), target=Y_small))

# %% [markdown]
# On a network the lecture's check would barely sample — the digits network (64 → 32 → 1: 2,113 parameters, of which
# it looks at 10 of $W^{[1]}$'s 2,048), five gradient-descent steps off its starting weights — `scratchnet.gradcheck`
# checks every entry, and PyTorch's own `torch.autograd.gradcheck` checks autograd:

# %%
digits_check, digits_check_t = lecture_net(W1_digits, W2_digits)
train_both(digits_check, digits_check_t, X_train_s, Y_train, 0.1, 5)                 # off the initial point
n_pts = 8 if QUICK else 24
X_gc, Y_gc = X_train_s[:n_pts], Y_train[:n_pts]
report = sn.gradcheck(digits_check, X_gc, loss_fn=sn.nn.BCEWithLogitsLoss(), target=Y_gc, raise_exception=False)


def J_of(W1, b1, W2, b2):
    """J as a function of the parameters, for torch.autograd.gradcheck."""
    z = torch.relu(torch.tensor(X_gc) @ W1.T + b1) @ W2.T + b2
    return torch.nn.functional.binary_cross_entropy_with_logits(z, torch.tensor(Y_gc))


torch_passed = torch.autograd.gradcheck(J_of, [p.detach().clone().requires_grad_(True) for p in digits_check_t.parameters()],
                                        raise_exception=False)
AUDIT["gradcheck: every entry of the digits net"] = verdict(1, int(report.passed), int(torch_passed), 0)
print(report)
print("torch.autograd.gradcheck:", "passes" if torch_passed else "fails", " ", AUDIT["gradcheck: every entry of the digits net"])

# %% [markdown]
# ### The lecture's own code, checked against PyTorch: `torch_ref.check`
#
# `torch_ref.check.check_network` takes hand-written NumPy code as it is — here the lecture's `NeuralNetwork` class,
# as printed (docstrings left out), with its layout declared (`"cs229"`: $X$ is features × examples, $W$ out × in,
# $b$ out × 1) — loads its weights into the PyTorch model it should equal (`Linear → ReLU → Linear → Sigmoid` with
# `BCELoss`), and compares every tensor: the output, the loss (`compute_cost`), then each gradient going backward,
# with a diagnosis for any that differs. On the XOR data (where $x = (0, 0)$ puts every $Z^{[1]}$ on ReLU's kink), on
# a drawn batch, and after the lecture's 5,000 training iterations (100 in quick mode). The class draws its weights
# from NumPy's global stream, seeded here with 0 (and restored after).

# %%
def relu(z):
    return np.maximum(0, z)


def relu_derivative(z):
    return (z > 0).astype(float)


def sigmoid(z):
    return 1 / (1 + np.exp(-np.clip(z, -500, 500)))


class NeuralNetwork:
    def __init__(self, input_size, hidden_size, learning_rate=0.01):
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.learning_rate = learning_rate
        # Xavier initialization
        self.W1 = np.random.randn(hidden_size, input_size) * np.sqrt(2.0 / input_size)
        self.b1 = np.zeros((hidden_size, 1))
        self.W2 = np.random.randn(1, hidden_size) * np.sqrt(2.0 / hidden_size)
        self.b2 = np.zeros((1, 1))
        self.cache = {}
        self.costs = []

    def forward(self, X):
        Z1 = self.W1 @ X + self.b1  # (hidden_size, m)
        A1 = relu(Z1)
        Z2 = self.W2 @ A1 + self.b2  # (1, m)
        A2 = sigmoid(Z2)
        self.cache = {'X': X, 'Z1': Z1, 'A1': A1, 'Z2': Z2, 'A2': A2}
        return A2

    def compute_cost(self, Y):
        m = Y.shape[1]
        A2 = self.cache['A2']
        A2_clipped = np.clip(A2, 1e-10, 1 - 1e-10)
        cost = -1/m * np.sum(Y * np.log(A2_clipped) + (1 - Y) * np.log(1 - A2_clipped))
        return cost

    def backward(self, Y):
        m = Y.shape[1]
        X, A1, A2, Z1 = self.cache['X'], self.cache['A1'], self.cache['A2'], self.cache['Z1']
        dZ2 = A2 - Y  # (1, m)
        dW2 = 1/m * dZ2 @ A1.T  # (1, hidden_size)
        db2 = 1/m * np.sum(dZ2, axis=1, keepdims=True)  # (1, 1)
        dA1 = self.W2.T @ dZ2  # (hidden_size, m)
        dZ1 = dA1 * relu_derivative(Z1)  # (hidden_size, m)
        dW1 = 1/m * dZ1 @ X.T  # (hidden_size, n_features)
        db1 = 1/m * np.sum(dZ1, axis=1, keepdims=True)  # (hidden_size, 1)
        return {'dW1': dW1, 'db1': db1, 'dW2': dW2, 'db2': db2}

    def update_parameters(self, gradients):
        self.W1 -= self.learning_rate * gradients['dW1']
        self.b1 -= self.learning_rate * gradients['db1']
        self.W2 -= self.learning_rate * gradients['dW2']
        self.b2 -= self.learning_rate * gradients['db2']

    def train(self, X, Y, num_iterations=1000, print_cost=False):
        for i in range(num_iterations):
            A2 = self.forward(X)
            cost = self.compute_cost(Y)
            self.costs.append(cost)
            gradients = self.backward(Y)
            self.update_parameters(gradients)
            if print_cost and i % 100 == 0:
                print(f"Iteration {i}: Cost = {cost:.4f}")


# %%
import torch_ref.check


def report_summary(report):
    """What the experiments keep of a check: the verdict, the first wrong tensor and its diagnosis, and the worst
    relative error among the tensors that agree."""
    first = report.first_failure
    return {"ok": report.ok, "first_failure": first and first.name, "diagnosis": first and first.diagnosis,
            "worst_max_rel_of_passing": max((r.max_rel for r in report.rows if r.ok), default=0.0)}


np_state = np.random.get_state()
np.random.seed(0)
lecture_nn = NeuralNetwork(input_size=2, hidden_size=4, learning_rate=0.5)
np.random.set_state(np_state)
X_cols, Y_cols = X_xor.T.copy(), Y_xor.T.copy()                       # the lecture's layout: examples as columns


def check_lecture_nn(**data):
    reference = torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1), torch.nn.Sigmoid())
    return torch_ref.check.check_network(lecture_nn, reference, params={"W1": "0.weight", "b1": "0.bias", "W2": "2.weight",
                                                                        "b2": "2.bias"},
                                         loss=torch.nn.BCELoss(), layout="cs229", cost=lecture_nn.compute_cost, **data)


lecture_checks = {"cs229_xor": check_lecture_nn(inputs=X_cols, target=Y_cols), "cs229_drawn": check_lecture_nn(seed=0)}
lecture_nn.train(X_cols, Y_cols, num_iterations=100 if QUICK else 5000)
lecture_checks["cs229_trained"] = check_lecture_nn(inputs=X_cols, target=Y_cols)
display(lecture_checks["cs229_xor"])
show(["the lecture's NeuralNetwork, checked", "verdict", "worst relative error"],
     [[k, r.summary(), report_summary(r)["worst_max_rel_of_passing"]] for k, r in lecture_checks.items()], 2)

# %% [markdown]
# ## 6.8 Hidden layer visualization (digits 0 vs 1, 64 → 16 → 1, 2,000 iterations)
#
# Each hidden unit's 64 input weights, shown as an 8×8 image: what that unit responds to.

# %%
W1_vis, W2_vis = draw(64, 16)
vis, vis_t = lecture_net(W1_vis, W2_vis)
vis_costs = train_both(vis, vis_t, X_train_s, Y_train, 0.1, 100 if QUICK else 2000)
vis_test_acc = {b: float(np.mean(predict(m, X_test_s) == Y_test)) for b, m in (("scratchnet", vis), ("PyTorch", vis_t))}
print("test accuracy:", vis_test_acc, "  max |W1 scratchnet − W1 PyTorch| =",
      np.abs(vis[0].weight.data - to_np(vis_t[0].weight)).max())
fig, axes = plt.subplots(2, 8, figsize=(12, 3.4))
for i, ax in enumerate(axes.flat):
    ax.imshow(vis[0].weight.data[i].reshape(8, 8), cmap="RdBu")
    ax.set_title(f"Neuron {i + 1}", fontsize=8); ax.axis("off")
plt.suptitle("Hidden layer learned features (scratchnet's W1 rows; PyTorch's are the same)")
plt.show()

# %% [markdown]
# ## Summary §7: architecture decisions — "try ten architectures"
#
# "Nobody knows the right answer, so you have to test it. We would try ten different architectures, train the
# network, look at validation set accuracy, and decide which one seems to be the best." On all ten digits (the 8×8
# `load_digits`, standing in for MNIST): a stratified 60/20/20 split into training, validation and test sets
# (the scaler fitted on the training part). The exercises below use the 80/20 split it starts from.

# %%
X10_train, X10_test, y10_train, y10_test = train_test_split(digits.data, digits.target, test_size=0.2, random_state=0,
                                                            stratify=digits.target)            # 80/20
X60, X20_val, y60, y20_val = train_test_split(X10_train, y10_train, test_size=0.25, random_state=0, stratify=y10_train)
scaler60 = StandardScaler().fit(X60)                                                           # 60/20/20
X60, X20_val, X20_test = scaler60.transform(X60), scaler60.transform(X20_val), scaler60.transform(X10_test)
y20_test = y10_test
scaler10 = StandardScaler().fit(X10_train)
X10_train, X10_test = scaler10.transform(X10_train), scaler10.transform(X10_test)
print("train / validation / test:", len(X60), len(X20_val), len(X20_test), "   80/20:", len(X10_train), len(X10_test))

# %% [markdown]
# Every network here is `mlp(sizes, activation)` with 10 logits out (`CrossEntropyLoss` applies the softmax), the
# lecture's He initialization for ReLU ($\mathcal N(0, 2/n_{in})$ = `kaiming_normal_(nonlinearity="relu")`) or Glorot's for
# tanh and sigmoid (`xavier_normal_`), zero biases, and mini-batch SGD (batch 64, lr 0.1) on the same batches in both
# libraries.

# %%
def digits_net(sizes, activation="relu", seed=0, **options):
    """mlp(sizes, activation) drawn from default_rng(seed), He or Glorot weights, zero biases; and its twin."""
    gen = np.random.default_rng(seed)
    model = sn.models.mlp(sizes, activation, dtype=F64, generator=gen, **options)
    for layer in model:
        if isinstance(layer, sn.nn.Linear):
            if activation == "relu":
                sn.nn.init.kaiming_normal_(layer.weight, nonlinearity="relu", generator=gen)
            else:
                sn.nn.init.xavier_normal_(layer.weight, generator=gen)
            sn.nn.init.zeros_(layer.bias)
    return model, torch_ref.models.twin(model)


def train_digits(model, twin, X, y, epochs, batch_size=64, lr=0.1, seed=0):
    """Mini-batch SGD on the cross-entropy, the same shuffled batches for both; the mean cost of every epoch."""
    loader = sn.data.DataLoader((X, y), batch_size=batch_size, shuffle=True, generator=np.random.default_rng(seed))
    histories, _ = fit_both(model, twin, loader, epochs, lr, loss="CrossEntropyLoss")
    return {b: np.array(h.epoch_loss) for b, h in histories.items()}


ARCHITECTURES = [([64, 16, 10], "relu"), ([64, 32, 10], "relu"), ([64, 64, 10], "relu"), ([64, 128, 10], "relu"),
                 ([64, 32, 32, 10], "relu"), ([64, 64, 64, 10], "relu"), ([64, 128, 64, 10], "relu"),
                 ([64, 32, 32, 32, 10], "relu"), ([64, 64, 10], "tanh"), ([64, 64, 10], "sigmoid")]
epochs_arch = 1 if QUICK else 15
search = {}
for sizes, act in ARCHITECTURES:
    model, twin = digits_net(sizes, act)
    train_digits(model, twin, X60, y60, epochs_arch)
    search[f"{'-'.join(map(str, sizes))} {act}"] = {
        "parameters": n_params(model),
        "validation": {b: accuracy10(m, X20_val, y20_val) for b, m in (("scratchnet", model), ("PyTorch", twin))},
        "test": {b: accuracy10(m, X20_test, y20_test) for b, m in (("scratchnet", model), ("PyTorch", twin))}}
# the best validation accuracy; a tie goes to the smaller network ("start simple")
pick = {b: max(search, key=lambda k: (search[k]["validation"][b], -search[k]["parameters"])) for b in BACKENDS}
show(["architecture", "parameters", "validation (scratchnet)", "(PyTorch)", "pick"],
     [[k, r["parameters"], r["validation"]["scratchnet"], r["validation"]["PyTorch"],
       "← picked" if k == pick["scratchnet"] else ""] for k, r in search.items()], 4)
show(["the pick, scored once on the test set", "architecture", "test accuracy"],     # the test set: for the pick only
     [[b, pick[b], search[pick[b]]["test"][b]] for b in BACKENDS], 4)

# %%
fig, ax = plt.subplots(figsize=(9, 4))
x = np.arange(len(search))
for i, b in enumerate(BACKENDS):
    ax.bar(x + (i - 0.5) * 0.38, [r["validation"][b] for r in search.values()], width=0.38, label=b, color=STYLE[b]["color"])
ax.set_xticks(x, list(search), rotation=35, ha="right", fontsize=8)
ax.set_ylim(min(min(r["validation"].values()) for r in search.values()) - 0.05, 1.0)
ax.set(ylabel="validation accuracy", title=f"Ten architectures, {epochs_arch} epoch(s) each"); ax.legend()
plt.show()

# %% [markdown]
# The same search with scikit-learn's own tools: `GridSearchCV` over the ten architectures, each a
# `Pipeline(StandardScaler, MLPClassifier)` — `scratchnet.sklearn.MLPClassifier` and its PyTorch twin
# `torch_ref.sklearn.MLPClassifier`, trained the lecture's way (SGD, lr 0.1, batch 64, no momentum, no L2, a fixed
# number of epochs) — with k-fold cross-validation on the 80 % training split: a mean *and a spread* per
# architecture, and the scaler refitted inside every fold. The initialization is the estimators' (PyTorch's
# default). In quick mode (3 folds, 5 epochs) only scratchnet searches, as the experiment's `--quick` does;
# PyTorch repeats the search in the full run.

# %%
import warnings

from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_validate
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline

import scratchnet.sklearn
import torch_ref.sklearn

epochs_grid, folds = (5, 3) if QUICK else (15, 5)
X_raw_train, X_raw_test, y_raw_train, y_raw_test = train_test_split(digits.data, digits.target, test_size=0.2,
                                                                    random_state=0, stratify=digits.target)
cv = StratifiedKFold(folds, shuffle=True, random_state=0)
LECTURE_SGD = dict(solver="sgd", learning_rate_init=0.1, momentum=0.0, batch_size=64, alpha=0.0, max_iter=epochs_grid,
                   n_iter_no_change=np.inf, random_state=0)                 # every fit runs all its epochs
LIBRARIES = {"scratchnet": scratchnet.sklearn.MLPClassifier, "PyTorch": torch_ref.sklearn.MLPClassifier,
             "scikit-learn": MLPClassifier}
SKLEARN_NAME = {"relu": "relu", "tanh": "tanh", "sigmoid": "logistic"}
grid = [{"mlp__hidden_layer_sizes": [tuple(sizes[1:-1])], "mlp__activation": [SKLEARN_NAME[act]]}
        for sizes, act in ARCHITECTURES]                                  # ten points, not a product


def pipeline(library, **params):
    return Pipeline([("scale", StandardScaler()), ("mlp", LIBRARIES[library](**params))])


searched = ["scratchnet"] if QUICK else ["scratchnet", "PyTorch"]
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)                   # every fit stops at max_iter, by design
    searches = {b: GridSearchCV(pipeline(b, **LECTURE_SGD), grid, cv=cv).fit(X_raw_train, y_raw_train) for b in searched}
labels = list(search)
grid_scores = {b: dict(mean=s.cv_results_["mean_test_score"], std=s.cv_results_["std_test_score"],
                       rank=s.cv_results_["rank_test_score"], best=labels[s.best_index_], best_score=s.best_score_,
                       test=s.score(X_raw_test, y_raw_test)) for b, s in searches.items()}
show(["architecture", *[f"CV accuracy ({b})" for b in searched], "rank"],
     [[k, *[f"{grid_scores[b]['mean'][i]:.2%} ± {grid_scores[b]['std'][i]:.2%}" for b in searched],
       grid_scores["scratchnet"]["rank"][i]] for i, k in enumerate(labels)])
show(["search", "best", "CV accuracy", "refitted, on the test split"],
     [[b, g["best"], g["best_score"], g["test"]] for b, g in grid_scores.items()], 4)

# %% [markdown]
# The pick, trained by three libraries with the same settings on the same folds — scratchnet, PyTorch (through
# `torch_ref`) and scikit-learn's own `MLPClassifier`, which differs only in its initialization (Glorot's uniform)
# and its shuffling. Fit times are wall-clock seconds on one thread; they vary from run to run.

# %%
pick_params = {k.split("__")[1]: v for k, v in searches["scratchnet"].best_params_.items()}
compared, fit_seconds = {}, {}
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    for lib in LIBRARIES:
        # one untimed epoch on 64 rows first: torch's lazy set-up on first use is not fit time
        pipeline(lib, **dict(LECTURE_SGD, max_iter=1), **pick_params).fit(X_raw_train[:64], y_raw_train[:64])
        scores = cross_validate(pipeline(lib, **LECTURE_SGD, **pick_params), X_raw_train, y_raw_train, cv=cv)
        fitted = pipeline(lib, **LECTURE_SGD, **pick_params).fit(X_raw_train, y_raw_train)
        compared[lib] = dict(cv_mean=scores["test_score"].mean(), cv_std=scores["test_score"].std(),
                             test=fitted.score(X_raw_test, y_raw_test), n_iter=fitted[-1].n_iter_)
        fit_seconds[lib] = scores["fit_time"].mean()
show(["library", f"CV accuracy ({folds} folds)", "test accuracy", "epochs", "fit time per fold (s)"],
     [[lib, f"{c['cv_mean']:.2%} ± {c['cv_std']:.2%}", c["test"], c["n_iter"], f"{fit_seconds[lib]:.3f}"]
      for lib, c in compared.items()], 4)

# %% [markdown]
# ## Practice exercises
#
# ### Exercise 1: activation comparison
#
# The circles network of §6.4 with sigmoid, tanh, ReLU and leaky ReLU hidden units, every variant from the *same*
# starting weights (the lecture's draw for `nn_circles`), full-batch gradient descent with lr 0.1: only the hidden
# activation differs. How fast does each get below a cost of 0.2, and where does it end?

# %%
ACTIVATIONS = ["sigmoid", "tanh", "relu", "leaky_relu"]
steps_act, level = (150 if QUICK else 1000), 0.2
act_costs, act_acc = {}, {}
for act in ACTIVATIONS:
    model, twin = lecture_net(W1_circles, W2_circles, act)
    act_costs[act] = train_both(model, twin, X_circles, Y_circles, 0.1, steps_act)
    act_acc[act] = {b: float(np.mean(predict(m, X_circles) == Y_circles)) for b, m in (("scratchnet", model), ("PyTorch", twin))}


def first_below(curve, level):
    below = np.nonzero(np.asarray(curve) < level)[0]
    return int(below[0]) if below.size else "never"


show(["hidden activation", f"first step with cost < {level} (scratchnet)", "(PyTorch)", "final cost (scratchnet)", "(PyTorch)",
      "accuracy (scratchnet)", "(PyTorch)"],
     [[a, first_below(c["scratchnet"], level), first_below(c["PyTorch"], level), c["scratchnet"][-1], c["PyTorch"][-1],
       act_acc[a]["scratchnet"], act_acc[a]["PyTorch"]] for a, c in act_costs.items()], 4)
fig, ax = plt.subplots(figsize=(8, 4))
for i, (act, c) in enumerate(act_costs.items()):
    for b, st in STYLE.items():
        ax.plot(c[b], label=f"{act} ({b})", **dict(st, color=f"C{i}"))
ax.set(title="Hidden activation vs convergence (circles, the same starting weights)", xlabel="iteration", ylabel="cost J")
ax.grid(alpha=0.3); ax.legend(fontsize=8, ncol=2)
plt.show()

# %% [markdown]
# Sigmoid hidden units, whose derivative is at most 1/4, are far slower than tanh and the ReLUs.
#
# ### Exercise 2: a deeper network
#
# Two, three and four layers (one, two, three hidden ReLU layers of 64) on all ten digits, 80/20 split, He
# initialization, mini-batch SGD (batch 64, lr 0.1) — does depth help?

# %%
DEPTHS = {"2 layers (64-64-10)": [64, 64, 10], "3 layers (64-64-64-10)": [64, 64, 64, 10],
          "4 layers (64-64-64-64-10)": [64, 64, 64, 64, 10]}
epochs_depth = 2 if QUICK else 20
depth_costs, depth_acc = {}, {}
for label, sizes in DEPTHS.items():
    model, twin = digits_net(sizes)
    depth_costs[label] = train_digits(model, twin, X10_train, y10_train, epochs_depth)
    depth_acc[label] = {part: {b: accuracy10(m, X, y) for b, m in (("scratchnet", model), ("PyTorch", twin))}
                        for part, X, y in (("train", X10_train, y10_train), ("test", X10_test, y10_test))}
show(["network", "final epoch cost (scratchnet)", "(PyTorch)", "train accuracy (scratchnet)", "(PyTorch)",
      "test accuracy (scratchnet)", "(PyTorch)"],
     [[k, depth_costs[k]["scratchnet"][-1], depth_costs[k]["PyTorch"][-1], *[a[p][b] for p in ("train", "test") for b in BACKENDS]]
      for k, a in depth_acc.items()], 4)
spread = max(a["test"]["scratchnet"] for a in depth_acc.values()) - min(a["test"]["scratchnet"] for a in depth_acc.values())
print(f"test accuracy across depths: a spread of {spread:.2%}; one test image is {1 / len(y10_test):.2%}")
fig, ax = plt.subplots(figsize=(7, 3.6))
for i, (label, c) in enumerate(depth_costs.items()):
    for b, st in STYLE.items():
        ax.semilogy(np.arange(1, epochs_depth + 1), c[b], marker="o", label=f"{label} ({b})", **dict(st, color=f"C{i}"))
ax.set(title="Depth on 10-class digits", xlabel="epoch", ylabel="mean cross-entropy (log)"); ax.grid(alpha=0.3)
ax.legend(fontsize=7)
plt.show()

# %% [markdown]
# Depth trains the cost down faster; whether it buys test accuracy is the spread printed above — a few test images
# on a problem this small, which is why the lecture says to start simple and let the validation set decide.

# %% [markdown]
# ### Exercise 3: momentum, $v_t = \beta v_{t-1} + (1-\beta)\nabla J$, $W := W - \alpha v_t$
#
# PyTorch's buffer is $u_t = \beta u_{t-1} + \nabla J = v_t/(1-\beta)$, so the exercise's steps are
# `SGD(lr=α(1−β), momentum=β)` (not `dampening=β`, which PyTorch skips on the first step). The exercise by
# hand in scratchnet, against that optimizer on both backends (circles network, α = 0.1, β = 0.9):

# %%
alpha, beta, steps = 0.1, 0.9, (80 if QUICK else 600)
model, _ = lecture_net(W1_circles, W2_circles)             # the circles network's own starting weights
velocity = [np.zeros_like(p.data) for p in model.parameters()]
loss, by_hand = sn.nn.BCEWithLogitsLoss(), []
for _ in range(steps):
    model.zero_grad()
    by_hand.append(float(loss(model(X_circles), Y_circles)))
    model.backward(loss.backward())
    for v, p in zip(velocity, model.parameters()):
        v *= beta
        v += (1 - beta) * p.grad                              # v = β v + (1 − β) ∇J
        p.data -= alpha * v                                   # W := W − α v
model, twin = lecture_net(W1_circles, W2_circles)
loader = sn.data.DataLoader((X_circles, Y_circles), batch_size=len(X_circles))
sgd = {"scratchnet": sn.train.fit(model, sn.nn.BCEWithLogitsLoss(), sn.optim.SGD(model.parameters(), lr=alpha * (1 - beta), momentum=beta),
                                  loader, steps, progress=False).epoch_loss,
       "PyTorch": torch_ref.train.fit(twin, torch.nn.BCEWithLogitsLoss(), torch.optim.SGD(twin.parameters(), lr=alpha * (1 - beta), momentum=beta),
                                      torch_ref.data.DataLoader.from_scratchnet(loader), steps, progress=False).epoch_loss}
at = [1, 10, steps // 2, steps - 1]
AUDIT["momentum"] = verdict(np.array(by_hand)[at], np.array(sgd["scratchnet"])[at], np.array(sgd["PyTorch"])[at], rtol=1e-9)
show(["step", "by hand (scratchnet)", "SGD(lr=α(1−β), momentum=β) (scratchnet)", "(PyTorch)"],
     [[k, by_hand[k], sgd["scratchnet"][k], sgd["PyTorch"][k]] for k in at], 12)
print("the exercise's momentum is SGD(lr=α(1−β), momentum=β):", AUDIT["momentum"])

# %% [markdown]
# ### Exercise 4: mini-batch gradient descent
#
# The circles network again (its own starting weights, lr 0.1), the same number of epochs with the full batch
# (300 points, the lecture's way) and with shuffled mini-batches of 64 and 16 — the same batches in both libraries.
# An epoch's cost is the mean of its batch costs (each taken before its update).

# %%
BATCHES = [None, 64, 16]
epochs_mb = 5 if QUICK else 60
mb_costs, mb_acc, mb_updates, mb_seconds = {}, {}, {}, {}
for bs in BATCHES:
    label = "full batch (300)" if bs is None else f"mini-batch {bs}"
    model, twin = lecture_net(W1_circles, W2_circles)
    loader = sn.data.DataLoader((X_circles, Y_circles), batch_size=bs or len(X_circles), shuffle=bs is not None,
                                generator=np.random.default_rng(0))
    histories, mb_seconds[label] = fit_both(model, twin, loader, epochs_mb, 0.1)
    mb_updates[label] = len(histories["scratchnet"].step_loss)
    mb_costs[label] = {b: np.reshape(h.step_loss, (epochs_mb, -1)).mean(axis=1) for b, h in histories.items()}
    mb_acc[label] = {b: float(np.mean(predict(m, X_circles) == Y_circles)) for b, m in (("scratchnet", model), ("PyTorch", twin))}
show(["batches", "updates", "last epoch's cost (scratchnet)", "(PyTorch)", "accuracy (scratchnet)", "(PyTorch)",
      "ms per epoch (scratchnet)", "(PyTorch)"],
     [[k, mb_updates[k], c["scratchnet"][-1], c["PyTorch"][-1], mb_acc[k]["scratchnet"], mb_acc[k]["PyTorch"],
       *[f"{1e3 * mb_seconds[k][b] / epochs_mb:.2f}" for b in BACKENDS]] for k, c in mb_costs.items()], 4)
fig, ax = plt.subplots(figsize=(7, 3.6))
for i, (label, c) in enumerate(mb_costs.items()):
    for b, st in STYLE.items():
        ax.semilogy(np.arange(1, epochs_mb + 1), c[b], label=f"{label} ({b})", **dict(st, color=f"C{i}"))
ax.set(title="Full batch vs mini-batches (circles, lr 0.1)", xlabel="epoch", ylabel="mean batch cost (log)")
ax.grid(alpha=0.3); ax.legend(fontsize=7)
plt.show()

# %% [markdown]
# Per epoch, mini-batches make many more (cheaper, noisier) updates and get much further; per update they cost
# more wall time here, where Python's overhead dominates these tiny matrices (the times vary from run to run).
#
# ### Exercise 5: batch normalization against vanishing gradients
#
# A ten-layer sigmoid network, 64 → 32 (× 9) → 10, on all ten digits (PyTorch's default `Linear` initialization,
# full-batch gradient descent on the cross-entropy, lr 0.05), without and with `BatchNorm1d` before every sigmoid
# (`mlp(..., batch_norm=True)`: Linear → BatchNorm1d → Sigmoid) from the same `Linear` weights. Batch norm
# re-centres and re-scales each $Z^{[l]}$ (then $\gamma$, $\beta$), so every sigmoid works near $z = 0$ where
# $\sigma' \approx 1/4$, and its backward pass divides by the batch's $\sqrt{\mathrm{var} + \epsilon}$. We record
# $\lVert\partial J/\partial W^{[l]}\rVert$ of every layer at every step.

# %%
SIZES10 = [64] + [32] * 9 + [10]


def linears(model):
    return [m for m in model if isinstance(m, (sn.nn.Linear, torch.nn.Linear))]


def gd_with_gradient_norms(model, twin, X, y, steps, lr=0.05):
    """Full-batch gradient descent on the cross-entropy, both backends; ‖dJ/dW[l]‖ of every layer at every step
    (rows: steps) and the cost of every step (before its update)."""
    norms, costs = {"scratchnet": [], "PyTorch": []}, {"scratchnet": [], "PyTorch": []}
    loss, opt = sn.nn.CrossEntropyLoss(), sn.optim.SGD(model.parameters(), lr=lr)
    loss_t, opt_t = torch.nn.CrossEntropyLoss(), torch.optim.SGD(twin.parameters(), lr=lr)
    X_t, y_t = torch.tensor(X), torch.tensor(y)
    for _ in range(steps):
        opt.zero_grad()
        costs["scratchnet"].append(float(loss(model(X), y)))
        model.backward(loss.backward())                                   # scratchnet: backprop
        norms["scratchnet"].append([np.linalg.norm(l.weight.grad) for l in linears(model)])
        opt.step()
        opt_t.zero_grad()
        J = loss_t(twin(X_t), y_t)
        J.backward()                                                      # PyTorch: autograd
        costs["PyTorch"].append(J.item())
        norms["PyTorch"].append([l.weight.grad.norm().item() for l in linears(twin)])
        opt_t.step()
    return {b: np.array(v) for b, v in norms.items()}, {b: np.array(v) for b, v in costs.items()}


steps_deep = 3 if QUICK else 60
bn_norms, bn_acc = {}, {}
for label, batch_norm in {"sigmoid": False, "sigmoid + BatchNorm1d": True}.items():
    model = sn.models.mlp(SIZES10, "sigmoid", dtype=F64, batch_norm=batch_norm, generator=np.random.default_rng(0))
    twin = torch_ref.models.twin(model)
    bn_norms[label], _ = gd_with_gradient_norms(model, twin, X10_train, y10_train, steps_deep)
    bn_acc[label] = {b: accuracy10(m, X10_test, y10_test) for b, m in (("scratchnet", model), ("PyTorch", twin))}
bn_ratio = {k: {b: n[b][0][0] / n[b][0][-1] for b in BACKENDS} for k, n in bn_norms.items()}   # ‖dW1‖/‖dW10‖ at init


def per_layer_table(norms):
    """‖dJ/dW[l]‖ at initialization: a row per layer, a column per network and backend."""
    show(["layer", *[f"{k} ({b})" for k in norms for b in BACKENDS]],
         [[l + 1, *[f"{norms[k][b][0][l]:.2e}" for k in norms for b in BACKENDS]] for l in range(10)])


per_layer_table(bn_norms)
show(["network", "‖dW1‖/‖dW10‖ (scratchnet)", "(PyTorch)", f"test accuracy after {steps_deep} steps (scratchnet)", "(PyTorch)"],
     [[k, f"{r['scratchnet']:.1e}", f"{r['PyTorch']:.1e}", bn_acc[k]["scratchnet"], bn_acc[k]["PyTorch"]]
      for k, r in bn_ratio.items()], 4)
lift = {b: bn_ratio["sigmoid + BatchNorm1d"][b] / bn_ratio["sigmoid"][b] for b in BACKENDS}
AUDIT["BatchNorm1d lifts ‖dW1‖/‖dW10‖ by ≥ 100×"] = verdict(1, int(lift["scratchnet"] >= 100), int(lift["PyTorch"] >= 100), 0)
learns = {b: int(bn_acc["sigmoid + BatchNorm1d"][b] > bn_acc["sigmoid"][b]) for b in BACKENDS}
AUDIT["… and the net learns more (higher test accuracy)"] = verdict(1, learns["scratchnet"], learns["PyTorch"], 0)
print(f"batch norm lifts the first/last ratio {lift['scratchnet']:.0e}×:", AUDIT["BatchNorm1d lifts ‖dW1‖/‖dW10‖ by ≥ 100×"],
      f"  higher test accuracy after {steps_deep} steps:", AUDIT["… and the net learns more (higher test accuracy)"])

# %% [markdown]
# In a quick run three steps are too few for either network to learn, so the second claim "differs" there; the
# full run's 60 steps decide it.
#
# ### Exercise 6: vanishing gradients in a 10-layer sigmoid network
#
# Backpropagation multiplies $dA^{[l-1]} = W^{[l]\top} dZ^{[l]}$ and $dZ^{[l]} = dA^{[l]} \odot g'(Z^{[l]})$ layer after layer;
# with $\sigma' \le 1/4$ every sigmoid layer shrinks the gradient unless the weights grow to make up for it. The same
# 64 → 32 (× 9) → 10 network with sigmoid or ReLU, PyTorch's default initialization or the one meant for it
# (Glorot's `xavier_normal_` for sigmoid, He's `kaiming_normal_` for ReLU), 60 steps (3 in quick mode) of
# full-batch gradient descent, lr 0.05:

# %%
def deep_net(activation, init=None, seed=0):
    """mlp(SIZES10, activation) drawn from default_rng(seed); `init` re-draws each weight (biases zero then)."""
    gen = np.random.default_rng(seed)
    model = sn.models.mlp(SIZES10, activation, dtype=F64, generator=gen)
    if init is not None:
        for layer in linears(model):
            init(layer.weight, gen)
            sn.nn.init.zeros_(layer.bias)
    return model, torch_ref.models.twin(model)


CONFIGS = {"sigmoid, PyTorch default init": ("sigmoid", None),
           "sigmoid, Glorot (xavier_normal_)": ("sigmoid", lambda w, g: sn.nn.init.xavier_normal_(w, generator=g)),
           "ReLU, PyTorch default init": ("relu", None),
           "ReLU, He (kaiming_normal_)": ("relu", lambda w, g: sn.nn.init.kaiming_normal_(w, nonlinearity="relu", generator=g))}
deep_norms, deep_costs, deep_acc = {}, {}, {}
for label, (act, init) in CONFIGS.items():
    model, twin = deep_net(act, init)
    deep_norms[label], deep_costs[label] = gd_with_gradient_norms(model, twin, X10_train, y10_train, steps_deep)
    deep_acc[label] = {b: accuracy10(m, X10_test, y10_test) for b, m in (("scratchnet", model), ("PyTorch", twin))}
deep_ratio = {k: {b: n[b][0][0] / n[b][0][-1] for b in BACKENDS} for k, n in deep_norms.items()}
per_layer_table(deep_norms)
show(["network", "‖dW1‖/‖dW10‖ (scratchnet)", "(PyTorch)", f"test accuracy after {steps_deep} steps (scratchnet)", "(PyTorch)"],
     [[k, f"{r['scratchnet']:.1e}", f"{r['PyTorch']:.1e}", deep_acc[k]["scratchnet"], deep_acc[k]["PyTorch"]]
      for k, r in deep_ratio.items()], 4)
vanishes = {b: int(deep_ratio["sigmoid, PyTorch default init"][b] < 1e-2) for b in BACKENDS}
AUDIT["10-layer sigmoid: ‖dW1‖ ≥ 100× below ‖dW10‖"] = verdict(1, vanishes["scratchnet"], vanishes["PyTorch"], 0)
print("the vanishing gradient problem, confirmed:", AUDIT["10-layer sigmoid: ‖dW1‖ ≥ 100× below ‖dW10‖"])

# %%
fig, axes = plt.subplots(1, 2, figsize=(14, 4.3))
for i, (label, n) in enumerate(deep_norms.items()):
    for b, st in STYLE.items():
        axes[0].semilogy(range(1, 11), n[b][0], marker="o", label=f"{label} ({b})", **dict(st, color=f"C{i}"))
        axes[1].semilogy(n[b][:, 0], label=f"{label} ({b})", **dict(st, color=f"C{i}"))
for i, (label, n) in enumerate(bn_norms.items()):
    for b, st in STYLE.items():
        if label.endswith("BatchNorm1d"):
            axes[0].semilogy(range(1, 11), n[b][0], marker="s", label=f"{label} ({b})", **dict(st, color="C5"))
axes[0].set(title="‖dJ/dW[l]‖ per layer at initialization", xlabel="layer l", ylabel="‖dJ/dW[l]‖ (log)", xticks=range(1, 11))
axes[1].set(title="The first layer's gradient during training", xlabel="gradient-descent step", ylabel="‖dJ/dW[1]‖ (log)")
for ax in axes:
    ax.grid(alpha=0.3)
fig.legend(*axes[0].get_legend_handles_labels(), loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=3, fontsize=8)
plt.show()

# %% [markdown]
# ### Exercise 7: dropout
#
# A network wide enough to overfit a small training set: 64 → 256 → 256 → 10 (ReLU, He initialization) on 300
# training digits (a stratified subsample of the 80 % split), mini-batch SGD (batch 32, lr 0.05), tested on the
# 360 held-out digits; without dropout and with `Dropout(p)` after each hidden ReLU (p = the probability of
# *dropping*, inverted dropout: the kept units are scaled by 1/(1−p), and the layer is the identity at test
# time). The two libraries draw random numbers differently, so PyTorch draws each step's masks and scratchnet is
# handed the same ones (`Dropout.fix_mask`): the backends then compute the same function at every step.

# %%
X300, _, y300, _ = train_test_split(X10_train, y10_train, train_size=300, random_state=0, stratify=y10_train)


def train_with_shared_masks(model, twin, loader, epochs, lr):
    """Mini-batch SGD on both backends, each step with PyTorch's dropout masks in scratchnet too."""
    drops, drops_t, masks = [m for m in model if isinstance(m, sn.nn.Dropout)], [m for m in twin if isinstance(m, torch.nn.Dropout)], []
    # kept ⇔ the output is not 0 (where the input is 0 the mask cannot be read, and does not matter)
    hooks = [d.register_forward_hook(lambda mod, inputs, out: masks.append((out != 0) | (inputs[0] == 0))) for d in drops_t]
    loss, opt = sn.nn.CrossEntropyLoss(), sn.optim.SGD(model.parameters(), lr=lr)
    loss_t, opt_t = torch.nn.CrossEntropyLoss(), torch.optim.SGD(twin.parameters(), lr=lr)
    for _ in range(epochs):
        for xb, yb in loader:
            masks.clear()
            opt_t.zero_grad()
            loss_t(twin(torch.tensor(xb)), torch.tensor(yb)).backward()      # PyTorch draws the masks
            opt_t.step()
            for d, keep in zip(drops, masks):
                d.fix_mask(keep)                                              # scratchnet uses them
            opt.zero_grad()
            loss(model(xb), yb)
            model.backward(loss.backward())
            opt.step()
    for h in hooks:
        h.remove()
    for d in drops:
        d.fix_mask(None)


epochs_drop = 3 if QUICK else 30
drop_acc = {}
for p in (0.0, 0.2, 0.5):
    torch.manual_seed(0)                                                   # PyTorch's masks: the same on a re-run
    model, twin = digits_net([64, 256, 256, 10], dropout=p)
    loader = sn.data.DataLoader((X300, y300), batch_size=32, shuffle=True, generator=np.random.default_rng(0))
    train_with_shared_masks(model, twin, loader, epochs_drop, 0.05)
    drop_acc["no dropout" if p == 0 else f"dropout p = {p}"] = {
        part: {b: accuracy10(m, X, y) for b, m in (("scratchnet", model), ("PyTorch", twin))}
        for part, X, y in (("train", X300, y300), ("test", X10_test, y10_test))}
show(["", "train accuracy (scratchnet)", "(PyTorch)", "test accuracy (scratchnet)", "(PyTorch)"],
     [[k, *[a[p][b] for p in ("train", "test") for b in BACKENDS]] for k, a in drop_acc.items()], 4)

# %% [markdown]
# ### Exercise 8: learning-rate decay, $\alpha_t = \alpha_0 e^{-kt}$
#
# Since $\alpha_0 e^{-kt} = \alpha_0 \gamma^t$ with $\gamma = e^{-k}$, the decay is `ExponentialLR(optimizer, gamma=e^{-k})` stepped
# once per iteration (here an epoch is one full-batch iteration), in `scratchnet.optim.lr_scheduler` and in
# `torch.optim.lr_scheduler`. On the circles network, $\alpha_0 = 0.5$, for three decay rates $k$:

# %%
ALPHA0, KS = 0.5, [0.0, 2e-3, 1e-2]
steps_decay = 60 if QUICK else 400
decay = {}
for k in KS:
    model, twin = lecture_net(W1_circles, W2_circles)
    decay[f"k = {k:g}"], _ = fit_both(model, twin, sn.data.DataLoader((X_circles, Y_circles), batch_size=len(X_circles)),
                                      steps_decay, ALPHA0, scheduler=("ExponentialLR", {"gamma": float(np.exp(-k))}))
decay_costs = {k: {b: np.array(h.step_loss) for b, h in hs.items()} for k, hs in decay.items()}
show(["decay", "α at the last step", "final cost (scratchnet)", "(PyTorch)"],
     [[k, hs["scratchnet"].lr[-1][0], hs["scratchnet"].step_loss[-1], hs["PyTorch"].step_loss[-1]] for k, hs in decay.items()], 5)
fig, ax = plt.subplots(figsize=(7, 3.6))
for i, (label, c) in enumerate(decay_costs.items()):
    for b, st in STYLE.items():
        ax.semilogy(c[b], label=f"{label} ({b})", **dict(st, color=f"C{i}"))
ax.set(title=f"α_t = {ALPHA0} e^(−kt): cost curves", xlabel="iteration", ylabel="cost J (log)"); ax.grid(alpha=0.3)
ax.legend(fontsize=7)
plt.show()

# %% [markdown]
# The scheduler multiplies the rate by γ once per step, so it follows the formula to rounding; the rates it used,
# against $\alpha_0 e^{-kt}$ evaluated directly — and the formula applied by hand, $W := W - \alpha_0 e^{-kt}\,dW$, against
# the scheduler's training (k = 0.002):

# %%
t_at = np.array([0, 1, 10, steps_decay // 2, steps_decay - 1])
rates = {b: np.array([lr[0] for lr in decay["k = 0.002"][b].lr])[t_at] for b in BACKENDS}
AUDIT["α_t = α₀ e^(−kt) is ExponentialLR(gamma=e^(−k))"] = verdict(ALPHA0 * np.exp(-2e-3 * t_at), rates["scratchnet"],
                                                                  rates["PyTorch"], rtol=1e-12)
model, twin = lecture_net(W1_circles, W2_circles)
loss, loss_t, X_t, Y_t = sn.nn.BCEWithLogitsLoss(), torch.nn.BCEWithLogitsLoss(), torch.tensor(X_circles), torch.tensor(Y_circles)
hand = {"scratchnet": [], "PyTorch": []}
for t in range(steps_decay):
    lr_t = ALPHA0 * np.exp(-2e-3 * t)                                     # α_t = α₀ e^(−kt)
    model.zero_grad()
    hand["scratchnet"].append(float(loss(model(X_circles), Y_circles)))
    model.backward(loss.backward())
    for p in model.parameters():
        p.data -= lr_t * p.grad
    twin.zero_grad()
    J = loss_t(twin(X_t), Y_t)
    J.backward()
    hand["PyTorch"].append(J.item())
    with torch.no_grad():
        for p in twin.parameters():
            p -= lr_t * p.grad
show(["t", "α₀ e^(−kt)", "ExponentialLR (scratchnet)", "(PyTorch)"],
     [[t, ALPHA0 * np.exp(-2e-3 * t), rates["scratchnet"][i], rates["PyTorch"][i]] for i, t in enumerate(t_at)], 15)
print("the rates:", AUDIT["α_t = α₀ e^(−kt) is ExponentialLR(gamma=e^(−k))"], "  max relative gap, cost by hand vs ExponentialLR:",
      {b: f"{np.abs(np.array(hand[b]) - decay_costs['k = 0.002'][b]).max() / decay_costs['k = 0.002'][b].max():.1e}" for b in BACKENDS})

# %% [markdown]
# ### Exercise 9: all ten digits, softmax output, confusion matrix
#
# 64 → 64 ReLU → 10 logits (`CrossEntropyLoss` applies the softmax), He initialization
# (`kaiming_normal_(nonlinearity="relu")`), mini-batch SGD (batch 64, lr 0.1) for 30 epochs, on the stratified
# 80/20 split; both backends see the same batches.

# %%
net10, net10_t = digits_net([64, 64, 10])
epochs10 = 3 if QUICK else 30
train_digits(net10, net10_t, X10_train, y10_train, epochs10)
logits10 = {"scratchnet": outputs(net10, X10_test), "PyTorch": outputs(net10_t, X10_test)}
acc10 = {b: float(np.mean(l.argmax(1) == y10_test)) for b, l in logits10.items()}
cm10 = {b: confusion_matrix(y10_test, l.argmax(1)) for b, l in logits10.items()}
softmax_sum = {"scratchnet": float(np.abs(sn.nn.Softmax(dim=1)(logits10["scratchnet"]).sum(1) - 1).max()),
               "PyTorch": float((torch.softmax(torch.tensor(logits10["PyTorch"]), 1).sum(1) - 1).abs().max())}
AUDIT["softmax sums to 1 on every test image"] = verdict(0.0, softmax_sum["scratchnet"], softmax_sum["PyTorch"], 12)
print(f"test accuracy: scratchnet {acc10['scratchnet']:.4f}, PyTorch {acc10['PyTorch']:.4f}; the two confusion matrices are "
      f"{'identical' if np.array_equal(cm10['scratchnet'], cm10['PyTorch']) else 'different'}; softmax sums to 1:",
      AUDIT["softmax sums to 1 on every test image"])
fig, ax = plt.subplots(figsize=(5, 4.5))
ax.imshow(cm10["scratchnet"], cmap="Blues")
for (i, j), v in np.ndenumerate(cm10["scratchnet"]):
    ax.text(j, i, v, ha="center", va="center", fontsize=8, color="white" if v > cm10["scratchnet"].max() / 2 else "black")
ax.set(title="Confusion matrix (test set)", xlabel="predicted", ylabel="true", xticks=range(10), yticks=range(10))
plt.show()

# %% [markdown]
# ### Exercise 10: t-SNE of the hidden layer's activations — do the classes cluster?
#
# The 64 hidden activations $A^{[1]} = \mathrm{ReLU}(Z^{[1]})$ of exercise 9's network on the test images (the first
# 100 in quick mode), embedded in 2-D by scikit-learn's `TSNE` (perplexity 30, PCA start, a fixed `random_state`),
# once per backend, next to a t-SNE of the raw pixels. How well the digits cluster: the silhouette score (by true
# digit) and the accuracy of a 5-nearest-neighbour vote in the map (5-fold cross-validation).

# %%
from sklearn.manifold import TSNE
from sklearn.metrics import silhouette_score
from sklearn.model_selection import cross_val_score
from sklearn.neighbors import KNeighborsClassifier

X_map, y_map = (X10_test[:100], y10_test[:100]) if QUICK else (X10_test, y10_test)
panels = {"raw pixels": X_map,
          "hidden A[1] (scratchnet)": net10[1](net10[0](X_map)),                               # ReLU(Z[1])
          "hidden A[1] (PyTorch)": to_np(net10_t[1](net10_t[0](torch.tensor(X_map))))}
maps = {k: TSNE(n_components=2, perplexity=30, init="pca", random_state=0,
                max_iter=250 if len(v) < 200 else 500).fit_transform(v) for k, v in panels.items()}
tsne_scores = {k: (float(silhouette_score(e, y_map)),
                   float(cross_val_score(KNeighborsClassifier(5), e, y_map, cv=5).mean())) for k, e in maps.items()}
show(["features", "silhouette (true digit)", "5-NN accuracy in the map"], [[k, *v] for k, v in tsne_scores.items()], 4)
fig, axes = plt.subplots(1, 3, figsize=(16, 5))
for ax, (k, e) in zip(axes, maps.items()):
    dots = ax.scatter(e[:, 0], e[:, 1], c=y_map, cmap="tab10", s=12)
    ax.set(title=f"t-SNE of {k}", xticks=[], yticks=[])
fig.colorbar(dots, ax=axes, ticks=range(10), label="digit")
plt.show()
print("max |A[1] scratchnet − A[1] PyTorch| =", np.abs(panels["hidden A[1] (scratchnet)"] - panels["hidden A[1] (PyTorch)"]).max())

# %% [markdown]
# Yes: in the full run the ten digits form separate islands in the hidden layer's map, tighter than in the raw
# pixels' (a higher silhouette and 5-NN accuracy in the table) — and the two backends' maps are the same (t-SNE
# is deterministic for a fixed `random_state` and input). A quick run's 100 points, 250 iterations and 3-epoch
# network are too few for t-SNE to settle: its scores say nothing about clustering.

# %% [markdown]
# ## Summary: the audit of the lecture's numbers in this notebook

# %%
print({v: sum(1 for x in AUDIT.values() if x == v) for v in ("✅ reproduced", "❌ differs")})
show(["claim", "verdict"], list(AUDIT.items()))
