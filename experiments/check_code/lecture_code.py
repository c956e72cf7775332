"""The lectures' own code, as printed, for ``torch_ref.check`` to check.

* CS229 Lecture 11 (``000_cf38cdbe29059033.txt``): the activation helpers of
  §"Activation functions and derivatives" and the notebook's
  ``NeuralNetwork`` class (2-layer, ReLU → sigmoid, examples as columns),
  copied line for line (trailing spaces dropped).
* Chapter 15 (``002_9091aa63c327fb13.txt``), "Building a Neural Network from
  Scratch: XOR Problem": the listing is one loop; its forward and backward
  lines are copied line for line into ``xor_forward`` / ``xor_backward`` (the
  loop's body, with the variables it uses passed in and returned), and its
  initialization into ``xor_init``. The "Gradient Descent Variants" listing's
  momentum and Adam updates are copied into per-tensor update functions the
  same way (``sgd_momentum_step``, ``adam_step``).

Nothing here is corrected: finding what differs from torch is the point.
The lectures seed NumPy's global stream; callers save and restore it.
"""

import numpy as np

# ============================================================================ CS229 Lecture 11
# Activation functions and derivatives
def sigmoid(z):
    """Sigmoid activation."""
    return 1 / (1 + np.exp(-np.clip(z, -500, 500)))

def sigmoid_derivative(z):
    """Derivative of sigmoid."""
    s = sigmoid(z)
    return s * (1 - s)

def tanh(z):
    """Hyperbolic tangent."""
    return np.tanh(z)

def tanh_derivative(z):
    """Derivative of tanh."""
    return 1 - np.tanh(z)**2

def relu(z):
    """Rectified Linear Unit."""
    return np.maximum(0, z)

def relu_derivative(z):
    """Derivative of ReLU."""
    return (z > 0).astype(float)

def leaky_relu(z, alpha=0.01):
    """Leaky ReLU."""
    return np.where(z > 0, z, alpha * z)

def leaky_relu_derivative(z, alpha=0.01):
    """Derivative of Leaky ReLU."""
    return np.where(z > 0, 1, alpha)


class NeuralNetwork:
    """
    Simple 2-layer neural network for binary classification.
    Architecture: Input -> Hidden (ReLU) -> Output (Sigmoid)
    """
    def __init__(self, input_size, hidden_size, learning_rate=0.01):
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.learning_rate = learning_rate

        # Xavier initialization
        self.W1 = np.random.randn(hidden_size, input_size) * np.sqrt(2.0 / input_size)
        self.b1 = np.zeros((hidden_size, 1))
        self.W2 = np.random.randn(1, hidden_size) * np.sqrt(2.0 / hidden_size)
        self.b2 = np.zeros((1, 1))

        # Cache for backprop
        self.cache = {}
        self.costs = []

    def forward(self, X):
        """
        Forward propagation.
        X: (n_features, m_samples)
        """
        # Layer 1
        Z1 = self.W1 @ X + self.b1  # (hidden_size, m)
        A1 = relu(Z1)

        # Layer 2
        Z2 = self.W2 @ A1 + self.b2  # (1, m)
        A2 = sigmoid(Z2)

        # Cache for backprop
        self.cache = {
            'X': X,
            'Z1': Z1,
            'A1': A1,
            'Z2': Z2,
            'A2': A2
        }

        return A2

    def compute_cost(self, Y):
        """
        Compute binary cross-entropy cost.
        Y: (1, m)
        """
        m = Y.shape[1]
        A2 = self.cache['A2']

        # Clip to avoid log(0)
        A2_clipped = np.clip(A2, 1e-10, 1 - 1e-10)

        cost = -1/m * np.sum(Y * np.log(A2_clipped) + (1 - Y) * np.log(1 - A2_clipped))
        return cost

    def backward(self, Y):
        """
        Backpropagation.
        """
        m = Y.shape[1]
        X = self.cache['X']
        A1 = self.cache['A1']
        A2 = self.cache['A2']
        Z1 = self.cache['Z1']

        # Layer 2 gradients
        dZ2 = A2 - Y  # (1, m)
        dW2 = 1/m * dZ2 @ A1.T  # (1, hidden_size)
        db2 = 1/m * np.sum(dZ2, axis=1, keepdims=True)  # (1, 1)

        # Layer 1 gradients
        dA1 = self.W2.T @ dZ2  # (hidden_size, m)
        dZ1 = dA1 * relu_derivative(Z1)  # (hidden_size, m)
        dW1 = 1/m * dZ1 @ X.T  # (hidden_size, n_features)
        db1 = 1/m * np.sum(dZ1, axis=1, keepdims=True)  # (hidden_size, 1)

        return {'dW1': dW1, 'db1': db1, 'dW2': dW2, 'db2': db2}

    def update_parameters(self, gradients):
        """
        Gradient descent update.
        """
        self.W1 -= self.learning_rate * gradients['dW1']
        self.b1 -= self.learning_rate * gradients['db1']
        self.W2 -= self.learning_rate * gradients['dW2']
        self.b2 -= self.learning_rate * gradients['db2']

    def train(self, X, Y, num_iterations=1000, print_cost=False):
        """
        Train the neural network.
        X: (n_features, m)
        Y: (1, m)
        """
        for i in range(num_iterations):
            # Forward
            A2 = self.forward(X)

            # Cost
            cost = self.compute_cost(Y)
            self.costs.append(cost)

            # Backward
            gradients = self.backward(Y)

            # Update
            self.update_parameters(gradients)

            if print_cost and i % 100 == 0:
                print(f"Iteration {i}: Cost = {cost:.4f}")

    def predict(self, X):
        """
        Predict class labels.
        """
        A2 = self.forward(X)
        predictions = (A2 > 0.5).astype(int)
        return predictions


