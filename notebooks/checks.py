"""Which numbers each notebook shows that the experiments also compute, and the comparison.

A :class:`Check` names an expression evaluated in the executed notebook's
namespace (``expr``) and the place of the same number in an experiment's
``result.json``: a path of keys under it (``("numbers", "scratchnet", "z")``),
or a claim record (``claim=`` its ``quantity``; ``field`` one of ``verdict``,
``scratchnet``, ``torch``, ``claimed``). The notebooks label the PyTorch
backend "PyTorch"; the report says "torch".

Tolerance. The notebook and the experiment run the same float64 arithmetic
(the same library calls on the same data from the same weights), in two
processes, each with one BLAS thread: the experiments' runner gives every
experiment one (:mod:`experiments.runner`), the kernels get one unless the
environment already sets ``OMP_NUM_THREADS`` and friends
(:data:`notebooks.runner.KERNEL_THREADS`). Only then can the order of
summation differ: a few units of rounding (u = 1.1e-16) per product, which
gradient descent carries through its steps. :data:`RTOL` = 1e-9 is
the parity suite's bound for float64 training trajectories (100 steps,
README) and is kept for every check, long runs included; measured, the
notebooks and the experiments agree to the last bit here. Strings, booleans
and integers (verdicts, counts, rounded predictions) must be equal.
"""

from __future__ import annotations

import json
import pathlib
from dataclasses import dataclass

import numpy as np

#: Relative tolerance for every float compared (module docstring).
RTOL = 1e-9


@dataclass(frozen=True)
class Check:
    """One number (or list) shown by a notebook, and where the experiments keep it."""

    key: str                 # a short label, unique within the notebook
    expr: str                # evaluated in the notebook's namespace after it ran
    experiment: str          # the experiment's name (its folder under the results)
    path: tuple = ()         # keys into result.json
    claim: str | None = None  # or: the quantity of a claim record in result.json["claims"]
    field: str = "verdict"   # which field of that record
    full_only: bool = False  # only in a full run (the quick run does not show it, or words it otherwise)
    quick_only: bool = False  # only in a --quick run


def _verdict(text: str) -> str:
    """A notebook's verdict cell ("✅ reproduced") as the audit's word ("reproduced")."""
    return text.split()[-1] if isinstance(text, str) else text


def _claims(experiment: str, pairs: dict[str, str], full_only: bool = False, quick_only: bool = False) -> list[Check]:
    """Verdict checks: ``{notebook AUDIT key: the claim's quantity in result.json}``."""
    return [Check(f"verdict: {key}", f"AUDIT[{key!r}]", experiment, claim=quantity, full_only=full_only,
                  quick_only=quick_only) for key, quantity in pairs.items()]


def _numbers(experiment: str, pairs: dict[str, tuple], full_only: bool = False) -> list[Check]:
    """Number checks: ``{notebook expression: path into result.json}``."""
    return [Check(f"{experiment}: {expr}", expr, experiment, path, full_only=full_only) for expr, path in pairs.items()]


def _both(expr: str, path: tuple) -> dict[str, tuple]:
    """``expr`` with ``{b}`` filled in for each backend, and ``path`` with ``{b}`` likewise
    (the notebooks' "PyTorch" is the report's "torch")."""
    return {expr.format(b=nb): tuple(k.format(b=rep) if isinstance(k, str) else k for k in path)
            for nb, rep in (("scratchnet", "scratchnet"), ("PyTorch", "torch"))}


def _as_report(expr: str, depth: int = 1) -> str:
    """``expr`` (a dict) with its backend keys at ``depth`` renamed as the report names them ("PyTorch" → "torch"):
    depth 0 renames the dict's own keys, depth 1 those of each of its values."""
    rename = '("torch" if b == "PyTorch" else b)'
    if depth == 0:
        return f"{{{rename}: x for b, x in ({expr}).items()}}"
    return f"{{k: {{{rename}: x for b, x in v.items()}} for k, v in ({expr}).items()}}"


def _field_checks(experiment: str, key: str, quantity: str, exprs: dict[str, str], **flags) -> list[Check]:
    """Checks of a claim record's value fields: ``{field: notebook expression}``."""
    return [Check(f"{key} ({field})", expr, experiment, claim=quantity, field=field, **flags)
            for field, expr in exprs.items()]


