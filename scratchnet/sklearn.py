"""scikit-learn estimators on scratchnet: :class:`MLPClassifier` and :class:`MLPRegressor`.

    >>> from sklearn.datasets import load_digits
    >>> from scratchnet.sklearn import MLPClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = MLPClassifier(hidden_layer_sizes=(32,), max_iter=30, random_state=0).fit(X / 16, y)
    >>> clf.score(X / 16, y) > 0.95
    True

They follow scikit-learn's conventions (``fit``, ``partial_fit``, ``predict``,
``predict_proba``, ``score``, ``get_params``/``set_params``, fitted attributes
ending in ``_``) and take the parameters of
``sklearn.neural_network.MLPClassifier`` / ``MLPRegressor``, so they drop into
``Pipeline``, ``GridSearchCV``, ``cross_val_score`` and ``clone``, pass
scikit-learn's own estimator checks (``tests/test_sklearn_estimators.py``) and
scikit-learn's own test file for its MLP, ``test_mlp.py``, except four tests
that use its private internals (``tests/test_sklearn_test_mlp.py``).

This is the only scratchnet module that imports scikit-learn (and SciPy, for
L-BFGS and sparse input, as its backend ``scratchnet._sklearn_backend`` does
for sparse input); ``import scratchnet`` loads neither.
``torch_ref.sklearn`` has the twins with the same names and parameters,
trained by ``torch.optim`` with autograd: given the same ``random_state`` both
start from the same weights and see the same batches, so their loss curves,
weights and predictions agree (float64: ~1e-14 relative measured after 30
epochs, held to 1e-10; ``parity_tests/test_sklearn_parity.py``).

The network and its objective
-----------------------------
The network is :func:`scratchnet.models.mlp` with sizes
``[n_features, *hidden_layer_sizes, n_outputs]`` and no output activation (its
outputs are logits Z[L]). Training minimises, on a batch of m examples with
sample weights s_i (all 1 by default),

    J = Σ_i s_i ℓ_i / Σ_i s_i  +  α/(2 Σ_i s_i) · Σ_l ‖W[l]‖²_F       (α = ``alpha``; biases not penalised)

— scikit-learn's (≥ 1.7) weighted mean and L2 term; with no weights, the mean
loss over the batch plus α/(2m)·Σ‖W‖². ℓ_i is the example's loss from
PyTorch's losses (``scratchnet.nn``, ``reduction='none'``) over its outputs:
summed over them, as scikit-learn sums its log-losses and Poisson deviances,
except for squared error, which ``MSELoss`` averages over them:

================  =========  ==========================================  ==================
problem           outputs    ℓ_i                                         prediction
================  =========  ==========================================  ==================
multi-class       K logits   ``CrossEntropyLoss``                        softmax(Z[L])
binary            1 logit    ``BCEWithLogitsLoss``                       σ(Z[L])
multi-label       K logits   Σ_k ``BCEWithLogitsLoss`` (each label)      σ(Z[L]) per label
regression        K values   mean_k (ŷ_k − y_k)²  (``MSELoss``)          Z[L]
Poisson           K values   Σ_k e^z_k − y_k·z_k  (``PoissonNLLLoss``)   e^Z[L]
================  =========  ==========================================  ==================

The weights are scikit-learn's ``coefs_`` and ``intercepts_`` up to a
transpose: ``coefs_[l-1]`` = W[l]ᵀ has shape (n[l-1], n[l]) (fan_in, fan_out),
as scikit-learn writes A[l] = g(A[l-1] @ coefs_[l-1] + intercepts_[l-1]);
``model_[2(l-1)].weight`` = W[l] has PyTorch's (out, in) shape, as in
Z[l] = A[l-1] W[l]ᵀ + b[l]. Both attributes are copies (read-only views of
the network); to change the weights, load a ``state_dict`` into ``model_``.

Backpropagation is explicit: dJ/dℓ_ik = s_i/(K Σ s) (K = the outputs for
squared error, else 1) goes into the loss's ``backward``, the chain rule runs
through the layers, and the penalty's gradient α/Σs · W[l] is added to each
``W[l].grad`` by hand (``ScratchnetBackend.objective``: the network's
operations live in ``scratchnet/_sklearn_backend.py``, which
``torch_ref.sklearn.TorchBackend`` mirrors in torch; this file holds the
estimators).

The solvers
-----------
* ``'sgd'`` and ``'adam'``: mini-batches of ``batch_size`` (``'auto'`` =
  min(200, n)), reshuffled every epoch; after each batch a ``scratchnet.optim``
  optimizer steps (``SGD`` or ``Adam``). ``max_iter`` counts epochs.
* ``'lbfgs'``: SciPy's L-BFGS-B (``scipy.optimize.minimize(method="L-BFGS-B")``)
  on J over the whole training set, all parameters flattened into one vector θ
  in scikit-learn's order (every ``coefs_[l]`` row by row, then every
  ``intercepts_[l]``), each evaluation of (J, ∇J) being one forward and one
  backward pass; ``max_iter`` bounds its iterations, ``max_fun`` its
  evaluations, and ``tol`` is its ``gtol`` (it stops once every entry of the
  gradient is within tol of 0). It has no batches, epochs, learning rate or
  early stopping, so there is no ``loss_curve_``, ``best_loss_`` or
  ``partial_fit``. Stopping at ``max_iter`` or ``max_fun`` warns, as
  scikit-learn does, with a ``ConvergenceWarning``.

Input
-----
* **Sparse X** (``scipy.sparse`` CSR or CSC; other formats are converted to
  CSR) in ``fit``, ``partial_fit`` and ``predict``: the first layer's product
  is taken as sparse × dense, Z[1] = X W[1]ᵀ + b[1] and dW[1] = (Xᵀ dZ[1])ᵀ,
  so X is never densified (``ScratchnetBackend.forward``).
* **dtype**: as scikit-learn, float32 X trains float32 weights and predicts in
  float32; any other X (float64, integers) trains in float64. ``dtype=``
  ('float32' or 'float64'; default ``None``, follow X) fixes the network's
  precision instead, whatever X holds — to train float64 data in float32, or
  to keep the float64 reference on float32 data. A later ``partial_fit`` or
  warm start keeps the network's dtype and converts X to it.
* ``sample_weight`` (``fit``, ``partial_fit``): non-negative, not all zero;
  the early-stopping split takes the weights with it and the validation score
  is weighted. A mini-batch whose weights are all zero holds nothing to learn
  and is skipped (scikit-learn would divide by zero).

Divergence
----------
When an epoch's loss is not finite, training stops there (more epochs cannot
bring NaN weights back). With ``early_stopping=True`` that epoch's validation
score is NaN, the best validation epoch's weights are restored and a
``ConvergenceWarning`` says so; otherwise ``fit`` raises scikit-learn's
``ValueError`` ("Solver produced non-finite parameter weights...") with the
epoch and a hint. scikit-learn instead runs on to ``max_iter`` with NaN
weights, then does the same.

Where these estimators differ from scikit-learn's MLP
-----------------------------------------------------
* **Initialization**: PyTorch's ``nn.Linear`` rule, W, b ~ U(−1/√fan_in, 1/√fan_in),
  drawn from a NumPy generator seeded by ``random_state``; scikit-learn uses
  Glorot's U(±√(6/(fan_in+fan_out))) (factor 2 for logistic).
* **Regression loss**: PyTorch's ``MSELoss``, the mean of (ŷ − y)² over the
  m examples *and* K outputs. scikit-learn reports half of that in
  ``loss_curve_`` but, for K > 1 outputs, follows the gradient of
  ½·Σ_k (ŷ_k − y_k)²/m — K times the gradient of the loss it reports. So
  ``learning_rate_init = γ·K/2`` and ``alpha = 2α/K`` here retrace
  scikit-learn's weights for its (γ, α) exactly (one output: γ/2 and 2α, and
  then our loss is exactly twice its loss). The L2 term is scikit-learn's
  (α/(2m)·Σ‖W‖², weights only, m = batch size). With lbfgs (one output) our J
  at ``alpha = 2α`` is twice scikit-learn's objective, and so is its gradient.
* **Poisson loss**: PyTorch's ``PoissonNLLLoss(log_input=True)``, e^z − y·z;
  scikit-learn's is the half Poisson deviance, which adds y·log y − y: the
  same gradients, and a loss larger by Σ_k mean_i (y·log y − y), a constant of
  the data.
* **Classification losses** are scikit-learn's: cross-entropy (binary,
  multi-class) and, for multi-label y, the sum of the labels' binary
  cross-entropies (PyTorch's ``BCEWithLogitsLoss()`` would average them). With
  the same weights, SGD (plain, momentum, Nesterov, 'invscaling') follows
  scikit-learn's trajectory to rounding, and lbfgs's objective and gradient
  are scikit-learn's at every point (``tests/test_sklearn_estimators.py``,
  ``tests/test_sklearn_lbfgs.py`` check these equivalences).
* **SGD momentum**: PyTorch's buffer b ← μb + g, θ ← θ − γb (and Nesterov
  g + μb). While the learning rate γ is constant this is exactly
  scikit-learn's v ← μv − γg, θ ← θ + v (v = −γb); with
  ``learning_rate='invscaling'`` or ``'adaptive'`` the two part ways: here a
  new γ scales the whole momentum history at once.
* **Adam**: PyTorch's, θ ← θ − γ m̂ / (√v̂ + ε) with m̂ = m/(1−β₁ᵗ),
  v̂ = v/(1−β₂ᵗ). scikit-learn computes θ ← θ − γ·√(1−β₂ᵗ)/(1−β₁ᵗ) · m / (√v + ε):
  its ε sits on the *un-corrected* √v, so it acts as our ε·√(1−β₂ᵗ), which
  changes with the step t. That is the only difference: with ε → 0
  (``epsilon=1e-300``) the two trajectories agree to rounding; with the
  default ε = 1e-8 they drift apart by ~1e-6 relative over a few epochs.
* **Early stopping's split** is stratified for binary *and* multi-class y, as
  scikit-learn documents (its code stratifies binary y only); never for
  multi-label y or regression.
* **Validation score of a diverged network** (non-finite outputs) is NaN for
  the classifier too (scikit-learn scores the labels NaN probabilities give).
* **partial_fit with lbfgs** is absent on both estimators (scikit-learn's
  regressor still has the method, which then runs a whole lbfgs fit).
* **Random state**: every random draw (initial weights, the early-stopping
  split, the shuffles) comes from one ``numpy.random.Generator`` made at the
  first fit from ``random_state`` and kept across ``partial_fit`` calls
  (scikit-learn re-seeds at every call, so its partial_fit shuffles repeat).
"""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np
import scipy.optimize
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import check_random_state
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets, type_of_target, unique_labels
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from ._dtype import resolve_dtype
from ._sklearn_backend import ScratchnetBackend
from ._validation import as_float_array, caller_stacklevel, check_bool, check_real
from .nn import functional as F

