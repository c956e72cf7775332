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
``Pipeline``, ``GridSearchCV``, ``cross_val_score`` and ``clone``, and pass
scikit-learn's own estimator checks (``tests/test_sklearn_estimators.py``).

This is the only scratchnet module that imports scikit-learn; ``import
scratchnet`` never loads it. ``torch_ref.sklearn`` has the twins with the same
names and parameters, trained by ``torch.optim`` with autograd: given the same
``random_state`` both start from the same weights and see the same batches, so
their loss curves, weights and predictions agree (float64: ~1e-14 relative
measured after 30 epochs, held to 1e-10;
``parity_tests/test_sklearn_parity.py``).

The network and its training
----------------------------
The network is :func:`scratchnet.models.mlp` with sizes
``[n_features, *hidden_layer_sizes, n_outputs]`` and no output activation (its
outputs are logits Z[L]). Training minimises, on each mini-batch of m examples,

    J = loss(Z[L], Y) + α/(2m) · Σ_l ‖W[l]‖²_F          (α = ``alpha``; biases not penalised)

with the losses of ``scratchnet.nn`` (PyTorch's):

==================  =================  ================================  ==================
problem             outputs            loss (mean over the batch)        probabilities
==================  =================  ================================  ==================
multi-class (K>2)   K logits           ``CrossEntropyLoss``              softmax(Z[L])
binary              1 logit            ``BCEWithLogitsLoss``             σ(Z[L])
multi-label (K)     K logits           ``BCEWithLogitsLoss``             σ(Z[L]) per label
regression (K)      K values           ``MSELoss``                       (none)
==================  =================  ================================  ==================

The weights are scikit-learn's ``coefs_`` and ``intercepts_`` up to a
transpose: ``coefs_[l-1]`` = W[l]ᵀ has shape (n[l-1], n[l]) (fan_in, fan_out),
as scikit-learn writes A[l] = g(A[l-1] @ coefs_[l-1] + intercepts_[l-1]);
``model_[2(l-1)].weight`` = W[l] has PyTorch's (out, in) shape, as in
Z[l] = A[l-1] W[l]ᵀ + b[l]. Both attributes are copies (read-only views of
the network); to change the weights, load a ``state_dict`` into ``model_``.

Backpropagation is explicit (``model.backward(loss_fn.backward())``) and the
penalty's gradient α/m · W[l] is added to each ``W[l].grad`` by hand; then a
``scratchnet.optim`` optimizer steps: ``SGD`` (``solver='sgd'``) or ``Adam``
(``solver='adam'``).

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
  (α/(2m)·Σ‖W‖², weights only, m = batch size).
* **Multi-label loss**: the mean of the binary cross-entropy over examples
  *and labels* (PyTorch's reduction); scikit-learn sums over the K labels, so
  its loss is K times ours (``learning_rate_init = K·γ``, ``alpha = α/K``
  retrace its weights). Binary and multi-class losses are the same as
  scikit-learn's: with the same weights, SGD (plain, momentum, Nesterov,
  'invscaling') follows scikit-learn's trajectory to rounding
  (``tests/test_sklearn_estimators.py`` checks all of these equivalences).
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
* **Solvers**: 'sgd' and 'adam' only (no 'lbfgs', hence no ``max_fun``);
  no ``sample_weight``; dense input only (scipy sparse matrices are refused).
* **Random state**: every random draw (initial weights, the early-stopping
  split, the shuffles) comes from one ``numpy.random.Generator`` made at the
  first fit from ``random_state`` and kept across ``partial_fit`` calls
  (scikit-learn re-seeds at every call, so its partial_fit shuffles repeat).
* ``dtype`` (float64 by default, the parity reference) fixes the network's
  precision; scikit-learn instead follows the dtype of X.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets, type_of_target, unique_labels
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from . import models, nn
from ._dtype import resolve_dtype
from .nn import functional as F

__all__ = ["MLPClassifier", "MLPRegressor"]

#: scikit-learn's activation names → the names of ``scratchnet.models.ACTIVATIONS``.
ACTIVATIONS = {"identity": "identity", "logistic": "sigmoid", "tanh": "tanh", "relu": "relu"}
SOLVERS = ("sgd", "adam")
LEARNING_RATES = ("constant", "invscaling", "adaptive")


# ==================================================================== backend


class ScratchnetBackend:
    """How the estimators build, train and run a network in scratchnet.

    The estimators' logic (validation, labels, epochs, early stopping) is
    written once in :class:`BaseMLP`; a backend supplies the six operations
    below. ``torch_ref.sklearn.TorchBackend`` supplies the same ones with
    ``torch.nn``, ``torch.optim`` and autograd.
    """

    name = "scratchnet"

    @staticmethod
    def build(sizes, activation, dtype, generator):
        """The network, its initial weights drawn from ``generator``."""
        return models.mlp(sizes, activation, output=None, dtype=dtype, generator=generator)

    @staticmethod
    def loss(kind):
        return {"cross_entropy": nn.CrossEntropyLoss, "bce": nn.BCEWithLogitsLoss,
                "mse": nn.MSELoss}[kind]()

    @staticmethod
    def optimizer(model, solver, lr, momentum, nesterov, betas, eps):
        from . import optim

        if solver == "sgd":
            return optim.SGD(model.parameters(), lr=lr, momentum=momentum, nesterov=nesterov)
        return optim.Adam(model.parameters(), lr=lr, betas=betas, eps=eps)

    @staticmethod
    def set_lr(optimizer, lr):
        for group in optimizer.param_groups:
            group["lr"] = lr

    @staticmethod
    def train_step(model, optimizer, loss_fn, X, T, alpha):
        """One step on the batch (X, T); returns J (data loss + L2 penalty).

        Backprop by hand: dJ/dZ[L] from the loss, the chain rule through the
        layers, then the penalty's gradient α/m · W[l] added to each weight's.
        """
        optimizer.zero_grad()
        loss = float(loss_fn(model(X), T))
        model.backward(loss_fn.backward(), needs_input_grad=False)
        if alpha > 0:
            m = X.shape[0]
            weights = [layer.weight for layer in model if isinstance(layer, nn.Linear)]
            loss += alpha / (2 * m) * sum(float(np.sum(W.data * W.data)) for W in weights)
            for W in weights:
                W.accumulate_grad((alpha / m) * W.data)
        optimizer.step()
        return loss

    @staticmethod
    def forward(model, X):
        """Z[L] for X, as a NumPy array."""
        return model(X)

    @staticmethod
    def get_state(model):
        """A copy of the weights (``state_dict`` as NumPy arrays)."""
        return model.state_dict()

    @staticmethod
    def set_state(model, state):
        model.load_state_dict(state)


# ============================================================ shared estimator


def _check_choice(value, name, choices):
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {list(choices)}, got {value!r}")
    return value


def _check_number(value, name, low=None, high=None, low_open=False, high_open=False, integer=False):
    kind = numbers.Integral if integer else numbers.Real
    if isinstance(value, bool) or not isinstance(value, kind):
        raise TypeError(f"{name} must be {'an integer' if integer else 'a real number'}, "
                        f"got {value!r} ({type(value).__name__})")
    if np.isnan(value):
        raise ValueError(f"{name} must not be NaN")
    if low is not None and (value < low or (low_open and value == low)):
        raise ValueError(f"{name} must be {'>' if low_open else '>='} {low}, got {value}")
    if high is not None and (value > high or (high_open and value == high)):
        raise ValueError(f"{name} must be {'<' if high_open else '<='} {high}, got {value}")
    return value


class BaseMLP(BaseEstimator):
    """The logic both estimators share, on any backend (see the module docstring).

    Subclasses set ``_backend`` and supply the target handling
    (``_validate_input``, ``_targets``, ``_output_kind``) and ``_score``.
    """

    _backend = ScratchnetBackend

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam", alpha=0.0001,
                 batch_size="auto", learning_rate="constant", learning_rate_init=0.001, power_t=0.5,
                 max_iter=200, shuffle=True, random_state=None, tol=1e-4, verbose=False,
                 warm_start=False, momentum=0.9, nesterovs_momentum=True, early_stopping=False,
                 validation_fraction=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 n_iter_no_change=10, dtype="float64"):
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
        _check_number(self.alpha, "alpha", low=0)
        if not (isinstance(self.batch_size, str) and self.batch_size == "auto"):
            _check_number(self.batch_size, "batch_size", low=1, integer=True)
        _check_number(self.learning_rate_init, "learning_rate_init", low=0, low_open=True)
        _check_number(self.power_t, "power_t", low=0)
        _check_number(self.max_iter, "max_iter", low=1, integer=True)
        _check_number(self.tol, "tol", low=0)
        _check_number(self.momentum, "momentum", low=0, high=1)
        _check_number(self.validation_fraction, "validation_fraction", low=0, high=1, high_open=True)
        _check_number(self.beta_1, "beta_1", low=0, high=1, high_open=True)
        _check_number(self.beta_2, "beta_2", low=0, high=1, high_open=True)
        _check_number(self.epsilon, "epsilon", low=0, low_open=True)
        if not (isinstance(self.n_iter_no_change, numbers.Real) and self.n_iter_no_change == np.inf):
            _check_number(self.n_iter_no_change, "n_iter_no_change", low=1, integer=True)
        if not isinstance(self.verbose, (numbers.Integral, np.bool_)):  # bool is Integral
            raise TypeError(f"verbose must be True, False or an integer >= 0, got {self.verbose!r}")
        if self.verbose < 0:
            raise ValueError(f"verbose must be True, False or an integer >= 0, got {self.verbose}")
        for name in ("shuffle", "warm_start", "nesterovs_momentum", "early_stopping"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise TypeError(f"{name} must be True or False, got {getattr(self, name)!r}")
        resolve_dtype(self.dtype)

    # ------------------------------------------------------------- the network
    @property
    def coefs_(self) -> list[np.ndarray]:
        """W[l] in scikit-learn's layout (fan_in, fan_out), i.e. ``weight.T``; copies."""
        state = self._backend.get_state(self.model_)
        return [np.array(v).T.copy() for k, v in state.items() if k.endswith("weight")]

    @property
    def intercepts_(self) -> list[np.ndarray]:
        """b[l] for each layer; copies."""
        state = self._backend.get_state(self.model_)
        return [np.array(v).copy() for k, v in state.items() if k.endswith("bias")]

    def _generator(self) -> np.random.Generator:
        """The estimator's one random stream, from ``random_state``.

        An int seeds ``numpy.random.default_rng`` directly; ``None`` or a
        ``RandomState`` give a seed drawn from scikit-learn's ``check_random_state``.
        """
        rs = self.random_state
        if isinstance(rs, numbers.Integral) and not isinstance(rs, bool):
            return np.random.default_rng(int(rs))
        return np.random.default_rng(int(check_random_state(rs).randint(np.iinfo(np.int32).max)))

    def _initialize(self, n_features: int, n_outputs: int) -> None:
        """Fresh network, optimizer state and bookkeeping (a first fit)."""
        backend = self._backend
        self._rng = self._generator()
        self._dtype = resolve_dtype(self.dtype)
        sizes = [n_features, *self._hidden_sizes(), n_outputs]
        self.model_ = backend.build(sizes, ACTIVATIONS[self.activation], self._dtype, self._rng)
        self.n_outputs_ = n_outputs
        self.n_layers_ = len(sizes)
        self.n_iter_ = 0
        self.t_ = 0
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
        self._loss_fn = backend.loss(self._output_kind())
        self._optimizer = None

    # --------------------------------------------------------------- training
    def fit(self, X, y):
        """Train on (X, y) for up to ``max_iter`` epochs (fresh weights unless ``warm_start``).

        Returns ``self``.
        """
        return self._fit(X, y, incremental=False)

    def _fit(self, X, y, incremental: bool):
        self._check_params()
        first_pass = not hasattr(self, "model_") or (not self.warm_start and not incremental)
        X, y = self._validate_input(X, y, incremental, reset=first_pass)
        T = self._targets(y)
        n_outputs = T.shape[1] if T.ndim == 2 else len(self.classes_)
        if first_pass:
            self._initialize(X.shape[1], n_outputs)
        elif n_outputs != self.n_outputs_:
            raise ValueError(f"y has {n_outputs} outputs but the network was fitted with {self.n_outputs_}")
        X = np.ascontiguousarray(X, dtype=self._dtype)
        # class indices for CrossEntropyLoss; the network's float dtype for the others
        T = np.ascontiguousarray(T, dtype=np.int64 if self._output_kind() == "cross_entropy" else self._dtype)
        if self._optimizer is None or not incremental:
            self._optimizer = self._backend.optimizer(
                self.model_, self.solver, self.learning_rate_init, self.momentum,
                self.nesterovs_momentum and self.momentum > 0, (self.beta_1, self.beta_2), self.epsilon)
            self._learning_rate = self.learning_rate_init
        # Overflow on the way to NaN is reported once, below, in words (as scratchnet.train.fit
        # does), not as NumPy RuntimeWarnings from inside a layer.
        with np.errstate(over="ignore", invalid="ignore"):
            self._fit_stochastic(X, y, T, incremental)
        state = self._backend.get_state(self.model_)
        if not (np.isfinite(self.loss_) and all(np.all(np.isfinite(np.asarray(v))) for v in state.values())):
            raise ValueError(f"training diverged at epoch {self.n_iter_} (loss {self.loss_}; non-finite loss "
                             "or weights): the input may hold "
                             "large values that need scaling (e.g. StandardScaler), or "
                             f"learning_rate_init={self.learning_rate_init} is too large")
        return self

    def _fit_stochastic(self, X, y, T, incremental: bool) -> None:
        """The epoch loop: sklearn's ``_fit_stochastic``, one backend call per batch."""
        backend = self._backend
        if self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True")
        early_stopping = self.early_stopping
        if early_stopping:
            if self.validation_fraction == 0:
                raise ValueError("early_stopping=True needs a validation set: validation_fraction "
                                 "must be > 0 (e.g. 0.1)")
            stratify = y if self._stratify_split() else None
            seed = int(self._rng.integers(np.iinfo(np.int32).max))
            X, X_val, T, T_val, y, y_val = train_test_split(
                X, T, y, test_size=self.validation_fraction, random_state=seed, stratify=stratify)
            if X_val.shape[0] < 2:
                raise ValueError("the early-stopping validation set holds fewer than 2 samples: "
                                 "increase validation_fraction or give more data")
            self._best_state = backend.get_state(self.model_)
        n = X.shape[0]
        if self.batch_size == "auto":
            batch_size = min(200, n)
        else:
            if self.batch_size > n:
                warnings.warn(f"batch_size={self.batch_size} is larger than the {n} training samples; "
                              f"using batches of {n}")
            batch_size = min(self.batch_size, n)
        backend.set_lr(self._optimizer, self._learning_rate)

        self.n_iter_ = 0
        for _ in range(1 if incremental else self.max_iter):
            order = self._rng.permutation(n) if self.shuffle else np.arange(n)
            total = 0.0
            for start in range(0, n, batch_size):
                idx = order[start:start + batch_size]
                total += backend.train_step(self.model_, self._optimizer, self._loss_fn,
                                            X[idx], T[idx], self.alpha) * len(idx)
            self.n_iter_ += 1
            self.t_ += n
            self.loss_ = total / n
            self.loss_curve_.append(self.loss_)
            if self.verbose:
                print(f"Iteration {self.n_iter_}, loss = {self.loss_:.8f}")
            if not np.isfinite(self.loss_):
                break  # diverged: _fit raises with a hint; more epochs cannot help
            self._update_no_improvement_count(early_stopping, X_val if early_stopping else None,
                                              y_val if early_stopping else None)
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
                              "and the optimization hasn't converged yet.", ConvergenceWarning)
        if early_stopping:
            backend.set_state(self.model_, self._best_state)

    def _update_no_improvement_count(self, early_stopping, X_val, y_val) -> None:
        """Patience bookkeeping, as scikit-learn's: validation score or training loss."""
        if early_stopping:
            score = self._score(X_val, y_val)
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
        """Z[L] for validated X, as a 2-D NumPy array."""
        X = np.ascontiguousarray(X, dtype=self._dtype)
        return np.asarray(self._backend.forward(self.model_, X))

    def _validated_logits(self, X) -> np.ndarray:
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=(np.float64, np.float32))
        return self._logits(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        return tags


# ================================================================ classifier


class BaseMLPClassifier(ClassifierMixin, BaseMLP):
    """Target handling and outputs of the classifier (backend-independent)."""

    def _validate_input(self, X, y, incremental, reset):
        X, y = validate_data(self, X, y, multi_output=True, dtype=(np.float64, np.float32), reset=reset)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        if not hasattr(self, "classes_") or (not self.warm_start and not incremental):
            self._label_binarizer = LabelBinarizer().fit(y)
            self.classes_ = self._label_binarizer.classes_
        else:
            classes = unique_labels(y)
            if self.warm_start and not incremental and set(classes) != set(self.classes_):
                raise ValueError("warm_start needs y to have the same classes as the previous fit: "
                                 f"previously {self.classes_}, now {classes}")
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

    def _stratify_split(self) -> bool:
        return self._label_binarizer.y_type_ != "multilabel-indicator"

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

    def _score(self, X, y) -> float:
        """Accuracy on validated X (early stopping)."""
        return float(accuracy_score(y, self._predict_from_logits(self._logits(X))))

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

    def partial_fit(self, X, y, classes=None):
        """One epoch over (X, y), continuing from the current weights and optimizer state.

        ``classes`` (every label the model will ever see) is required on the
        first call, as in scikit-learn, except for a multi-label indicator y.
        """
        if not hasattr(self, "classes_"):
            if classes is None and not type_of_target(y).startswith("multilabel"):
                raise ValueError("classes must be passed on the first call to partial_fit "
                                 "(every label, e.g. np.unique(y_all))")
            self._label_binarizer = LabelBinarizer().fit(y if classes is None else classes)
            self.classes_ = self._label_binarizer.classes_
        elif classes is not None and not np.array_equal(unique_labels(classes), self.classes_):
            raise ValueError(f"classes={classes!r} differs from classes_={self.classes_} "
                             "given on the first partial_fit call")
        return self._fit(X, y, incremental=True)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class BaseMLPRegressor(RegressorMixin, BaseMLP):
    """Target handling and outputs of the regressor (backend-independent)."""

    @property
    def out_activation_(self) -> str:
        """'identity': the outputs are Z[L] itself."""
        check_is_fitted(self)
        return "identity"

    def _validate_input(self, X, y, incremental, reset):
        X, y = validate_data(self, X, y, multi_output=True, y_numeric=True,
                             dtype=(np.float64, np.float32), reset=reset)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        return X, y

    def _output_kind(self) -> str:
        return "mse"

    def _targets(self, y) -> np.ndarray:
        return y.reshape(-1, 1) if y.ndim == 1 else y

    def _stratify_split(self) -> bool:
        return False

    def _score(self, X, y) -> float:
        """R² on validated X (early stopping)."""
        return float(r2_score(y, self._predict_from_logits(self._logits(X))))

    def _predict_from_logits(self, Z):
        return Z.ravel() if Z.shape[1] == 1 else Z

    def predict(self, X):
        """Ŷ = Z[L] (shape (n_samples,) for a single output)."""
        return self._predict_from_logits(self._validated_logits(X))

    def partial_fit(self, X, y):
        """One epoch over (X, y), continuing from the current weights and optimizer state."""
        return self._fit(X, y, incremental=True)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


# ================================================================ the estimators


class MLPClassifier(BaseMLPClassifier):
    """Multilayer-perceptron classifier trained by scratchnet (NumPy, explicit backprop).

    Binary, multi-class and multi-label (indicator matrix) targets. Parameters
    are scikit-learn's ``MLPClassifier``'s (same names and defaults; see the
    module docstring for where the training differs):

    hidden_layer_sizes : int or tuple of int, default (100,)
    activation : {'identity', 'logistic', 'tanh', 'relu'}, default 'relu'
    solver : {'sgd', 'adam'}, default 'adam'
    alpha : float, default 1e-4 — L2 strength, J += α/(2m)·Σ‖W[l]‖²
    batch_size : int or 'auto' (= min(200, n_samples))
    learning_rate : {'constant', 'invscaling', 'adaptive'} — schedule for 'sgd' only
    learning_rate_init : float, default 1e-3;  power_t : float (invscaling)
    max_iter : int, default 200 (epochs);  shuffle : bool, default True
    random_state : None, int or RandomState;  verbose : bool;  warm_start : bool
    tol, n_iter_no_change : stop after n_iter_no_change + 1 epochs without an
        improvement of tol (training loss, or validation accuracy with early_stopping);
        ``n_iter_no_change=np.inf`` never stops early
    momentum, nesterovs_momentum : for 'sgd'
    early_stopping, validation_fraction : hold out that fraction (stratified)
        and keep the weights with the best validation accuracy
    beta_1, beta_2, epsilon : for 'adam'
    dtype : 'float64' (default) or 'float32'

    Fitted attributes: ``classes_``, ``n_features_in_`` (and
    ``feature_names_in_``), ``model_`` (the ``scratchnet.nn.Sequential``),
    ``coefs_`` / ``intercepts_`` (scikit-learn's layout), ``loss_``,
    ``loss_curve_``, ``best_loss_``, ``validation_scores_``,
    ``best_validation_score_``, ``n_iter_``, ``t_``, ``n_outputs_``,
    ``n_layers_``, ``out_activation_``.
    """


class MLPRegressor(BaseMLPRegressor):
    """Multilayer-perceptron regressor trained by scratchnet (NumPy, explicit backprop).

    Single or multiple outputs; loss ``MSELoss`` (not scikit-learn's half
    squared error, see the module docstring). Parameters and fitted attributes
    as :class:`MLPClassifier`'s (``validation_scores_`` hold R²; no
    ``classes_``).
    """