_OPT = ("SGD", "SGD+Momentum", "Adam")
CHAPTER15 = [
    *_claims("ch15_perceptron_gates", {f"perceptron {g}": f"one neuron learns {g} (1 = all four outputs right)"
                                       for g in ("AND", "OR", "XOR")}),
    *_numbers("ch15_perceptron_gates", {**_both('gates["AND"]["out"]["{b}"].ravel()', ("numbers", "AND", "outputs", "{b}")),
                                        **_both('gates["XOR"]["accuracy"]["{b}"]', ("numbers", "XOR", "accuracy", "{b}"))}),
    *_claims("ch15_activations", {f"activation table {c}": f"{c} at z = −3, −1, 0, 1, 3"
                                  for c in ("Sigmoid", "Sigmoid'", "ReLU", "ReLU'", "Leaky ReLU", "Leaky'")}),
    *_claims("ch15_activations", {"sigmoid derivative at most 0.25": 'largest sigmoid derivative ("at most 0.25")',
                                  **{r: f"{r}: [min, max] of the output on z ∈ [−30, 30], 4 decimals"
                                     for r in ("Sigmoid output range (0, 1)", "Tanh output range (−1, 1)")},
                                  "ReLU output range [0, ∞)": "ReLU output range [0, ∞): min over z ∈ [−30, 30], and "
                                                              "ReLU(10⁶) (no upper bound)"}),
    *_numbers("ch15_activations", {**_both('computed["{b}"]["Sigmoid\'"]', ("numbers", "{b}", "Sigmoid'")),
                                   **_both('computed["{b}"]["Leaky\'"]', ("numbers", "{b}", "Leaky'"))}),
    *_claims("ch15_softmax", {"softmax": "softmax([2.0, 1.0, 0.1]).round(4)", "softmax sum": "sum of probabilities"}),
    *_numbers("ch15_softmax", _both('soft["{b}"]', ("numbers", "{b}", "softmax"))),
    *_claims("ch15_single_neuron", {"neuron z": 'weighted sum z (printed with f"{z}", i.e. repr)',
                                    **{f"neuron {a}({p})": f"{a}({p})" for p in ("2.3", "-2.0")
                                       for a in ("sigmoid", "relu", "tanh")}}),
    *_numbers("ch15_single_neuron", _both('z_neuron["{b}"]', ("numbers", "{b}", "z"))),
    *_claims("ch15_forward_2_3_1", {f"forward {q}": q for q in ("z1", "a1", "z2", "output", "z1 step by step (.4f)",
                                                                 "a1 step by step (.4f)")}),
    *_numbers("ch15_forward_2_3_1", {**_both('fwd["{b}"]["z1"]', ("numbers", "{b}", "z1")),
                                     **_both('fwd["{b}"]["output"]', ("numbers", "{b}", "output"))}),
    *_claims("ch15_backward_2_2_1", {f"backward {q}": q for q in (
        "z1", "a1", "z2", "a2", "loss (BCE)", "dz2", "dW2", "db2", "da1", "dz1", "dW1", "db1", "W2 after the step", "W1 after the step")}),
    *_numbers("ch15_backward_2_2_1", {**_both('bwd["{b}"]["dW1"]',
                                              ("numbers", "{b}", "dW1")),
                                      **_both('bwd["{b}"]["W1 after the step"]',
                                              ("numbers", "{b}", "W1 after the step")),
                                      **_both('bwd["{b}"]["loss (BCE)"]',
                                              ("numbers", "{b}", "loss (BCE)"))}),
    *_claims("ch15_xor", {"xor loss 0": "loss (MSE) at epoch 0", "xor loss 2000": "loss (MSE) at epoch 2000"}),
    *_claims("ch15_xor", {"xor loss 4000": "loss (MSE) at epoch 4000", "xor loss 6000": "loss (MSE) at epoch 6000",
                          "xor loss 8000": "loss (MSE) at epoch 8000", "xor rounded": "rounded predictions (XOR solved)",
                          **{f"xor prediction {i}": f"final prediction for input {x}"
                             for i, x in enumerate(([0, 0], [0, 1], [1, 0], [1, 1]))}}, full_only=True),
    *_numbers("ch15_xor", {**_both('[xor_curves["{b}"][e] for e in range(0, epochs_xor, 2000)]',
                                   ("numbers", "losses_every_2000", "{b}")),
                           **_both('xor_final["{b}"].ravel()',
                                   ("numbers", "final_predictions", "{b}"))}),
    *_claims("ch15_optimizers", {**{f"{o} final loss": f"{o}: final loss (after 20 steps)" for o in _OPT},
                                 **{f"{o} final params": f"{o}: final params (x, y)" for o in _OPT},
                                 **{f"{o} loss after step {k}": f"{o}: loss after step {k}" for o in _OPT
                                    for k in (1, 5, 10, 20)},
                                 "Adam defaults": "Adam's default (lr, beta1, beta2)"}),
    *_numbers("ch15_optimizers", {k: v for o in _OPT
                                  for k, v in _both(f'losses["{{b}}"]["{o}"]', ("numbers", "losses", "{b}", o)).items()}),
    *_numbers("check_lecture_code", {f'report_summary(code_checks["{k}"])': ("numbers", k) for k in (
        "ch15_mse", "ch15_half_mse", "ch15_momentum", "ch15_momentum_schedule", "ch15_adam")}),
    *_claims("ch15_mistake_deep_sigmoid", {
        "deep sigmoid slope product": "sigmoid' bound over 10 layers: 0.25^10 (printed 0.000001)",
        "deep relu flows": "ReLU net: 'gradients flow through without vanishing' — ‖dW1‖/‖dW9‖ within a factor of "
                           "10 (1 = yes)",
        "deep sigmoid vanishes": "sigmoid net: 'early layers receive negligible gradients' — ‖dW1‖/‖dW9‖ below "
                                 "0.25^10 ≈ 1e-6 (1 = yes)"}),
    *_numbers("ch15_mistake_deep_sigmoid", {
        **_both('layer_grads["sigmoid"]["{b}"]', ("numbers", "layer_gradients", "{b}", "sigmoid")),
        **_both('layer_grads["relu"]["{b}"]', ("numbers", "layer_gradients", "{b}", "relu")),
        **_both('product["{b}"]', ("numbers", "sigmoid_slope_product", "{b}"))}),
    *_claims("ch15_mistake_unscaled_inputs", {
        "unscaled: saturating sigmoid/tanh: most units saturated raw, fewer scaled":
            "'Large input values cause large weighted sums, saturating sigmoid/tanh': more than half of the tanh "
            "units saturated (|tanh z| > 0.99) with raw inputs, fewer with scaled (1 = yes)",
        "unscaled: creating exploding gradients: a larger first-layer gradient raw":
            "'… and creating exploding gradients': the first layer's gradient larger with raw inputs than with "
            "scaled ones (largest ‖dJ/dW1[:, f]‖) (1 = yes)"}),
    *[Check("verdict: unscaled: scaled inputs train better", 'AUDIT["unscaled: scaled inputs train better: a lower final loss"]',
            "ch15_mistake_unscaled_inputs", claim=f"scaled inputs train better: loss after {epochs} epochs lower than with "
            "raw inputs (1 = yes)", full_only=epochs == 300, quick_only=epochs == 40) for epochs in (40, 300)],
    *_numbers("ch15_mistake_unscaled_inputs", {
        **_both('scaling["raw"]["loss"]["{b}"]', ("numbers", "stats", "raw", "final_loss", "{b}")),
        **_both('scaling["StandardScaler"]["loss"]["{b}"]', ("numbers", "stats", "StandardScaler", "final_loss", "{b}")),
        **_both('scaling["raw"]["saturated"]["{b}"]', ("numbers", "stats", "raw", "saturated", "{b}"))}),
    *_claims("ch15_mistake_softmax_reading", {"softmax reading probs.round(3)": "Softmax output: probs.round(3)",
                                              "softmax reading sum": "Sum (.3f)",
                                              "softmax reading predicted class": "Predicted class (argmax)",
                                              "softmax reading its probability": "probability of the predicted class"}),
    *_claims("ch15_mistake_mse_vs_ce", {
        "mse small gradient": "'MSE would give a small gradient' at ŷ = 0.01, y = 1 (sigmoid output): MSE's |dℓ/dz| "
                              "at most a tenth of cross-entropy's (1 = yes)",
        "mse slow": "'This makes training extremely slow': a sigmoid neuron started confidently wrong (w = −4) needs "
                    "more epochs to 95 % training accuracy with MSE than with cross-entropy (1 = yes)"}),
    *_numbers("ch15_mistake_mse_vs_ce", {**_both('to_95["MSELoss"]["{b}"]', ("numbers", "epochs_to_95", "mse", "{b}")),
                                         **_both('to_95["BCELoss"]["{b}"]', ("numbers", "epochs_to_95", "bce", "{b}"))}),
]