# ============================================================================ Chapter 15: XOR from scratch
# XOR data: single perceptron CANNOT learn this
X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
y = np.array([[0], [1], [1], [0]])


def ch15_sigmoid(z):
    return 1 / (1 + np.exp(-z))


def ch15_sigmoid_derivative(a):
    return a * (1 - a)


def xor_init():
    """The listing's initialization (it calls np.random.seed(42) itself)."""
    # Network: 2 inputs -> 4 hidden (sigmoid) -> 1 output (sigmoid)
    np.random.seed(42)
    W1 = np.random.randn(2, 4) * 0.5
    b1 = np.zeros((1, 4))
    W2 = np.random.randn(4, 1) * 0.5
    b2 = np.zeros((1, 1))
    return W1, b1, W2, b2


def xor_forward(X, W1, b1, W2, b2):
    """The loop's "Forward pass" lines; returns a2 and what the backward lines use."""
    sigmoid = ch15_sigmoid
    # Forward pass
    z1 = X @ W1 + b1
    a1 = sigmoid(z1)
    z2 = a1 @ W2 + b2
    a2 = sigmoid(z2)
    return a2, (X, a1, a2, W2)


def xor_loss(a2, y):
    """The loop's "Loss" line."""
    # Loss
    loss = np.mean((y - a2) ** 2)
    return loss


def xor_backward(y, cache):
    """The loop's "Backward pass" lines; returns dW1, db1, dW2, db2."""
    X, a1, a2, W2 = cache
    sigmoid_derivative = ch15_sigmoid_derivative
    # Backward pass
    dz2 = (a2 - y) * sigmoid_derivative(a2)
    dW2 = a1.T @ dz2 / 4
    db2 = np.sum(dz2, axis=0, keepdims=True) / 4

    da1 = dz2 @ W2.T
    dz1 = da1 * sigmoid_derivative(a1)
    dW1 = X.T @ dz1 / 4
    db1 = np.sum(dz1, axis=0, keepdims=True) / 4
    return dW1, db1, dW2, db2


# ============================================================================ Chapter 15: optimizers
# "Gradient Descent Variants: SGD vs Mini-Batch vs Adam": the loops' update lines, per tensor.
def sgd_momentum_step(params, grad, state, lr=0.1, momentum=0.9):
    """2. SGD with Momentum: velocity = momentum * velocity - lr * gradient(params); params += velocity."""
    velocity = state.get("velocity", np.zeros_like(params))
    velocity = momentum * velocity - lr * grad
    params += velocity
    state["velocity"] = velocity


def adam_step(params, grad, state, lr=0.1, beta1=0.9, beta2=0.999, eps=1e-8):
    """3. Adam optimizer: the loop body, t counted in the state as the loop's `for t in range(1, ...)`."""
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