__all__ = ["MLPClassifier", "MLPRegressor"]

#: scikit-learn's activation names → the names of ``scratchnet.models.ACTIVATIONS``.
ACTIVATIONS = {"identity": "identity", "logistic": "sigmoid", "tanh": "tanh", "relu": "relu"}
STOCHASTIC_SOLVERS = ("sgd", "adam")
SOLVERS = ("lbfgs", *STOCHASTIC_SOLVERS)
LEARNING_RATES = ("constant", "invscaling", "adaptive")
REGRESSION_LOSSES = ("squared_error", "poisson")
#: The formats scikit-learn's MLP takes as they are; other sparse formats become CSR.
SPARSE_FORMATS = ["csr", "csc"]


# ============================================================ shared estimator


def _check_choice(value, name, choices):
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {list(choices)}, got {value!r}")
    return value


def _stochastic_solver(estimator) -> bool:
    """``partial_fit`` exists for 'sgd' and 'adam' only (``available_if``)."""
    if estimator.solver not in STOCHASTIC_SOLVERS:
        raise AttributeError(f"partial_fit is only available for stochastic optimizers. "
                             f"{estimator.solver} is not stochastic.")
    return True


def _check_sample_weight(sample_weight, n_samples: int) -> np.ndarray | None:
    """``None``, or one non-negative finite weight per sample (a number means the same for all)."""
    if sample_weight is None:
        return None
    if isinstance(sample_weight, numbers.Real) and not isinstance(sample_weight, bool):
        s = np.full(n_samples, float(sample_weight))
    else:
        s = as_float_array(sample_weight, np.float64, "sample_weight")
    if s.shape != (n_samples,):
        raise ValueError(f"sample_weight must have shape ({n_samples},), one weight per sample of X, "
                         f"got shape {s.shape}")
    if not np.all(np.isfinite(s)):
        raise ValueError("sample_weight must be finite, got NaN or infinity")
    if np.any(s < 0):
        raise ValueError(f"sample_weight must be >= 0, got {s.min()}")
    if not np.any(s > 0):
        raise ValueError("sample_weight must hold at least one non-zero weight; all weights are zero")
    return s