_LIN_DW = "d(MSE)/dw = −(2/m) x Σ (y_i − ŷ_i)  (x outside the sum, read as x̄) [{}]"
_LOG = "A(1 − A) {}Σ_k [y_k/ŷ_k − (1 − y_k)/(1 − ŷ_k)]  ({})"
ICDSS = [
    *_numbers("icdss_linear_regression", {
        **_both('linreg["one feature (size)"]["gd"]["{b}"]', ("numbers", "one feature (size)", "gd", "{b}")),
        **_both('linreg["four features"]["gd"]["{b}"]', ("numbers", "four features", "gd", "{b}")),
        'linreg["four features"]["lstsq"]': ("numbers", "four features", "lstsq"),
        'linreg["one feature (size)"]["sklearn"]': ("numbers", "one feature (size)", "sklearn")}),
    *_claims("icdss_gradient_formulas", {
        "dJ/dw [linear, 1 feature, m = 6]": _LIN_DW.format("linear, 1 feature, m = 6"),
        "dJ/dw [linear, 1 feature, m = 1]": _LIN_DW.format("linear, 1 feature, m = 1"),
        "dJ/db [linear, 1 feature, m = 6]": "d(MSE)/db = −(2/m) Σ (y_i − ŷ_i) [linear, 1 feature, m = 6]",
        "dJ/db [linear, 1 feature, m = 1]": "d(MSE)/db = −(2/m) Σ (y_i − ŷ_i) [linear, 1 feature, m = 1]",
        "dJ/dw [linear, 3 features, m = 6]": "d(MSE)/dw_i = −(2/m) x_i Σ_k (y_k − ŷ_k)  (x_i outside the sum, read "
                                             "as feature i's mean) [linear, 3 features, m = 6]",
        "dJ/db [linear, 3 features, m = 6]": "d(MSE)/db = −(2/m) Σ_k (y_k − ŷ_k) [linear, 3 features, m = 6]",
        **{f"dJ/dw [logistic, 3 features, m = {n}]": f"dJ/dw_i = −(1/m) {_LOG.format('x_i ', 'A, x_i read as means')} "
                                                     f"[logistic, 3 features, m = {n}]" for n in (6, 1)},
        **{f"dJ/db [logistic, 3 features, m = {n}]": f"dJ/db = −(1/m) {_LOG.format('', 'A read as its mean')} "
                                                     f"[logistic, 3 features, m = {n}]" for n in (6, 1)},
        "dA/dZ = A(1 − A)": "dA/dZ = A(1 − A) [logistic, 3 features, m = 6]",
        "the logistic update's d(MSE)/db": "the logistic update 'b → b − α d(MSE)/db' (and the summary's "
                                           "'d(MSE)/db = …'): d(MSE)/db of the sigmoid neuron vs the dJ/db the update "
                                           "needs [logistic, 3 features, m = 6]",
        "definition: Sigmoid": "definition: g(Z) = 1 / (1 + e^(−Z))",
        "definition: Tanh": "definition: g(Z) = tanh(Z) = (e^Z − e^(−Z)) / (e^Z + e^(−Z))",
        "definition: ReLU": "definition: ReLU: g(Z) = Z if Z ≥ 0, 0 if Z < 0",
        "definition: Leaky ReLU": "definition: Leaky ReLU: g(Z) = Z if Z ≥ 0, βZ if Z < 0 (β = 0.01)"}),
    *_numbers("icdss_gradient_formulas", {
        k: v for case in ("linear, 1 feature, m = 6", "linear, 3 features, m = 6", "logistic, 3 features, m = 6")
        for k, v in {**_both(f'true["{case}"]["{{b}}"]["dJ/dw"]', ("numbers", "cases", case, "{b}", "dJ/dw")),
                     **_both(f'true["{case}"]["{{b}}"]["dJ/db"]', ("numbers", "cases", case, "{b}", "dJ/db")),
                     **_both(f'true["{case}"]["{{b}}"]["dJ/dŷ"]', ("numbers", "cases", case, "{b}", "dJ/dy_hat")),
                     **_both(f'true["{case}"]["{{b}}"]["J"]', ("numbers", "cases", case, "{b}", "J"))}.items()}),
    *_claims("icdss_gradient_formulas", {
        "d(MSE)/dŷ, summed [linear, m = 6]": "d(MSE)/dŷ = −(2/m) Σ (y_i − ŷ_i)  (one number for all examples) "
                                             "[linear, 1 feature, m = 6]",
        "dJ/dŷ_i, per example [logistic, m = 6]": "dJ/dŷ_i = −(1/m) [y_i/ŷ_i − (1 − y_i)/(1 − ŷ_i)]  (from d L(y_i, ŷ_i)/dŷ) "
                                                  "[logistic, 3 features, m = 6]",
        "dJ/dŷ, summed [logistic, m = 6]": "dJ/dŷ = −(1/m) Σ_i [y_i/ŷ_i − (1 − y_i)/(1 − ŷ_i)]  (one number for all "
                                           "examples) [logistic, 3 features, m = 6]",
        "'dZ/dŷ = 1; dŷ/dw = x; dŷ/db = 1' (the values)": "'dZ/dŷ = 1; dŷ/dw = x; dŷ/db = 1' — the fractions upside down: "
                                                         "the chain rule needs [dŷ/dZ, dZ/dw, dZ/db] (m = 1)",
        "dŷ/dA = 1": "dŷ/dA = 1 (ŷ = A: the prediction is the activation) [logistic, 3 features, m = 6]",
        "definition: MSE": "definition: MSE = (1/m) Σ (y_i − ŷ_i)²",
        "definition: J (cross-entropy)": "definition: J = −(1/m) Σ [y_i log ŷ_i + (1 − y_i) log(1 − ŷ_i)]"}),
    *_field_checks("icdss_gradient_formulas", "the slide's summed d(MSE)/dŷ",
                   "d(MSE)/dŷ = −(2/m) Σ (y_i − ŷ_i)  (one number for all examples) [linear, 1 feature, m = 6]",
                   {"claimed": "summed_lin"}),
    *_field_checks("icdss_gradient_formulas", "the slides' MSE", "definition: MSE = (1/m) Σ (y_i − ŷ_i)²",
                   {"claimed": "mse_def"}),
    *_field_checks("icdss_gradient_formulas", "the slides' J",
                   "definition: J = −(1/m) Σ [y_i log ŷ_i + (1 − y_i) log(1 − ŷ_i)]", {"claimed": "J_def"}),
    *_numbers("icdss_logistic_regression", {**_both('log_params["{b}"]', ("numbers", "params", "{b}")),
                                            **_both('log_curves["{b}"][-1]', ("numbers", "final_loss", "{b}")),
                                            **_both('log_acc["{b}"]', ("numbers", "accuracy", "{b}")),
                                            "sk_params": ("numbers", "sklearn")}),
    *_claims("icdss_general_network", {
        "A_j[1] = g(W_j[1]ᵀ X + b_j)": "A_j[1] = g[1](W_j[1]ᵀ X + b_j[1]), j = 1…4 (g = tanh, 6 examples)",
        "A_j[2] = g(W_j[2]ᵀ A_j[1] + b_j)": "A_j[2] = g[2](W_j[2]ᵀ A_j[1] + b_j[2]): neuron j of layer 2 fed only "
                                            "A_j[1] (through w_jj), 6 examples",
        "ŷ = g(W[3]ᵀ A[2] + b[3])": "ŷ = g[3](W[3]ᵀ A[2] + b[3]) (g = sigmoid, 6 examples)",
        "dL/dW1 by the chain rule": "dL/dW1 = dL/da2 · da2/dz2 · dz2/da1 · da1/dz1 · dz1/dW1 (3 → 4 → 1 sigmoid "
                                    "network, cross-entropy, one example)"}),
    *_numbers("icdss_general_network", {"by_hand": ("numbers", "dW1_chain_rule"),
                                        **_both('test_acc["relu"]["{b}"]', ("numbers", "test_accuracy", "relu", "{b}")),
                                        **_both('test_acc["leaky_relu"]["{b}"]',
                                                ("numbers", "test_accuracy", "leaky_relu", "{b}"))}),
]

