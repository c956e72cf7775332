"""The catalogue: classic from-scratch-MLP bugs, each planted twice.

Every :class:`Bug` is

* ``hand`` — an edit of the correct hand-written NumPy code
  (``handwritten.py``) that :mod:`torch_ref.check` must flag, in
  ``scenario``, on the tensor ``tensor`` (the report's first failing row)
  with a diagnosis containing each of ``says`` (the words that name the
  cause);
* ``plant`` — edits of scratchnet's own source that the parity suite must
  catch: ``tests`` are the parity tests that can catch it (the runner plants
  the bug into a temporary copy of the repository, runs them, and reports
  the first that fails).

The edits are exact text (see :mod:`.edits`); ``tests/test_classic_bugs.py``
holds that every one applies to the current tree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .edits import HANDWRITTEN, Edit

LOSS = "scratchnet/nn/modules/loss.py"
LINEAR = "scratchnet/nn/modules/linear.py"
ACTIVATION = "scratchnet/nn/modules/activation.py"
DROPOUT = "scratchnet/nn/modules/dropout.py"
BATCHNORM = "scratchnet/nn/modules/batchnorm.py"
SGD = "scratchnet/optim/sgd.py"
ADAM = "scratchnet/optim/adam.py"
RMSPROP = "scratchnet/optim/rmsprop.py"
ADAGRAD = "scratchnet/optim/adagrad.py"

#: The parity tests (single cases, by node id) that catch the bugs. Each is run on an
#: unplanted copy first (the baseline, which must pass), so "caught" means something.
T_MSE = "parity_tests/test_losses.py::test_mse[float64-cpu-shape2-mean]"
T_CE = "parity_tests/test_losses.py::test_cross_entropy_class_indices[float64-cpu-w0-ignNone-ls0.0-mean]"
T_MLP = "parity_tests/test_mlp.py::test_mlp_depths_1_to_5[float64-cpu-17-4-5-3-relu-None]"
T_KINK = "parity_tests/test_activations.py::test_kinks_at_exactly_zero[float64-cpu-ReLU]"
T_SIGMOID = "parity_tests/test_activations.py::test_activation_forward_backward[float64-cpu-shape2-Sigmoid]"
T_TANH = "parity_tests/test_activations.py::test_activation_forward_backward[float64-cpu-shape2-Tanh]"
T_SOFTMAX = "parity_tests/test_activations.py::test_activation_forward_backward[float64-cpu-shape2-Softmax(dim=1)]"
T_DROPOUT = "parity_tests/test_dropout.py::test_dropout_forward_backward_with_torch_mask[float64-cpu-0.5]"
T_BN_TRAIN = "parity_tests/test_batchnorm.py::test_batchnorm_train_forward_and_gradients[float64-cpu-True-NC]"
T_BN_RUNNING = ("parity_tests/test_batchnorm.py::test_batchnorm_running_stats_over_100_steps_then_eval"
                "[float64-cpu-momentum=0.1]")
T_SGD = "parity_tests/test_optim.py::test_trajectory[float64-cpu-SGD(momentum=0.9)]"
T_SGD_DAMPENING = "parity_tests/test_optim.py::test_trajectory[float64-cpu-SGD(momentum=0.9, dampening=0.5)]"
T_SGD_DECAY = "parity_tests/test_optim.py::test_trajectory[float64-cpu-SGD(momentum=0.9, nesterov, weight_decay=0.01)]"
T_ADAM = "parity_tests/test_optim.py::test_trajectory[float64-cpu-Adam()]"
T_ADAMW = "parity_tests/test_optim.py::test_trajectory[float64-cpu-AdamW()]"
T_RMSPROP_MAXIMIZE = "parity_tests/test_optim.py::test_trajectory[float64-cpu-RMSprop(maximize, weight_decay=0.05)]"
T_ADAGRAD_EPS = "parity_tests/test_optim.py::test_trajectory[float64-cpu-Adagrad(eps=0.1)]"


def hand(old: str, new: str) -> Edit:
    return Edit(HANDWRITTEN, old, new)


@dataclass(frozen=True)
class Bug:
    id: str
    title: str                     # the bug, as a learner would name it
    lesson: str                    # what is wrong, and the right formula
    hand: tuple[Edit, ...]
    scenario: str
    tensor: str                    # the first failing row torch_ref.check must report
    says: tuple[str, ...]          # words its diagnosis must contain
    plant: tuple[Edit, ...]
    tests: tuple[str, ...]
    scenario_kwargs: dict = field(default_factory=dict)


CATALOGUE: list[Bug] = [
    # ------------------------------------------------------------------ the 1/m, signs and factors of 2
    Bug("one_over_m_missing", "the 1/m missing from the loss gradient",
        "A mean loss J = (1/m) Σ ℓ has dJ/dz = (softmax − onehot)/m; without the 1/m every gradient is m times "
        "too large.",
        (hand("    dlogits /= m\n", ""),), "classifier", "dW3", ("1/m", "missing"),
        (Edit(LOSS, "                g = g / local.dtype.type(self._denominator)", "                g = g"),),
        (T_MSE,)),
    Bug("one_over_m_twice", "the 1/m applied twice (in dZ and again in dW)",
        "torch's mean loss already puts 1/m into dZ; a layer that divides dW by m again (the CS229 habit, "
        "where dZ has no 1/m) makes dW m times too small.",
        (hand("        self.dW = self.X.T @ dZ\n", "        self.dW = self.X.T @ dZ / len(dZ)\n"),), "classifier",
        "dW3", ("1/m applied twice",),
        (Edit(LINEAR, "self.weight.accumulate_grad(dZ.T @ X)", "self.weight.accumulate_grad(dZ.T @ X / len(X))"),),
        (T_MLP,)),
    Bug("sign_flipped", "the sign of the loss gradient flipped (y − ŷ for ŷ − y)",
        "d(ŷ − y)²/dŷ = 2(ŷ − y); with y − ŷ every gradient points uphill.",
        (hand("    dpred = 2 * (pred - y) / pred.size\n", "    dpred = 2 * (y - pred) / pred.size\n"),),
        "regressor", "dW2", ("sign is flipped",),
        (Edit(LOSS, "        self._local = 2 * diff", "        self._local = -2 * diff"),), (T_MSE,)),
    Bug("mse_missing_2", "MSE's 2 missing", "d(ŷ − y)²/dŷ = 2(ŷ − y): the ½(ŷ − y)² convention's gradient is "
        "half of torch's MSELoss's (Chapter 15's XOR code does this).",
        (hand("    dpred = 2 * (pred - y) / pred.size\n", "    dpred = (pred - y) / pred.size\n"),),
        "regressor", "dW2", ("2 of d(ŷ − y)²",),
        (Edit(LOSS, "        self._local = 2 * diff", "        self._local = diff"),), (T_MSE,)),
    Bug("mse_over_examples", "MSE averaged over the examples only",
        "torch's MSELoss averages over all m·n entries; dividing by m alone makes the loss and its gradient "
        "n times larger (n outputs per example).",
        (hand("    loss = np.mean((pred - y) ** 2)\n    dpred = 2 * (pred - y) / pred.size\n",
              "    loss = np.sum((pred - y) ** 2) / len(pred)\n    dpred = 2 * (pred - y) / len(pred)\n"),),
        "regressor", "loss", ("over the m examples only",),
        (Edit(LOSS, "self._denominator = losses.size if denominator is None else denominator",
              "self._denominator = len(losses) if denominator is None else denominator"),), (T_MSE,)),
    Bug("softmax_before_ce", "softmax applied before a cross-entropy that applies it again",
        "CrossEntropyLoss takes logits and applies (log-)softmax itself; a softmax output layer before it "
        "squashes the logits twice.",
        (hand('    return Network([4, 6, 5, 3], "relu", "cross_entropy", rng)\n',
              '    return Network([4, 6, 5, 3], "relu", "cross_entropy", rng, output="softmax")\n'),),
        "classifier", "output", ("softmax", "applies softmax again"),
        (Edit(LOSS, "        log_s = F._log_softmax(z, 1)",
              "        z = F.softmax(z, dim=1)\n        log_s = F._log_softmax(z, 1)"),),
        (T_CE,)),
    # ------------------------------------------------------------------ derivatives of activations
    Bug("relu_kink", "ReLU'(0) = 1", "torch's ReLU derivative is [z > 0], 0 at z = 0; z >= 0 differs exactly where "
        "a pre-activation is 0 (an all-zero input with zero biases, or a dead unit).",
        (hand("        return dA * (self.Z > 0)\n", "        return dA * (self.Z >= 0)\n"),), "classifier", "db2",
        ("ReLU'(0) = 1",),
        (Edit(ACTIVATION, "        self._a = F.relu(check_input(self, x))",
              "        self._z = check_input(self, x)\n        self._a = F.relu(self._z)"),
         Edit(ACTIVATION, "        active = ~(self._a <= 0)", "        active = self._z >= 0")),
        (T_KINK,)),
    Bug("sigmoid_no_one_minus", "sigmoid' missing its (1 − a)", "σ'(z) = σ(z)(1 − σ(z)) = A(1 − A), not A.",
        (hand("        return dA * self.A * (1 - self.A)\n", "        return dA * self.A\n"),), "regressor", "dW1",
        ("missing its (1 − σ(z))",),
        (Edit(ACTIVATION, "            return dA * (1 - a) * a", "            return dA * a"),), (T_SIGMOID,),
        {"activation": "sigmoid"}),
    Bug("sigmoid_at_activation", "sigmoid' evaluated at the activation", "sigmoid_derivative(z) = σ(z)(1 − σ(z)) "
        "takes Z; given A = σ(Z) it computes σ(σ(Z))(1 − σ(σ(Z))). (CS229 defines it on z, Chapter 15 on a: "
        "mixing the two is easy.)",
        (hand("        return dA * self.A * (1 - self.A)\n",
              "        return dA * sigmoid(self.A) * (1 - sigmoid(self.A))\n"),), "regressor", "dW1",
        ("applied to the activation",),
        (Edit(ACTIVATION, "            return dA * (1 - a) * a",
              "            return dA * F.sigmoid_derivative(a)"),), (T_SIGMOID,), {"activation": "sigmoid"}),
    Bug("tanh_of_z", "tanh' computed from Z", "tanh'(z) = 1 − tanh(z)² = 1 − A²; 1 − Z² is the derivative of "
        "nothing here.",
        (hand("        return dA * (1 - self.A ** 2)\n", "        return dA * (1 - self.Z ** 2)\n"),), "regressor",
        "dW1", ("1 − z²",),
        (Edit(ACTIVATION, "        self._a = np.tanh(check_input(self, x))",
              "        self._z = check_input(self, x)\n        self._a = np.tanh(self._z)"),
         Edit(ACTIVATION, "            return dA * (1 - a * a)", "            return dA * (1 - self._z ** 2)")),
        (T_TANH,), {"activation": "tanh"}),
    Bug("softmax_diagonal", "softmax's Jacobian taken as diagonal", "Each softmax output depends on every input: "
        "dZ = S ⊙ (dS − Σ_j dS_j S_j), not dS ⊙ S(1 − S).",
        (hand("        return S * (dS - (dS * S).sum(axis=1, keepdims=True))\n", "        return dS * S * (1 - S)\n"),),
        "softmax_layer", "dX", ("diagonal",),
        (Edit(ACTIVATION, "            return F.softmax_backward(dA, self._a, self._d)",
              "            return dA * self._a * (1 - self._a)"),), (T_SOFTMAX,)),
    # ------------------------------------------------------------------ dropout
    Bug("dropout_unscaled", "dropout without 1/(1 − p)", "Inverted dropout scales the kept units by 1/(1 − p) in "
        "training, so that the expected activation is unchanged and eval needs no rescaling.",
        (hand("        return A * self.mask / (1 - self.p)\n", "        return A * self.mask\n"),
         hand("        return dA * self.mask / (1 - self.p)\n", "        return dA * self.mask\n")),
        "dropout_layer", "output", ("1/(1 − p)",),
        (Edit(DROPOUT, "self._scale_mask = keep.astype(x.dtype) / x.dtype.type(1.0 - self.p)",
              "self._scale_mask = keep.astype(x.dtype)"),), (T_DROPOUT,)),
    Bug("dropout_backward_unmasked", "dropout's backward without the mask", "The dropped units contributed "
        "nothing, so they get no gradient: dX = dY ⊙ M/(1 − p) with forward's mask.",
        (hand("        return dA * self.mask / (1 - self.p)\n", "        return dA\n"),), "dropout_layer", "dX",
        ("same mask",),
        (Edit(DROPOUT, "            return dA_out * self._scale_mask", "            return dA_out"),), (T_DROPOUT,)),
    # ------------------------------------------------------------------ batch norm
    Bug("bn_running_var_biased", "BatchNorm's running variance biased", "torch normalises a batch with the biased "
        "σ² (÷ m) but tracks the unbiased σ²·m/(m − 1) in running_var.",
        (hand("self.momentum * var * m / (m - 1)", "self.momentum * var"),), "batchnorm_layer", "running_var",
        ("biased",),
        (Edit(BATCHNORM, "f * var * (m / (m - 1))  # unbiased", "f * var"),), (T_BN_TRAIN,)),
    Bug("bn_momentum_reversed", "BatchNorm's momentum the wrong way round", "torch's momentum weights the new "
        "batch: r ← (1 − momentum)·r + momentum·x̄ (Keras' momentum is the old value's weight).",
        (hand("(1 - self.momentum) * self.running_mean + self.momentum * mu",
              "self.momentum * self.running_mean + (1 - self.momentum) * mu"),
         hand("(1 - self.momentum) * self.running_var + self.momentum * var",
              "self.momentum * self.running_var + (1 - self.momentum) * var")),
        "batchnorm_layer", "running_mean", ("momentum reversed",),
        (Edit(BATCHNORM, "(1 - f) * self.running_mean + f * mean", "f * self.running_mean + (1 - f) * mean"),
         Edit(BATCHNORM, "(1 - f) * self.running_var + f * var", "f * self.running_var + (1 - f) * var")),
        (T_BN_RUNNING,)),
    Bug("bn_constant_stats", "BatchNorm's backward ignoring the batch statistics", "In training μ and σ² depend "
        "on every input: dZ = (1/m)/σ·(m dẐ − Σ dẐ − Ẑ Σ dẐ Ẑ), not dẐ/σ (the eval-mode gradient).",
        (hand("        return self.inv_std / m * (m * dZhat - dZhat.sum(axis=0) - self.Zhat * (dZhat * self.Zhat).sum(axis=0))\n",
              "        return dZhat * self.inv_std\n"),), "batchnorm_layer", "dX", ("held constant",),
        (Edit(BATCHNORM, "        return (inv_std / m) * (m * g_hat - sum_g - x_hat * sum_gx)",
              "        return g_hat * inv_std"),), (T_BN_TRAIN,)),
    Bug("bn_normalise_unbiased", "BatchNorm normalising with the unbiased variance", "The batch is normalised "
        "with the biased σ² (÷ m); only running_var stores the unbiased one.",
        (hand("        self.inv_std = 1 / np.sqrt(var + self.eps)\n",
              "        self.inv_std = 1 / np.sqrt(var * m / (m - 1) + self.eps)\n"),), "batchnorm_layer", "output",
        ("unbiased variance",),
        (Edit(BATCHNORM, "        self._inv_std = 1.0 / np.sqrt(var + x.dtype.type(self.eps))",
              "        self._inv_std = 1.0 / np.sqrt(var * (m / (m - 1)) + x.dtype.type(self.eps))"),),
        (T_BN_TRAIN,)),
    # ------------------------------------------------------------------ layouts and shapes
    Bug("dW_transposed", "dW transposed", "For W of shape (in, out) with examples as rows, dW = Xᵀ dZ; dZᵀ X is "
        "the (out, in) layout's dW.",
        (hand("        self.dW = self.X.T @ dZ\n", "        self.dW = dZ.T @ self.X\n"),), "classifier", "dW3",
        ("transposed",),
        (Edit(LINEAR, "self.weight.accumulate_grad(dZ.T @ X)", "self.weight.accumulate_grad((dZ.T @ X).T)"),),
        (T_MLP,)),
    Bug("dW_reshaped", "dW reshaped where it should be transposed", "A .reshape(W.shape) makes the shapes agree "
        "and scrambles the entries; the (out, in) dW needs .T to become (in, out).",
        (hand("        self.dW = self.X.T @ dZ\n", "        self.dW = (dZ.T @ self.X).reshape(self.X.shape[1], -1)\n"),),
        "classifier", "dW3", ("reshape",),
        (Edit(LINEAR, "self.weight.accumulate_grad(dZ.T @ X)",
              "self.weight.accumulate_grad((X.T @ dZ).reshape(self.weight.shape))"),), (T_MLP,)),
    Bug("db_wrong_axis", "db summed over the wrong axis", "With examples as rows, db = Σ over the examples "
        "(axis 0); summing over axis 1 gives one number per example (the columns layout's habit).",
        (hand("        self.db = dZ.sum(axis=0, keepdims=True)\n", "        self.db = dZ.sum(axis=1, keepdims=True)\n"),),
        "classifier", "db3", ("summed over the outputs",),
        (Edit(LINEAR, "self.bias.accumulate_grad(dZ.sum(axis=0))", "self.bias.accumulate_grad(dZ.sum(axis=1))"),),
        (T_MLP,)),
    Bug("float32_inside", "a float32 computation inside a float64 network", "One float32 array or np.float32 "
        "cast rounds everything after it to ~1e-7: fine for training, but a float64 check sees it.",
        (hand("        return X @ self.params[self.w_name] + self.params[self.b_name]\n",
              "        return (X @ self.params[self.w_name] + self.params[self.b_name]).astype(np.float32)\n"),),
        "classifier", "output", ("float32",),
        (Edit(LINEAR, "        Z = X @ self.weight.data.T\n",
              "        Z = (X @ self.weight.data.T).astype(np.float32).astype(X.dtype)\n"),),
        (T_MLP,)),
    # ------------------------------------------------------------------ SGD with momentum
    Bug("sutskever_momentum", "Sutskever's momentum (the lr inside the velocity) under a changing lr",
        "v = μv − γg, θ ← θ + v equals torch's b = μb + g, θ ← θ − γb only while γ is constant (v = −γb); "
        "after a learning-rate change the velocity still carries the old γ.",
        (hand('        state["buf"] = g.copy()\n', '        state["buf"] = -lr * g\n'),
         hand('        state["buf"] = momentum * state["buf"] + (1 - dampening) * g\n',
              '        state["buf"] = momentum * state["buf"] - lr * (1 - dampening) * g\n'),
         hand('    param -= lr * state["buf"]\n', '    param += state["buf"]\n')),
        "sgd", "step 1 · θ0: buf (momentum_buffer)", ("Sutskever",),
        (Edit(SGD, '                b = momentum_buffer_list[i] = np.array(g)     # b_1 = g_1 (a copy)', "                b = momentum_buffer_list[i] = -lr * g"),
         Edit(SGD, '                b[...] = momentum * b + (1 - dampening) * g   # b_t = μ b_{t−1} + (1 − τ) g_t', "                b[...] = momentum * b - lr * (1 - dampening) * g"),
         Edit(SGD, '        theta -= lr * g                                       # θ_t = θ_{t−1} − γ g_t', "        theta += g if momentum != 0 and not nesterov else -lr * g"),
         Edit(SGD, '                b[...] = g                                        # b_1 = g_1', "                b[...] = -lr * g"),
         Edit(SGD, '                np.multiply(g, 1 - dampening, out=work)', "                np.multiply(g, -lr * (1 - dampening), out=work)"),
         Edit(SGD, '        np.multiply(g, lr, out=work)                              # γ g', "        np.multiply(g, -1.0 if momentum != 0 and not nesterov else lr, out=work)")),
        (T_SGD,), {"lr_schedule": [0.1, 0.1, 0.05, 0.05, 0.05]}),
    Bug("lr_twice", "the lr inside the momentum buffer and again in the step", "torch keeps γ out of the buffer "
        "(b = μb + g) and applies it once (θ ← θ − γb).",
        (hand('        state["buf"] = g.copy()\n', '        state["buf"] = lr * g\n'),
         hand('        state["buf"] = momentum * state["buf"] + (1 - dampening) * g\n',
              '        state["buf"] = momentum * state["buf"] + lr * (1 - dampening) * g\n')),
        "sgd", "step 1 · θ0", ("applied twice",),
        (Edit(SGD, '                b = momentum_buffer_list[i] = np.array(g)     # b_1 = g_1 (a copy)', "                b = momentum_buffer_list[i] = lr * g"),
         Edit(SGD, '                b[...] = momentum * b + (1 - dampening) * g   # b_t = μ b_{t−1} + (1 − τ) g_t', "                b[...] = momentum * b + lr * (1 - dampening) * g"),
         Edit(SGD, '                b[...] = g                                        # b_1 = g_1', "                b[...] = lr * g"),
         Edit(SGD, '                np.multiply(g, 1 - dampening, out=work)', "                np.multiply(g, lr * (1 - dampening), out=work)")),
        (T_SGD,)),
    Bug("dampened_first_step", "dampening on the first step", "torch starts the buffer undampened, b₁ = g₁, and "
        "applies (1 − dampening) from step 2 on.",
        (hand('        state["buf"] = g.copy()\n', '        state["buf"] = (1 - dampening) * g\n'),), "sgd",
        "step 1 · θ0", ("first step",),
        (Edit(SGD, '                b = momentum_buffer_list[i] = np.array(g)     # b_1 = g_1 (a copy)', "                b = momentum_buffer_list[i] = (1 - dampening) * g"),
         Edit(SGD, '                b[...] = g                                        # b_1 = g_1', "                b[...] = (1 - dampening) * g")), (T_SGD_DAMPENING,), {"dampening": 0.5}),
    Bug("weight_decay_after_momentum", "weight decay added after the momentum", "torch adds λθ to the gradient "
        "before the buffer (g ← g + λθ; b = μb + g); adding it to the step bypasses the momentum.",
        (hand('    g = grad + weight_decay * param\n    if "buf" not in state:\n', '    g = grad\n    if "buf" not in state:\n'),
         hand('    param -= lr * state["buf"]\n', '    param -= lr * (state["buf"] + weight_decay * param)\n')),
        "sgd", "step 1 · θ0: buf (momentum_buffer)", ("after the momentum",),
        (Edit(SGD, "        if weight_decay != 0:\n            g = g + weight_decay * theta                      # g_t ← g_t + λ θ_{t−1}\n", ""),
         Edit(SGD, '        theta -= lr * g                                       # θ_t = θ_{t−1} − γ g_t', "        theta -= lr * (g + weight_decay * theta)"),
         Edit(SGD, "            g += work                                             # g + λθ", "            decay = work.copy()"),
         Edit(SGD, '        np.multiply(g, lr, out=work)                              # γ g', "        np.multiply(g + decay if weight_decay != 0 else g, lr, out=work)")),
        (T_SGD_DECAY,), {"weight_decay": 0.1}),
    # ------------------------------------------------------------------ Adam and AdamW
    Bug("adam_no_bias_correction", "Adam without bias correction", "m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ): without "
        "them the first steps are scaled by (1 − β₁)/√(1 − β₂) ≈ 3.2.",
        (hand('(1 - b2) * g * g\n    m_hat = state["m"] / (1 - b1 ** state["t"])\n    v_hat = state["v"] / (1 - b2 ** state["t"])\n',
              '(1 - b2) * g * g\n    m_hat = state["m"]\n    v_hat = state["v"]\n'),), "adam", "step 1 · θ0", ("bias correction",),
        (Edit(ADAM, '        m_hat = m / (1 - beta1 ** t)                          # m̂_t = m_t / (1 − β₁ᵗ)', "        m_hat = m"), Edit(ADAM, '            v_hat = v / (1 - beta2 ** t)                      # v̂_t = v_t / (1 − β₂ᵗ)', "            v_hat = v"),
         Edit(ADAM, '        bias_correction1 = _flat.per_entry([1 - beta1 ** s for s in t], thetas, work.dtype)', "        bias_correction1 = 1.0"), Edit(ADAM, '        c = _flat.per_entry([math.sqrt(1 - beta2 ** s) for s in t], thetas, work.dtype)', "        c = 1.0")), (T_ADAM,)),
    Bug("adam_eps_inside_sqrt", "Adam's ε inside the square root", "torch's step is m̂/(√v̂ + ε), not m̂/√(v̂ + ε).",
        (hand("    param -= lr * m_hat / (np.sqrt(v_hat) + eps)\n\n\ndef adamw(",
              "    param -= lr * m_hat / np.sqrt(v_hat + eps)\n\n\ndef adamw("),),
        "adam", "step 1 · θ0", ("inside the square root",),
        (Edit(ADAM, '        theta -= lr * m_hat / (np.sqrt(v_hat) + eps)          # θ_t = θ_{t−1} − γ m̂_t / (√v̂_t + ε)', "        theta -= lr * m_hat / np.sqrt(v_hat + eps)"),
         Edit(ADAM, '            np.sqrt(v, out=work)                              # √v', "            np.sqrt(v + eps * c ** 2, out=work)"),
         Edit(ADAM, '        work += eps * c                                       # √v + ε c\n', "")), (T_ADAM,)),
    Bug("adam_eps_before_correction", "Adam's ε added before the bias correction", "torch adds ε to √v̂ = "
        "√v/√(1 − β₂ᵗ), after the correction; adding it to √v first scales ε by 1/√(1 − β₂ᵗ).",
        (hand("    param -= lr * m_hat / (np.sqrt(v_hat) + eps)\n\n\ndef adamw(",
              '    param -= lr * m_hat / ((np.sqrt(state["v"]) + eps) / np.sqrt(1 - b2 ** state["t"]))\n\n\ndef adamw('),),
        "adam", "step 1 · θ0", ("before the bias correction",),
        (Edit(ADAM, '        theta -= lr * m_hat / (np.sqrt(v_hat) + eps)          # θ_t = θ_{t−1} − γ m̂_t / (√v̂_t + ε)', "        theta -= lr * m_hat / ((np.sqrt(v) + eps) / math.sqrt(1 - beta2 ** t))"),
         Edit(ADAM, '        work += eps * c                                       # √v + ε c', "        work += eps")), (T_ADAM,)),
    Bug("adam_betas_swapped", "Adam's β₁ and β₂ swapped", "m averages g with β₁ = 0.9, v averages g² with "
        "β₂ = 0.999.",
        (hand("    b1, b2 = betas\n    if \"t\" not in state:\n        state[\"t\"], state[\"m\"], state[\"v\"] = 0, np.zeros_like(param), np.zeros_like(param)\n    state[\"t\"] += 1\n    g = grad",
              "    b2, b1 = betas\n    if \"t\" not in state:\n        state[\"t\"], state[\"m\"], state[\"v\"] = 0, np.zeros_like(param), np.zeros_like(param)\n    state[\"t\"] += 1\n    g = grad"),),
        "adam", "step 1 · θ0: m (exp_avg)", ("swapped",),
        (Edit(ADAM, '        beta1, beta2 = group["betas"]', '        beta2, beta1 = group["betas"]'),), (T_ADAM,)),
    Bug("adam_step_stuck", "Adam's step counter never advancing", "The bias corrections need t = 1, 2, 3, …; a t "
        "that stays 1 over-corrects every step after the first.",
        (hand('    state["t"] += 1\n    g = grad', '    state["t"] = 1\n    g = grad'),), "adam", "step 2 · θ0",
        ("stuck at t = 1",),
        (Edit(ADAM, "        m, v, t = exp_avgs[i], exp_avg_sqs[i], float(state_steps[i])",
              "        m, v, t = exp_avgs[i], exp_avg_sqs[i], 1.0"),
         Edit(ADAM, "        t = [float(state_steps[i]) for i in group.indices]", "        t = [1.0 for i in group.indices]")),
        (T_ADAM,)),
    Bug("adamw_decay_without_lr", "AdamW's decay without the learning rate", "torch's AdamW shrinks θ ← (1 − γλ)θ; "
        "(1 − λ)θ decays 1/γ times too fast.",
        (hand("    param *= 1 - lr * weight_decay\n", "    param *= 1 - weight_decay\n"),), "adamw", "step 1 · θ0",
        ("without the learning rate",),
        (Edit(ADAM, "                theta *= 1 - lr * weight_decay                # θ_{t−1} ← (1 − γλ) θ_{t−1}",
              "                theta *= 1 - weight_decay"),
         Edit(ADAM, "                    theta *= 1 - lr * weight_decay\n", "                    theta *= 1 - weight_decay\n")),
        (T_ADAMW,)),
    Bug("adamw_as_l2", "AdamW's decay added to the gradient (Adam's L2)", "AdamW decouples the decay from the "
        "adaptive step (θ ← (1 − γλ)θ); λθ in the gradient is Adam's L2, rescaled by 1/√v̂.",
        (hand("    param *= 1 - lr * weight_decay\n", "    grad = grad + weight_decay * param\n"),), "adamw",
        "step 1 · θ0", ("L2",),
        (Edit(ADAM, "            if decoupled_weight_decay:\n                theta *=",
              "            if decoupled_weight_decay and False:\n                theta *="),
         Edit(ADAM, "            if decoupled_weight_decay:\n                for theta in thetas:",
              "            if decoupled_weight_decay and False:\n                for theta in thetas:")),
        (T_ADAMW,)),
    # ------------------------------------------------------------------ RMSprop and Adagrad
    Bug("rmsprop_maximize_after_decay", "RMSprop with maximize applied after the weight decay",
        "torch negates the gradient first and then adds the decay (g ← −g; g ← g + λθ), so that λθ still pulls "
        "θ towards 0 while maximizing; −(g + λθ) pushes θ away from 0.",
        (hand("    g = -grad if maximize else grad\n    g = g + weight_decay * param\n",
              "    g = grad + weight_decay * param\n    g = -g if maximize else g\n"),),
        "rmsprop", "step 1 · θ0", ("maximize applied after the weight decay",),
        (Edit(RMSPROP, "        g = -grads[i] if maximize else grads[i]\n        v = square_avgs[i]\n"
                       "        if weight_decay != 0:\n"
                       "            g = g + weight_decay * theta                      # g_t ← g_t + λ θ_{t−1}\n",
              "        g = grads[i]\n        v = square_avgs[i]\n        if weight_decay != 0:\n"
              "            g = g + weight_decay * theta\n        g = -g if maximize else g\n"),
         Edit(RMSPROP, "        if maximize:\n            np.negative(g, out=g)\n        if weight_decay != 0:\n"
                       "            _flat.gather(group.thetas, work)\n            work *= weight_decay\n"
                       "            g += work                                             # g + λθ\n",
              "        if weight_decay != 0:\n            _flat.gather(group.thetas, work)\n"
              "            work *= weight_decay\n            g += work\n"
              "        if maximize:\n            np.negative(g, out=g)\n")),
        (T_RMSPROP_MAXIMIZE,), {"maximize": True, "weight_decay": 0.1}),
    Bug("adagrad_eps_inside_sqrt", "Adagrad with ε inside the square root", "torch's step is "
        "γ̃ g/(√s + ε), not γ̃ g/√(s + ε) (the textbook's √(δ + r)); the two part where ε is not small "
        "against √s.",
        (hand('    param -= lr_t * g / (np.sqrt(state["s"]) + eps)\n', '    param -= lr_t * g / np.sqrt(state["s"] + eps)\n'),),
        "adagrad", "step 1 · θ0", ("inside the square root",),
        (Edit(ADAGRAD, "        theta -= clr * (g / (np.sqrt(s) + eps))               # θ_t = θ_{t−1} − γ̃_t g_t / (√s_t + ε)",
              "        theta -= clr * (g / np.sqrt(s + eps))"),
         Edit(ADAGRAD, "        np.sqrt(s, out=d)                                         # g / (√s + ε)\n        d += eps\n",
              "        np.add(s, eps, out=d)\n        np.sqrt(d, out=d)\n")),
        (T_ADAGRAD_EPS,)),
]

BY_ID = {bug.id: bug for bug in CATALOGUE}
assert len(BY_ID) == len(CATALOGUE), "bug ids must be unique"