class BaseMLP(BaseEstimator):
    """The logic both estimators share, on any backend (see the module docstring).

    Subclasses set ``_backend`` and supply the target handling
    (``_validate_input``, ``_targets``, ``_output_kind``, ``_stratify_labels``)
    and ``_score``.
    """

    _backend = ScratchnetBackend

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam", alpha=0.0001,
                 batch_size="auto", learning_rate="constant", learning_rate_init=0.001, power_t=0.5,
                 max_iter=200, shuffle=True, random_state=None, tol=1e-4, verbose=False,
                 warm_start=False, momentum=0.9, nesterovs_momentum=True, early_stopping=False,
                 validation_fraction=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 n_iter_no_change=10, max_fun=15000, dtype=None):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.dtype = dtype

    # -------------------------------------------------------------- parameters
    def _hidden_sizes(self) -> list[int]:
        sizes = self.hidden_layer_sizes
        if isinstance(sizes, numbers.Integral) and not isinstance(sizes, bool):
            sizes = [sizes]
        if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__iter__"):
            raise TypeError("hidden_layer_sizes must be an int or a sequence of ints like (64, 32), "
                            f"got {self.hidden_layer_sizes!r}")
        sizes = list(sizes)
        for s in sizes:
            if isinstance(s, bool) or not isinstance(s, numbers.Integral):
                raise TypeError(f"hidden_layer_sizes must hold integers, got {s!r} in {self.hidden_layer_sizes!r}")
            if s <= 0:
                raise ValueError(f"hidden_layer_sizes must be > 0, got {self.hidden_layer_sizes!r}")
        return [int(s) for s in sizes]

    def _check_params(self) -> None:
        """Validate every parameter (scikit-learn's rule: in fit, not in __init__)."""
        self._hidden_sizes()
        _check_choice(self.activation, "activation", tuple(ACTIVATIONS))
        _check_choice(self.solver, "solver", SOLVERS)
        _check_choice(self.learning_rate, "learning_rate", LEARNING_RATES)
        check_real(self.alpha, "alpha", low=0, high=math.inf, high_inclusive=False)
        if isinstance(self.batch_size, str):
            if self.batch_size != "auto":
                raise TypeError(f"batch_size must be an integer >= 1 or 'auto', got {self.batch_size!r}")
        else:
            check_real(self.batch_size, "batch_size", low=1, integer=True)
        check_real(self.learning_rate_init, "learning_rate_init", low=0, low_inclusive=False, high=math.inf,
                   high_inclusive=False)
        check_real(self.power_t, "power_t", low=0, high=math.inf, high_inclusive=False)
        check_real(self.max_iter, "max_iter", low=1, integer=True)
        check_real(self.max_fun, "max_fun", low=1, integer=True)
        check_real(self.tol, "tol", low=0)
        check_real(self.momentum, "momentum", low=0, high=1)
        check_real(self.validation_fraction, "validation_fraction", low=0, high=1, high_inclusive=False)
        check_real(self.beta_1, "beta_1", low=0, high=1, high_inclusive=False)
        check_real(self.beta_2, "beta_2", low=0, high=1, high_inclusive=False)
        check_real(self.epsilon, "epsilon", low=0, low_inclusive=False, high=math.inf, high_inclusive=False)
        if not (isinstance(self.n_iter_no_change, numbers.Real) and self.n_iter_no_change == np.inf):
            check_real(self.n_iter_no_change, "n_iter_no_change", low=1, integer=True)
        if not isinstance(self.verbose, (numbers.Integral, np.bool_)):  # bool is Integral
            raise TypeError(f"verbose must be True, False or an integer >= 0, got {self.verbose!r}")
        if self.verbose < 0:
            raise ValueError(f"verbose must be True, False or an integer >= 0, got {self.verbose}")
        for name in ("shuffle", "warm_start", "nesterovs_momentum", "early_stopping"):
            check_bool(getattr(self, name), name)
        if self.dtype is not None:
            resolve_dtype(self.dtype)

    # ------------------------------------------------------------- the network
    @property
    def coefs_(self) -> list[np.ndarray]:
        """W[l] in scikit-learn's layout (fan_in, fan_out), i.e. ``weight.T``; copies."""
        weights, _ = self._backend.arrays(self.model_)
        return [W.T.copy() for W in weights]

    @property
    def intercepts_(self) -> list[np.ndarray]:
        """b[l] for each layer; copies."""
        _, biases = self._backend.arrays(self.model_)
        return [b.copy() for b in biases]

    def _generator(self) -> np.random.Generator:
        """The estimator's one random stream, from ``random_state``.

        An int seeds ``numpy.random.default_rng`` directly; ``None`` or a
        ``RandomState`` give a seed drawn from scikit-learn's ``check_random_state``.
        """
        rs = self.random_state
        if isinstance(rs, numbers.Integral) and not isinstance(rs, bool):
            return np.random.default_rng(int(rs))
        return np.random.default_rng(int(check_random_state(rs).randint(np.iinfo(np.int32).max)))

    def _initialize(self, n_features: int, n_outputs: int, input_dtype) -> None:
        """Fresh network, optimizer state and bookkeeping (a first fit)."""
        backend = self._backend
        self._rng = self._generator()
        self._dtype = np.dtype(input_dtype) if self.dtype is None else resolve_dtype(self.dtype)
        sizes = [n_features, *self._hidden_sizes(), n_outputs]
        self.model_ = backend.build(sizes, ACTIVATIONS[self.activation], self._dtype, self._rng)
        self.n_outputs_ = n_outputs
        self.n_layers_ = len(sizes)
        self.n_iter_ = 0
        self.t_ = 0
        for name in ("loss_", "loss_curve_", "best_loss_", "validation_scores_", "best_validation_score_"):
            self.__dict__.pop(name, None)  # a previous fit's, maybe by another solver
        if self.solver in STOCHASTIC_SOLVERS:
            self._initialize_stochastic()
        self._loss_fn = backend.loss(self._output_kind())
        self._optimizer = None

    def _initialize_stochastic(self) -> None:
        """The epoch bookkeeping of 'sgd' and 'adam' (lbfgs has none)."""
        self.loss_curve_ = []
        self._no_improvement_count = 0
        if self.early_stopping:
            self.validation_scores_ = []
            self.best_validation_score_ = -np.inf
            self.best_loss_ = None
        else:
            self.validation_scores_ = None
            self.best_validation_score_ = None
            self.best_loss_ = np.inf

    def _objective_weights(self, sample_weight, m: int) -> tuple[np.ndarray, float]:
        """(c, l2) of J = Σ_i c_i Σ_k ℓ_ik + l2/2 · Σ‖W‖² on a batch of m examples:

            c_i = s_i / (K Σ_j s_j),   l2 = α / Σ_j s_j

        with s_i = 1 when no weights are given (then c_i = 1/(mK), the mean over
        the batch). K = the number of outputs for squared error (MSELoss averages
        an example's outputs), else 1: the example's cross-entropies (multi-label)
        and Poisson losses are summed over its outputs, as in scikit-learn. This
        is scikit-learn's weighted mean and L2 term.
        """
        s = np.ones(m, self._dtype) if sample_weight is None else sample_weight
        total = s.sum()
        per_example = self.n_outputs_ if self._output_kind() == "mse" else 1
        return s / (per_example * total), self.alpha / float(total)

    def _as_network_input(self, X):
        """X in the network's dtype: a C-contiguous array, or a CSR/CSC matrix (never densified)."""
        if sparse.issparse(X):
            return X.astype(self._dtype, copy=False)
        return np.ascontiguousarray(X, dtype=self._dtype)

    # --------------------------------------------------------------- training
    def fit(self, X, y, sample_weight=None):
        """Train on (X, y) (fresh weights unless ``warm_start``): up to
        ``max_iter`` epochs ('sgd', 'adam') or L-BFGS iterations ('lbfgs').

        ``sample_weight``: one non-negative weight per sample (default: all 1).
        Returns ``self``.
        """
        return self._fit(X, y, sample_weight, incremental=False)

    def _fit(self, X, y, sample_weight, incremental: bool):
        self._check_params()
        first_pass = not hasattr(self, "model_") or (not self.warm_start and not incremental)
        X, y = self._validate_input(X, y, incremental, reset=first_pass)
        sample_weight = _check_sample_weight(sample_weight, X.shape[0])
        T = self._targets(y)
        n_outputs = T.shape[1] if T.ndim == 2 else len(self.classes_)
        if first_pass:
            self._initialize(X.shape[1], n_outputs, X.dtype)
        elif n_outputs != self.n_outputs_:
            raise ValueError(f"y has {n_outputs} outputs but the network was fitted with {self.n_outputs_}")
        X = self._as_network_input(X)
        if sparse.issparse(X):
            X = X.tocsr()  # mini-batches are rows
        # class indices for CrossEntropyLoss; the network's float dtype for the others
        T = np.ascontiguousarray(T, dtype=np.int64 if self._output_kind() == "cross_entropy" else self._dtype)
        if sample_weight is not None:
            sample_weight = sample_weight.astype(self._dtype)
        self._diverged_at = None
        # Overflow on the way to NaN is reported once, below, in words (as scratchnet.train.fit
        # does), not as NumPy RuntimeWarnings from inside a layer.
        with np.errstate(over="ignore", invalid="ignore"):
            if self.solver == "lbfgs":
                self._fit_lbfgs(X, T, sample_weight)
            else:
                self._fit_stochastic(X, y, T, sample_weight, incremental)
        state = self._backend.get_state(self.model_)
        restored = self._diverged_at is not None and self.early_stopping  # the best epoch's weights are back
        if (not all(np.all(np.isfinite(np.asarray(v))) for v in state.values())
                or (self._diverged_at is not None and not restored)):
            where = (f" (the loss turned non-finite at epoch {self._diverged_at}: scale the input, e.g. with "
                     f"StandardScaler, or lower learning_rate_init={self.learning_rate_init})"
                     if self._diverged_at is not None else "")
            raise ValueError("Solver produced non-finite parameter weights. The input data may contain large "
                             f"values and need to be preprocessed.{where}")
        return self

    def _fit_lbfgs(self, X, T, sample_weight) -> None:
        """Minimise J(θ) over the whole training set with SciPy's L-BFGS-B.

        Each evaluation loads θ into the network, runs the backend's forward
        and backward (J and ∇J) and returns both flattened; ``maxiter`` =
        ``max_iter``, ``maxfun`` = ``max_fun``, ``gtol`` = ``tol``, as
        scikit-learn calls it.
        """
        backend, model = self._backend, self.model_
        c, l2 = self._objective_weights(sample_weight, X.shape[0])

        def loss_and_gradient(theta):
            backend.set_vector(model, theta)
            return backend.objective(model, self._loss_fn, X, T, c, l2), backend.grad_vector(model)

        iterations = 0

        def report(intermediate_result):
            nonlocal iterations
            iterations += 1
            print(f"Iteration {iterations}, loss = {intermediate_result.fun:.8f}")

        result = scipy.optimize.minimize(
            loss_and_gradient, backend.get_vector(model), method="L-BFGS-B", jac=True,
            callback=report if self.verbose else None,
            options={"maxiter": self.max_iter, "maxfun": self.max_fun, "gtol": self.tol})
        backend.set_vector(model, result.x)
        self.n_iter_ = min(int(result.nit), self.max_iter)
        self.loss_ = float(result.fun)
        if result.status != 0:
            message = (f"lbfgs failed to converge after {self.n_iter_} iteration(s) (status={result.status}):\n"
                       f"{result.message}\n")
            if self.n_iter_ == self.max_iter:
                message += ("\nIncrease the number of iterations to improve the convergence "
                            f"(max_iter={self.max_iter}).")
            warnings.warn(message, ConvergenceWarning, stacklevel=caller_stacklevel())

    def _validation_split(self, X, T, y, sample_weight):
        """Hold out ``validation_fraction`` of the data for early stopping
        (stratified as ``_stratify_labels`` says), with the sample weights."""
        if self.validation_fraction == 0:
            raise ValueError("early_stopping=True needs a validation set: validation_fraction "
                             "must be > 0 (e.g. 0.1)")
        stratify = self._stratify_labels(y)
        seed = int(self._rng.integers(np.iinfo(np.int32).max))
        arrays = [X, T, y] + ([] if sample_weight is None else [sample_weight])
        try:
            parts = train_test_split(*arrays, test_size=self.validation_fraction, random_state=seed,
                                     stratify=stratify)
        except ValueError as error:
            if stratify is not None and str(error).startswith("The least populated class"):
                labels, counts = np.unique(y, return_counts=True)
                single = [label.item() if hasattr(label, "item") else label for label in labels[counts < 2]]
                raise ValueError(f"{error} (early_stopping=True holds out a validation set stratified by "
                                 f"class, and a class with one sample cannot be split: here {single}; "
                                 "scikit-learn's MLP names classes by their one-hot rows, as above)") from None
            raise
        X, X_val, T, _, y, y_val = parts[:6]
        s, s_val = (None, None) if sample_weight is None else parts[6:]
        if X_val.shape[0] < 2:
            raise ValueError("The validation set is too small. Increase 'validation_fraction' "
                             "or the size of your dataset.")
        if s_val is not None and not np.any(s_val > 0):
            raise ValueError("the early-stopping validation set's sample weights are all zero: "
                             "give those samples weight, or change validation_fraction or random_state")
        return X, T, y, s, X_val, y_val, s_val

    def _fit_stochastic(self, X, y, T, sample_weight, incremental: bool) -> None:
        """The epoch loop: sklearn's ``_fit_stochastic``, one backend call per batch."""
        backend = self._backend
        if self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True")
        if not hasattr(self, "loss_curve_"):  # warm start from an lbfgs fit
            self._initialize_stochastic()
        if self._optimizer is None or not incremental:
            self._optimizer = backend.optimizer(
                self.model_, self.solver, self.learning_rate_init, self.momentum,
                self.nesterovs_momentum and self.momentum > 0, (self.beta_1, self.beta_2), self.epsilon)
            self._learning_rate = self.learning_rate_init
        early_stopping = self.early_stopping
        X_val = y_val = s_val = None
        if early_stopping:
            X, T, y, sample_weight, X_val, y_val, s_val = self._validation_split(X, T, y, sample_weight)
            self._best_state = backend.get_state(self.model_)
        n = X.shape[0]
        if self.batch_size == "auto":
            batch_size = min(200, n)
        else:
            if self.batch_size > n:
                warnings.warn(f"batch_size={self.batch_size} is larger than the {n} training samples; "
                              f"using batches of {n}", stacklevel=caller_stacklevel())
            batch_size = min(self.batch_size, n)
        backend.set_lr(self._optimizer, self._learning_rate)

        self.n_iter_ = 0
        try:
            for _ in range(1 if incremental else self.max_iter):
                order = self._rng.permutation(n) if self.shuffle else np.arange(n)
                total = 0.0
                for start in range(0, n, batch_size):
                    idx = order[start:start + batch_size]
                    s = None if sample_weight is None else sample_weight[idx]
                    if s is not None and not np.any(s > 0):
                        continue  # a batch of zero weight holds nothing to learn (J would be 0/0)
                    c, l2 = self._objective_weights(s, len(idx))
                    total += backend.objective(self.model_, self._loss_fn, X[idx], T[idx], c, l2) * len(idx)
                    self._optimizer.step()
                self.n_iter_ += 1
                self.t_ += n
                self.loss_ = total / n
                self.loss_curve_.append(self.loss_)
                if self.verbose:
                    print(f"Iteration {self.n_iter_}, loss = {self.loss_:.8f}")
                if not np.isfinite(self.loss_):
                    # Diverged: more epochs cannot bring NaN weights back. With early stopping the
                    # epoch's score (NaN) is recorded and the best epoch's weights are restored below.
                    self._diverged_at = self.n_iter_
                    if early_stopping:
                        self._update_no_improvement_count(True, X_val, y_val, s_val)
                    break
                self._update_no_improvement_count(early_stopping, X_val, y_val, s_val)
                if self.solver == "sgd" and self.learning_rate == "invscaling":
                    self._learning_rate = self.learning_rate_init / (self.t_ + 1) ** self.power_t
                    backend.set_lr(self._optimizer, self._learning_rate)
                if self._no_improvement_count > self.n_iter_no_change:
                    what = "Validation score" if early_stopping else "Training loss"
                    msg = (f"{what} did not improve more than tol={self.tol:f} "
                           f"for {self.n_iter_no_change} consecutive epochs.")
                    if self.solver == "sgd" and self.learning_rate == "adaptive" and self._learning_rate > 1e-6:
                        self._learning_rate /= 5.0
                        backend.set_lr(self._optimizer, self._learning_rate)
                        self._no_improvement_count = 0
                        if self.verbose:
                            print(msg + f" Setting learning rate to {self._learning_rate:f}")
                    else:
                        if self.verbose:
                            adaptive = self.solver == "sgd" and self.learning_rate == "adaptive"
                            print(msg + (" Learning rate too small." if adaptive else "") + " Stopping.")
                        break
                if not incremental and self.n_iter_ == self.max_iter:
                    warnings.warn(f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached "
                                  "and the optimization hasn't converged yet.", ConvergenceWarning,
                                  stacklevel=caller_stacklevel())
        except KeyboardInterrupt:
            warnings.warn("Training interrupted by user.", stacklevel=caller_stacklevel())
        if early_stopping:
            backend.set_state(self.model_, self._best_state)
            if self._diverged_at is not None:
                warnings.warn(f"Training diverged at epoch {self._diverged_at} (loss {self.loss_}); the "
                              "weights of the best validation epoch were restored. The input data may "
                              "contain large values that need scaling (e.g. StandardScaler), or "
                              f"learning_rate_init={self.learning_rate_init} is too large.", ConvergenceWarning,
                              stacklevel=caller_stacklevel())

    def _update_no_improvement_count(self, early_stopping, X_val, y_val, s_val) -> None:
        """Patience bookkeeping, as scikit-learn's: validation score or training loss.

        A NaN validation score (a diverged network) counts as neither an
        improvement nor a failure to improve, as in scikit-learn.
        """
        if early_stopping:
            score = self._score(X_val, y_val, s_val)
            self.validation_scores_.append(score)
            if self.verbose:
                print(f"Validation score: {score:f}")
            if score < self.best_validation_score_ + self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            if score > self.best_validation_score_:
                self.best_validation_score_ = score
                self._best_state = self._backend.get_state(self.model_)
        else:
            if self.loss_curve_[-1] > self.best_loss_ - self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            self.best_loss_ = min(self.best_loss_, self.loss_curve_[-1])

    # -------------------------------------------------------------- inference
    def _logits(self, X) -> np.ndarray:
        """Z[L] for validated X, as a 2-D NumPy array in the network's dtype."""
        return np.asarray(self._backend.forward(self.model_, self._as_network_input(X)))

    def _validated_logits(self, X) -> np.ndarray:
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, accept_sparse=SPARSE_FORMATS, dtype=(np.float64, np.float32))
        return self._logits(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


# ================================================================ classifier


class BaseMLPClassifier(ClassifierMixin, BaseMLP):
    """Target handling and outputs of the classifier (backend-independent)."""

    def _validate_input(self, X, y, incremental, reset):
        X, y = validate_data(self, X, y, accept_sparse=SPARSE_FORMATS, multi_output=True,
                             dtype=(np.float64, np.float32), reset=reset)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        if not hasattr(self, "classes_") or (not self.warm_start and not incremental):
            self._label_binarizer = LabelBinarizer().fit(y)
            self.classes_ = self._label_binarizer.classes_
        else:
            classes = unique_labels(y)
            if self.warm_start and not incremental and set(classes) != set(self.classes_):
                raise ValueError("warm_start can only be used where `y` has the same classes as in the "
                                 f"previous call to fit. Previously got {self.classes_}, `y` has {classes}")
            if len(np.setdiff1d(classes, self.classes_)):
                raise ValueError(f"y has classes {np.setdiff1d(classes, self.classes_)} that are not "
                                 f"in classes_={self.classes_} (set on the first partial_fit call)")
        return X, y

    def _multiclass(self) -> bool:
        return self._label_binarizer.y_type_ == "multiclass"

    def _output_kind(self) -> str:
        return "cross_entropy" if self._multiclass() else "bce"

    def _targets(self, y) -> np.ndarray:
        """Class indices (multi-class, for CrossEntropyLoss) or 0/1 columns (binary, multi-label)."""
        Y = self._label_binarizer.transform(y)
        if self._multiclass():
            return np.argmax(Y, axis=1)
        return Y

    def _stratify_labels(self, y):
        """What early stopping's split is stratified on: the one-hot rows of a
        binary or multi-class y, as booleans — scikit-learn's MLP stratifies on
        exactly these, so its error messages come out the same — and nothing
        for a multi-label y."""
        if self._label_binarizer.y_type_ == "multilabel-indicator":
            return None
        return self._label_binarizer.transform(y).astype(bool)

    @property
    def out_activation_(self) -> str:
        """'softmax' (multi-class) or 'logistic' (binary, multi-label), as scikit-learn names them."""
        check_is_fitted(self)
        return "softmax" if self._multiclass() else "logistic"

    def _probabilities(self, Z) -> np.ndarray:
        """softmax(Z) for multi-class, σ(Z) otherwise (scratchnet.nn.functional)."""
        return F.softmax(Z, dim=1) if self._multiclass() else F.sigmoid(Z)

    def _predict_from_logits(self, Z):
        P = self._probabilities(Z)
        return self._label_binarizer.inverse_transform(P.ravel() if P.shape[1] == 1 else P)

    def _score(self, X, y, sample_weight=None) -> float:
        """Accuracy on validated X (early stopping); NaN if the network's outputs are not finite."""
        Z = self._logits(X)
        if not np.all(np.isfinite(Z)):
            return float("nan")
        return float(accuracy_score(y, self._predict_from_logits(Z), sample_weight=sample_weight))

    def predict(self, X):
        """The predicted class of each row of X (an indicator matrix for multi-label y)."""
        return self._predict_from_logits(self._validated_logits(X))

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities, columns ordered as ``classes_``.

        Binary: [1 − σ(z), σ(z)]; multi-class: softmax(Z); multi-label: σ(Z)
        per label (rows need not sum to 1).
        """
        P = self._probabilities(self._validated_logits(X))
        if P.shape[1] == 1:
            return np.hstack([1 - P, P])
        return P

    def predict_log_proba(self, X) -> np.ndarray:
        """log of :meth:`predict_proba` (as scikit-learn's MLP computes it)."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    @available_if(_stochastic_solver)
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """One epoch over (X, y), continuing from the current weights and optimizer state.

        ``classes`` (every label the model will ever see; for a multi-label
        indicator y, its column indices) is required on the first call, as in
        scikit-learn. Only for the stochastic solvers ('sgd', 'adam').
        """
        if not hasattr(self, "classes_"):
            if classes is None:
                raise ValueError("classes must be passed on the first call to partial_fit "
                                 "(every label, e.g. np.unique(y_all))")
            if type_of_target(y).startswith("multilabel"):
                self._label_binarizer = LabelBinarizer().fit(y)
                if not np.array_equal(unique_labels(classes), self._label_binarizer.classes_):
                    del self._label_binarizer
                    raise ValueError(f"classes={classes!r} for a multi-label indicator y must be its column "
                                     f"indices 0..{np.shape(y)[1] - 1}")
            else:
                self._label_binarizer = LabelBinarizer().fit(classes)
            self.classes_ = self._label_binarizer.classes_
        elif classes is not None and not np.array_equal(unique_labels(classes), self.classes_):
            raise ValueError(f"classes={classes!r} differs from classes_={self.classes_} "
                             "given on the first partial_fit call")
        return self._fit(X, y, sample_weight, incremental=True)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class BaseMLPRegressor(RegressorMixin, BaseMLP):
    """Target handling and outputs of the regressor (backend-independent)."""

    def __init__(self, loss="squared_error", hidden_layer_sizes=(100,), activation="relu", *, solver="adam",
                 alpha=0.0001, batch_size="auto", learning_rate="constant", learning_rate_init=0.001,
                 power_t=0.5, max_iter=200, shuffle=True, random_state=None, tol=1e-4, verbose=False,
                 warm_start=False, momentum=0.9, nesterovs_momentum=True, early_stopping=False,
                 validation_fraction=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-8, n_iter_no_change=10,
                 max_fun=15000, dtype=None):
        super().__init__(
            hidden_layer_sizes, activation, solver=solver, alpha=alpha, batch_size=batch_size,
            learning_rate=learning_rate, learning_rate_init=learning_rate_init, power_t=power_t,
            max_iter=max_iter, shuffle=shuffle, random_state=random_state, tol=tol, verbose=verbose,
            warm_start=warm_start, momentum=momentum, nesterovs_momentum=nesterovs_momentum,
            early_stopping=early_stopping, validation_fraction=validation_fraction, beta_1=beta_1,
            beta_2=beta_2, epsilon=epsilon, n_iter_no_change=n_iter_no_change, max_fun=max_fun, dtype=dtype)
        self.loss = loss

    def _check_params(self) -> None:
        super()._check_params()
        _check_choice(self.loss, "loss", REGRESSION_LOSSES)

    @property
    def out_activation_(self) -> str:
        """'identity' (the outputs are Z[L]) or, for loss='poisson', 'exp' (they are e^Z[L])."""
        check_is_fitted(self)
        return "exp" if self._output_kind() == "poisson" else "identity"

    def _validate_input(self, X, y, incremental, reset):
        X, y = validate_data(self, X, y, accept_sparse=SPARSE_FORMATS, multi_output=True, y_numeric=True,
                             dtype=(np.float64, np.float32), reset=reset)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if self.loss == "poisson" and np.any(y < 0):
            raise ValueError(f"loss='poisson' needs non-negative targets (counts or rates), got y = {np.min(y)}")
        return X, y

    def _output_kind(self) -> str:
        return "poisson" if self.loss == "poisson" else "mse"

    def _targets(self, y) -> np.ndarray:
        return y.reshape(-1, 1) if y.ndim == 1 else y

    def _stratify_labels(self, y):
        return None

    def _score(self, X, y, sample_weight=None) -> float:
        """R² on validated X (early stopping); NaN if a prediction is not finite."""
        prediction = self._predict_from_logits(self._logits(X))
        if not np.all(np.isfinite(prediction)):
            return float("nan")
        return float(r2_score(y, prediction, sample_weight=sample_weight))

    def _predict_from_logits(self, Z):
        if self._output_kind() == "poisson":
            with np.errstate(over="ignore"):  # e^z beyond the float range is inf, as a prediction
                Z = np.exp(Z)
        return Z.ravel() if Z.shape[1] == 1 else Z

    def predict(self, X):
        """Ŷ = Z[L] (e^Z[L] for loss='poisson'); shape (n_samples,) for a single output."""
        return self._predict_from_logits(self._validated_logits(X))

    @available_if(_stochastic_solver)
    def partial_fit(self, X, y, sample_weight=None):
        """One epoch over (X, y), continuing from the current weights and optimizer state
        (stochastic solvers only)."""
        return self._fit(X, y, sample_weight, incremental=True)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


# ================================================================ the estimators


class MLPClassifier(BaseMLPClassifier):
    """Multilayer-perceptron classifier trained by scratchnet (NumPy, explicit backprop).

    Binary, multi-class and multi-label (indicator matrix) targets; dense or
    sparse X. Parameters are scikit-learn's ``MLPClassifier``'s (same names
    and defaults; see the module docstring for where the training differs):

    hidden_layer_sizes : int or tuple of int, default (100,)
    activation : {'identity', 'logistic', 'tanh', 'relu'}, default 'relu'
    solver : {'lbfgs', 'sgd', 'adam'}, default 'adam'
    alpha : float, default 1e-4 — L2 strength, J += α/(2Σs)·Σ‖W[l]‖²
    batch_size : int or 'auto' (= min(200, n_samples)); not used by 'lbfgs'
    learning_rate : {'constant', 'invscaling', 'adaptive'} — schedule for 'sgd' only
    learning_rate_init : float, default 1e-3;  power_t : float (invscaling)
    max_iter : int, default 200 — epochs ('sgd', 'adam') or iterations ('lbfgs')
    shuffle : bool, default True
    random_state : None, int or RandomState;  verbose : bool;  warm_start : bool
    tol, n_iter_no_change : stop after n_iter_no_change + 1 epochs without an
        improvement of tol (training loss, or validation accuracy with early_stopping);
        ``n_iter_no_change=np.inf`` never stops early. For 'lbfgs', tol is
        L-BFGS-B's gtol.
    momentum, nesterovs_momentum : for 'sgd'
    early_stopping, validation_fraction : hold out that fraction (stratified)
        and keep the weights with the best validation accuracy ('sgd', 'adam')
    beta_1, beta_2, epsilon : for 'adam'
    max_fun : int, default 15000 — most loss evaluations for 'lbfgs'
    dtype : None (default: float32 for float32 X, else float64), 'float32' or 'float64'

    Fitted attributes: ``classes_``, ``n_features_in_`` (and
    ``feature_names_in_``), ``model_`` (the ``scratchnet.nn.Sequential``),
    ``coefs_`` / ``intercepts_`` (scikit-learn's layout), ``loss_``,
    ``n_iter_``, ``t_``, ``n_outputs_``, ``n_layers_``, ``out_activation_``;
    for 'sgd' and 'adam' also ``loss_curve_``, ``best_loss_``,
    ``validation_scores_``, ``best_validation_score_``.
    """


class MLPRegressor(BaseMLPRegressor):
    """Multilayer-perceptron regressor trained by scratchnet (NumPy, explicit backprop).

    Single or multiple outputs; dense or sparse X. ``loss='squared_error'``
    (PyTorch's ``MSELoss``, not scikit-learn's half squared error) or
    ``'poisson'`` (log link: predictions e^Z[L]; PyTorch's ``PoissonNLLLoss``,
    see the module docstring). Other parameters and the fitted attributes as
    :class:`MLPClassifier`'s (``validation_scores_`` hold R²; no ``classes_``).
    """