_MOMENTUM = ("v_t = β v_(t−1) + (1 − β) ∇J, W := W − α v_t (α = 0.1, β = 0.9): cost at steps {}, the formula by hand "
             "vs optim.SGD(lr=α(1−β), momentum=β)")
_ZEROS = "zeros: cost after {} iterations stays ln 2 (nothing learns: symmetry never broken)"
CS229 = [
    *_claims("cs229_parameter_counts", {
        "logistic regression parameters": "logistic regression parameters for a 64×64×3 image (12,288 weights + 1 bias)",
        "three output neurons": "parameters of three sigmoid output neurons (3 × 12,289)",
        "softmax sums to 1": "softmax outputs sum to 1 (multi-class constraint), logits (3, 2.5, −1)",
        "'multi-class (sigmoid)' sums to 1": "'Multi-class (sigmoid)': sigmoid outputs would need to sum to 1, logits "
                                             "(3, 2.5, −1)",
        **{f"3n + 14 at n = {n}": f"total parameters 3n + 14 at n = {n}" for n in (2, 12288)}}),
    *_claims("cs229_parameter_counts", {f"3n + 14 at n = {n}": f"total parameters 3n + 14 at n = {n}" for n in (1, 64)},
             full_only=True),
    *_claims("cs229_activations", {
        **{f"{n} derivative": f"the lecture's {n} derivative formula vs backprop/autograd at z = "
                              "[-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0]" for n in ("Sigmoid", "Tanh", "ReLU", "Leaky ReLU")},
        "σ'(z) peak, at z = 0": "peak of σ'(z) = σ(1−σ), at z = 0", "tanh(0)": "tanh zero-centered: tanh(0)",
        "min ReLU'(z) over z > 0": "ReLU 'no vanishing gradient for z > 0': min ReLU'(z) over z > 0",
        "max ReLU'(z) over z < 0": "ReLU 'dead neurons for z < 0': max ReLU'(z) over z < 0",
        "LeakyReLU'(z) for z < 0": "Leaky ReLU 'fixes dying ReLU': LeakyReLU'(z) for z < 0 (α = 0.01)"}),
    *_claims("cs229_xor", {"XOR predictions": "predictions on the four XOR inputs after training (the lecture prints "
                                              "them; no output is shown, the code asserts it learns XOR's truth table)"}),
    *_numbers("cs229_xor", _both('xor_costs["{b}"][-1]', ("numbers", "final_cost", "{b}"))),
    *_numbers("cs229_circles", {**_both('circle_costs["{b}"][-1]', ("numbers", "final_cost", "{b}")),
                                **_both('circle_acc["{b}"]', ("numbers", "accuracy_all_points", "{b}"))}),
    *_claims("cs229_digits_binary", {"1797 samples": "number of samples in load_digits",
                                     "64 pixels": "pixels per image (8x8)"}),
    *_numbers("cs229_digits_binary", {**_both('digit_costs["{b}"][-1]', ("numbers", "final_cost", "{b}")),
                                      **_both('digit_acc["{b}"]["train"]', ("numbers", "train_accuracy", "{b}")),
                                      **_both('digit_acc["{b}"]["test"]', ("numbers", "test_accuracy", "{b}"))}),
    *_claims("cs229_initialization", {"zeros: cost stays ln 2": _ZEROS.format(100)}, quick_only=True),
    *_claims("cs229_initialization", {"zeros: cost stays ln 2": _ZEROS.format(1000)}, full_only=True),
    *_numbers("cs229_initialization", {
        k: v for m in ("zeros", "small", "large", "xavier", "he")
        for k, v in _both(f'init_costs["{m}"]["{{b}}"][-1]', ("numbers", "final_cost", m, "lecture draw", "{b}")).items()}),
    *_claims("cs229_gradient_check", {f"gradient check {n}": f"gradient_check verdict for {n} (1 = '✓ PASS': "
                                                              "difference < 1e-5)" for n in ("W1", "b1", "W2", "b2")}),
    *_numbers("cs229_hidden_weights", _both('vis_test_acc["{b}"]', ("numbers", "test_accuracy", "{b}"))),
    *_claims("cs229_ex03_momentum", {"momentum": _MOMENTUM.format([1, 10, 40, 79])}, quick_only=True),
    *_claims("cs229_ex03_momentum", {"momentum": _MOMENTUM.format([1, 10, 300, 599])}, full_only=True),
    Check("momentum by hand (quick)", "np.array(by_hand)[at]", "cs229_ex03_momentum",
          claim=_MOMENTUM.format([1, 10, 40, 79]), field="claimed", quick_only=True),
    Check("momentum by hand (full)", "np.array(by_hand)[at]", "cs229_ex03_momentum",
          claim=_MOMENTUM.format([1, 10, 300, 599]), field="claimed", full_only=True),
    *_claims("cs229_ex09_multiclass", {"softmax sums to 1 on every test image": "softmax outputs sum to 1 on every "
                                       "test image (max |Σ_k p_k − 1|, 0 at 12 decimals)"}),
    *_numbers("cs229_ex09_multiclass", {**_both('acc10["{b}"]', ("numbers", "test_accuracy", "{b}")),
                                        **_both('cm10["{b}"]', ("numbers", "confusion_matrix", "{b}"))}),
    # 6.1-6.4: counts, shapes, broadcasting, the independent neurons
    *_claims("cs229_parameter_counts", {
        "numbers in a 64×64 RGB image": "numbers in a 64×64 RGB image",
        **{f"per-layer [3n+3, 8, 3] at n = {n}": f"per-layer parameters [3n+3, 8, 3] at n = {n}" for n in (2, 12288)},
        "edges + neurons at n = 12288": "edges + neurons = 36872 + 6 for the n = 12288 network",
        **{f"shapes of Z[1], Z[2], Z[3] for m = {m}": f"shapes of Z[1], Z[2], Z[3] (units × examples) for m = {m}"
           for m in (1, 5)},
        "layer 1 holds most, n = 12288": "n → 3 → 2 → 1 with the image's n = 12288: layer 1 holds most (> 1/2) of the "
                                         "parameters (1 = yes)",
        "layer 1 holds most, the notebook's networks": "the notebook's NeuralNetwork models (XOR 2-4-1, circles 2-8-1, "
                                                       "digits 64-32-1, hidden-layer images 64-16-1): layer 1 holds most "
                                                       "of the parameters in each (1 = yes)",
        "Z = W X + b broadcasts b": "Z = W X + b equals W X + [b, b, …, b] (b repeated m times), m = 6"}),
    *_claims("cs229_parameter_counts", {f"per-layer [3n+3, 8, 3] at n = {n}": f"per-layer parameters [3n+3, 8, 3] at n = {n}"
                                        for n in (1, 64)}, full_only=True),
    *[c for steps, flag in ((5, "quick_only"), (50, "full_only")) for c in _claims("cs229_parameter_counts", {
        "three neurons trained together = apart": f"three sigmoid neurons trained together vs apart ({steps} GD steps, "
                                                  "12,288 inputs): max relative weight difference (0 at 10 decimals)"},
        **{flag: True})],
    *_claims("cs229_activations", {
        "sigmoid range (0, 1)": "sigmoid range (0, 1): [min, max] of σ(z) on z ∈ [−30, 30], 4 decimals",
        "tanh range (−1, 1)": "tanh range (−1, 1): [min, max] of tanh(z) on z ∈ [−30, 30], 4 decimals",
        "LeakyReLU(z) = max(0.01z, z) at z = −3 … 3": "LeakyReLU(z) = max(0.01z, z) at z = [-3.0, -1.0, -0.5, 0.0, 0.5, "
                                                       "1.0, 3.0]"}),
    # 6.5-6.6: the lecture's backward formulas, the chain rule, the initializations' names
    *_claims("cs229_gradient_check", {
        "cost J formula": "cost J = −(1/m) Σ [y log ŷ + (1 − y) log(1 − ŷ)]",
        **{f"d{n} from the lecture's backward": f"d{n} from the lecture's backward formulas" for n in ("W1", "b1", "W2", "b2")},
        "∂J/∂W[3] by the chain rule": "∂J/∂W[3] = ∂J/∂A[3] · ∂A[3]/∂Z[3] · ∂Z[3]/∂W[3]",
        "∂J/∂W[2] by the chain rule": "∂J/∂W[2] by the lecture's chain-rule decomposition, reusing ∂J/∂Z[3]",
        "∂J/∂W[1] by the chain rule": "∂J/∂W[1] by the lecture's chain-rule decomposition, reusing ∂J/∂Z[2]",
        "gradcheck: every entry of the digits net": "central differences agree with backprop on every entry of the digits "
                                                    "net (1 = scratchnet.gradcheck / torch.autograd.gradcheck pass)"}),
    *_field_checks("cs229_gradient_check", "the lecture's J", "cost J = −(1/m) Σ [y log ŷ + (1 − y) log(1 − ŷ)]",
                   {"claimed": "cost_lecture", "scratchnet": 'got["scratchnet"][0]', "torch": 'got["PyTorch"][0]'}),
    *[c for n in ("W1", "b1", "W2", "b2") for c in _field_checks(
        "cs229_gradient_check", f"the lecture's d{n}", f"d{n} from the lecture's backward formulas",
        {"claimed": f'grads_lecture["{n}"]'})],
    *[c for l, q in ((3, "∂J/∂W[3] = ∂J/∂A[3] · ∂A[3]/∂Z[3] · ∂Z[3]/∂W[3]"),
                     (2, "∂J/∂W[2] by the lecture's chain-rule decomposition, reusing ∂J/∂Z[3]"),
                     (1, "∂J/∂W[1] by the lecture's chain-rule decomposition, reusing ∂J/∂Z[2]"))
      for c in _field_checks("cs229_gradient_check", f"∂J/∂W[{l}] by hand", q, {"claimed": f"chain[{l}]"})],
    *_claims("cs229_initialization", {
        "'xavier' is Glorot's (std 0.45)": "std of W1 (8×2) under the name 'xavier' — Glorot's √(2/(n_in+n_out)) = 0.45",
        "the class's 'Xavier' is Glorot's (std 0.58)": "std of W1 (hidden×2) under the comment 'Xavier' — Glorot's "
                                                       "√(2/(n_in+n_out)) for the XOR net's 4×2 W1 = 0.58",
        "'he' is √(2/n_in) (std 1.00)": "std of W1 (8×2) for 'he': √(2/n_in)"}),
    *_field_checks("cs229_initialization", "std under 'xavier'",
                   "std of W1 (8×2) under the name 'xavier' — Glorot's √(2/(n_in+n_out)) = 0.45",
                   {"scratchnet": 'lecun["scratchnet"]', "torch": 'lecun["PyTorch"]'}),
    *_field_checks("cs229_initialization", "std under 'he'", "std of W1 (8×2) for 'he': √(2/n_in)",
                   {"scratchnet": 'he_std["scratchnet"]', "torch": 'he_std["PyTorch"]'}),
    # Summary §7: architecture search and GridSearchCV
    *_numbers("cs229_architecture_search", {
        _as_report("pick", 0): ("numbers", "pick"),
        _as_report('{k: r["validation"] for k, r in search.items()}'): ("numbers", "validation_accuracy"),
        _as_report('{b: search[pick[b]]["test"][b] for b in pick}', 0): ("numbers", "test_accuracy_of_pick")}),
    *_numbers("cs229_grid_search", {'grid_scores["scratchnet"]["best"]': ("numbers", "pick"),
                                    _as_report("grid_scores", 0): ("numbers", "grid"),
                                    _as_report("compared", 0): ("numbers", "comparison")}),
    # the practice exercises
    *_numbers("cs229_ex01_activation_comparison", {
        _as_report('{a: {b: x[-1] for b, x in c.items()} for a, c in act_costs.items()}'): ("numbers", "final_cost"),
        _as_report("act_acc"): ("numbers", "accuracy")}),
    *_numbers("cs229_ex02_deeper_network", {
        _as_report('{k: a["test"] for k, a in depth_acc.items()}'): ("numbers", "test_accuracy"),
        _as_report('{k: a["train"] for k, a in depth_acc.items()}'): ("numbers", "train_accuracy")}),
    *_numbers("cs229_ex04_minibatch", {
        "mb_updates": ("numbers", "updates"), _as_report("mb_acc"): ("numbers", "accuracy"),
        _as_report('{k: {b: x[-1] for b, x in c.items()} for k, c in mb_costs.items()}'): ("numbers", "last_epoch_cost")}),
    *_claims("cs229_ex05_batchnorm", {
        "BatchNorm1d lifts ‖dW1‖/‖dW10‖ by ≥ 100×": "'verify it helps with vanishing gradients': BatchNorm1d lifts "
                                                    "‖dW[1]‖/‖dW[10]‖ at init by at least 100× in the 10-layer sigmoid "
                                                    "net (1 = yes)"}),
    *[c for steps, flag in ((3, "quick_only"), (60, "full_only")) for c in _claims("cs229_ex05_batchnorm", {
        "… and the net learns more (higher test accuracy)": f"… and the net learns more: test accuracy after {steps} "
                                                            "full-batch steps higher with BatchNorm1d (1 = yes)"},
        **{flag: True})],
    *_numbers("cs229_ex05_batchnorm", {
        _as_report("bn_ratio"): ("numbers", "first_over_last"), _as_report("bn_acc"): ("numbers", "test_accuracy"),
        _as_report('{k: {b: x[0] for b, x in n.items()} for k, n in bn_norms.items()}'): ("numbers", "norms_at_init")}),
    *_claims("cs229_ex06_vanishing_gradients", {
        "10-layer sigmoid: ‖dW1‖ ≥ 100× below ‖dW10‖": "10-layer sigmoid net: ‖dW[1]‖ is at least 100× below ‖dW[10]‖ at "
                                                       "init (1 = yes)"}),
    *_numbers("cs229_ex06_vanishing_gradients", {
        _as_report('{k: {b: x[0] for b, x in n.items()} for k, n in deep_norms.items()}'): ("numbers", "norms_at_init"),
        _as_report("deep_ratio"): ("numbers", "first_over_last"), _as_report("deep_acc"): ("numbers", "test_accuracy"),
        _as_report('{k: {b: x[-1] for b, x in c.items()} for k, c in deep_costs.items()}'): ("numbers", "final_cost")}),
    *_numbers("cs229_ex07_dropout", {
        _as_report('{k: a["test"] for k, a in drop_acc.items()}'): ("numbers", "test_accuracy"),
        _as_report('{k: a["train"] for k, a in drop_acc.items()}'): ("numbers", "train_accuracy")}),
    *[c for at, flag in (([0, 1, 10, 30, 59], "quick_only"), ([0, 1, 10, 200, 399], "full_only"))
      for q in [f"α_t = α₀ e^(−kt) (α₀ = 0.5, k = 0.002) at t = {at}: the formula vs ExponentialLR(gamma=e^(−k))'s rate"]
      for c in [*_claims("cs229_ex08_lr_decay", {"α_t = α₀ e^(−kt) is ExponentialLR(gamma=e^(−k))": q}, **{flag: True}),
                *_field_checks("cs229_ex08_lr_decay", "ExponentialLR's rates", q,
                               {"scratchnet": 'rates["scratchnet"]', "torch": 'rates["PyTorch"]'}, **{flag: True})]],
    *_numbers("cs229_ex08_lr_decay", {
        _as_report('{k: {b: h.step_loss[-1] for b, h in hs.items()} for k, hs in decay.items()}'): ("numbers", "final_cost")}),
    *_numbers("check_lecture_code", {f'report_summary(lecture_checks["{k}"])': ("numbers", k)
                                     for k in ("cs229_xor", "cs229_drawn", "cs229_trained")}),
    *_numbers("cs229_ex10_tsne", {"len(y_map)": ("numbers", "n_points"),
                                  '{k.replace("(PyTorch)", "(torch)"): v for k, v in tsne_scores.items()}': ("numbers", "scores")}),
]

#: The checks, per notebook.
CHECKS: dict[str, list[Check]] = {"cs229_lecture11": CS229, "icdss_lecture4": ICDSS, "chapter15_neural_networks": CHAPTER15}


def experiments_of(notebook: str, quick: bool = False) -> list[str]:
    """The experiments whose result.json the notebook is checked against."""
    return sorted({c.experiment for c in checks_for(notebook, quick)})


def checks_for(notebook: str, quick: bool) -> list[Check]:
    """The checks that apply to a run of ``notebook`` in that mode."""
    return [c for c in CHECKS[notebook] if _applies(c, quick)]


def _applies(check: Check, quick: bool) -> bool:
    return not (check.full_only and quick or check.quick_only and not quick)


def expected_value(result: dict, check: Check):
    """The number ``check`` points at in an experiment's ``result.json``."""
    if check.claim is not None:
        hits = [c for c in result["claims"] if c["quantity"] == check.claim]
        if len(hits) != 1:
            raise KeyError(f"{len(hits)} claim records with quantity {check.claim!r} in {check.experiment}")
        value = hits[0][check.field]
        return _verdict(value) if check.field == "verdict" else value
    value = result
    for key in check.path:
        value = value[key]
    return value


def same(expected, got, rtol: float = RTOL) -> bool:
    """Whether a notebook value equals the experiment's: exactly for strings,
    booleans and ``None``; floats (and lists of them) to ``rtol`` relative to
    the largest magnitude, NaN equal to NaN."""
    if isinstance(expected, (str, bool)) or expected is None or isinstance(got, (str, bool)) or got is None:
        return (_verdict(expected) if isinstance(expected, str) else expected) == (
            _verdict(got) if isinstance(got, str) else got)
    if isinstance(expected, dict) or isinstance(got, dict):
        return (isinstance(expected, dict) and isinstance(got, dict) and expected.keys() == got.keys()
                and all(same(expected[k], got[k], rtol) for k in expected))
    try:
        e, g = np.asarray(expected, dtype=float), np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return expected == got
    if e.shape != g.shape:
        return False
    if not (np.all(np.isfinite(e)) and np.all(np.isfinite(g))):
        return bool(np.array_equal(e, g, equal_nan=True))
    scale = max(float(np.max(np.abs(e), initial=0.0)), float(np.max(np.abs(g), initial=0.0)))
    return bool(np.max(np.abs(e - g), initial=0.0) <= rtol * scale)


def compare(notebook: str, values: dict, results: pathlib.Path, quick: bool) -> list[str]:
    """Every check of ``notebook`` whose notebook value (``values`` from the
    probe) differs from ``results/<experiment>/result.json``, described."""
    problems, cache = [], {}
    for check in checks_for(notebook, quick):
        if check.experiment not in cache:
            path = pathlib.Path(results) / check.experiment / "result.json"
            cache[check.experiment] = json.loads(path.read_text())
            if cache[check.experiment]["quick"] != quick:
                problems.append(f"{path} is from a {'quick' if not quick else 'full'} run; the notebook ran "
                                f"{'quick' if quick else 'full'}: not comparable")
        result = cache[check.experiment]
        got = values.get(check.key, {"error": "not probed"})
        if "error" in got:
            problems.append(f"{check.key}: the notebook has no value ({got['error']})")
            continue
        try:
            expected = expected_value(result, check)
        except (KeyError, IndexError, TypeError) as exc:
            problems.append(f"{check.key}: not in {check.experiment}/result.json ({type(exc).__name__}: {exc})")
            continue
        if not same(expected, got["value"]):
            problems.append(f"{check.key}: the notebook shows {_short(got['value'])}, "
                            f"{check.experiment}/result.json has {_short(expected)}")
    return problems


def _short(value) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 200 else text[:200] + "…"
