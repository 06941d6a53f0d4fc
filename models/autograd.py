"""Reverse-mode automatic differentiation from scratch, in the spirit of micrograd, but over
numpy arrays instead of single numbers.

Every operation builds a node that remembers its inputs and a small `_backward` closure.
`backward()` visits the nodes from the loss back to the leaves and applies the chain rule:
each node adds its share of the upstream gradient to its inputs' `.grad`,

    dL/dx = sum over the nodes y that use x of  dL/dy * dy/dx

so the backward rule of each operation sits right beside its forward. A gradient check
compares those analytic gradients with central finite differences; a copy of tanh with one
factor left out of its derivative shows what a wrong backward looks like in the check.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

ArrayLike = np.ndarray | float | int


def _unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    # numpy broadcast a smaller input up to the output's shape in the forward pass, so the
    # gradient of that input is the sum over every axis it was copied along
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, n in enumerate(shape):
        if n == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


class Tensor:
    """A numpy array with a gradient and a link to the operation that made it."""

    def __init__(self, data: ArrayLike, children: tuple["Tensor", ...] = (), op: str = ""):
        self.data = np.asarray(data, dtype=np.float64)
        self.grad = np.zeros_like(self.data)
        self._backward: Callable[[], None] = lambda: None
        self._prev = children
        self.op = op

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    def __repr__(self) -> str:
        return f"Tensor(shape={self.shape}, op={self.op!r})"

    # ---- elementwise arithmetic -------------------------------------------------------

    # $z = x + y$:  $\partial z / \partial x = \partial z / \partial y = 1$
    def __add__(self, other: "Tensor | ArrayLike") -> "Tensor":
        other = other if isinstance(other, Tensor) else Tensor(other)
        out = Tensor(self.data + other.data, (self, other), "+")

        def _backward() -> None:
            self.grad += _unbroadcast(out.grad, self.shape)
            other.grad += _unbroadcast(out.grad, other.shape)

        out._backward = _backward
        return out

    # $z = x y$:  $\partial z / \partial x = y$,  $\partial z / \partial y = x$
    def __mul__(self, other: "Tensor | ArrayLike") -> "Tensor":
        other = other if isinstance(other, Tensor) else Tensor(other)
        out = Tensor(self.data * other.data, (self, other), "*")

        def _backward() -> None:
            self.grad += _unbroadcast(out.grad * other.data, self.shape)
            other.grad += _unbroadcast(out.grad * self.data, other.shape)

        out._backward = _backward
        return out

    # $z = x^p$ for a constant $p$:  $\partial z / \partial x = p x^{p-1}$
    def __pow__(self, p: float) -> "Tensor":
        out = Tensor(self.data**p, (self,), f"**{p}")

        def _backward() -> None:
            self.grad += out.grad * p * self.data ** (p - 1)

        out._backward = _backward
        return out

    # subtraction and division reuse the rules above: $x - y = x + (-1) y$, $x / y = x y^{-1}$
    def __neg__(self) -> "Tensor":
        return self * -1.0

    def __sub__(self, other: "Tensor | ArrayLike") -> "Tensor":
        return self + (-other if isinstance(other, Tensor) else Tensor(-np.asarray(other, dtype=np.float64)))

    def __truediv__(self, other: "Tensor | ArrayLike") -> "Tensor":
        other = other if isinstance(other, Tensor) else Tensor(other)
        return self * other**-1.0

    def __radd__(self, other: ArrayLike) -> "Tensor":
        return self + other

    def __rmul__(self, other: ArrayLike) -> "Tensor":
        return self * other

    def __rsub__(self, other: ArrayLike) -> "Tensor":
        return Tensor(other) - self

    def __rtruediv__(self, other: ArrayLike) -> "Tensor":
        return Tensor(other) / self

    # ---- matrix product and reductions ------------------------------------------------

    # $Z = X W$ with X (N, D_in), W (D_in, D_out):
    # $\partial L / \partial X = (\partial L / \partial Z) W^\top$,
    # $\partial L / \partial W = X^\top (\partial L / \partial Z)$
    def __matmul__(self, other: "Tensor") -> "Tensor":
        out = Tensor(self.data @ other.data, (self, other), "@")

        def _backward() -> None:
            self.grad += out.grad @ other.data.T  # (N, D_out) @ (D_out, D_in) -> (N, D_in)
            other.grad += self.data.T @ out.grad  # (D_in, N) @ (N, D_out) -> (D_in, D_out)

        out._backward = _backward
        return out

    # $z = \sum_i x_i$: every summed element receives the upstream gradient unchanged
    def sum(self, axis: int | None = None, keepdims: bool = False) -> "Tensor":
        out = Tensor(self.data.sum(axis=axis, keepdims=keepdims), (self,), "sum")

        def _backward() -> None:
            grad = out.grad
            if axis is not None and not keepdims:
                grad = np.expand_dims(grad, axis)  # put back the summed axis, length 1
            self.grad += np.broadcast_to(grad, self.shape)

        out._backward = _backward
        return out

    def mean(self, axis: int | None = None, keepdims: bool = False) -> "Tensor":
        n = self.data.size if axis is None else self.shape[axis]
        return self.sum(axis=axis, keepdims=keepdims) * (1.0 / n)

    # ---- elementwise functions --------------------------------------------------------

    # $z = e^x$:  $\partial z / \partial x = e^x = z$
    def exp(self) -> "Tensor":
        out = Tensor(np.exp(self.data), (self,), "exp")

        def _backward() -> None:
            self.grad += out.grad * out.data

        out._backward = _backward
        return out

    # $z = \log x$:  $\partial z / \partial x = 1 / x$
    def log(self) -> "Tensor":
        out = Tensor(np.log(self.data), (self,), "log")

        def _backward() -> None:
            self.grad += out.grad / self.data

        out._backward = _backward
        return out

    # $z = \tanh x$:  $\partial z / \partial x = 1 - \tanh^2 x = (1 - z)(1 + z)$
    def tanh(self) -> "Tensor":
        out = Tensor(np.tanh(self.data), (self,), "tanh")

        def _backward() -> None:
            self.grad += out.grad * (1.0 - out.data) * (1.0 + out.data)

        out._backward = _backward
        return out

    # the planted bug: the same forward, but the factor $(1 + z)$ is missing from the derivative
    def tanh_missing_factor(self) -> "Tensor":
        out = Tensor(np.tanh(self.data), (self,), "tanh(bug)")

        def _backward() -> None:
            self.grad += out.grad * (1.0 - out.data)

        out._backward = _backward
        return out

    # $z = \max(0, x)$:  $\partial z / \partial x = 1$ where $x > 0$, else 0
    def relu(self) -> "Tensor":
        out = Tensor(np.maximum(self.data, 0.0), (self,), "relu")

        def _backward() -> None:
            self.grad += out.grad * (self.data > 0)

        out._backward = _backward
        return out

    # $z = \sigma(x) = 1 / (1 + e^{-x})$:  $\partial z / \partial x = z (1 - z)$, never above 1/4
    def sigmoid(self) -> "Tensor":
        out = Tensor(0.5 * (1.0 + np.tanh(0.5 * self.data)), (self,), "sigmoid")  # overflow-free form

        def _backward() -> None:
            self.grad += out.grad * out.data * (1.0 - out.data)

        out._backward = _backward
        return out

    # ---- the backward pass ------------------------------------------------------------

    def backward(self) -> None:
        # order the graph so each node comes after everything it was computed from, then walk
        # it from the loss ($\partial L / \partial L = 1$) back to the leaves
        order: list[Tensor] = []
        seen: set[int] = set()
        stack: list[tuple[Tensor, bool]] = [(self, False)]
        while stack:
            node, children_done = stack.pop()
            if children_done:
                order.append(node)
            elif id(node) not in seen:
                seen.add(id(node))
                stack.append((node, True))
                stack.extend((child, False) for child in node._prev if id(child) not in seen)
        self.grad = np.ones_like(self.data)
        for node in reversed(order):
            node._backward()


# Binary cross-entropy on a logit $z$ and a label $y \in \{0, 1\}$, averaged over the batch:
# $\ell = \log(1 + e^{z}) - y z$, so $\partial \ell / \partial z = \sigma(z) - y$.
# Written as $\max(z, 0) - y z + \log(1 + e^{-|z|})$ so a large logit never overflows.
def bce_with_logits(z: Tensor, y: np.ndarray) -> Tensor:
    y = np.asarray(y, dtype=np.float64).reshape(z.shape)
    losses = np.maximum(z.data, 0.0) - y * z.data + np.log1p(np.exp(-np.abs(z.data)))
    out = Tensor(losses.mean(), (z,), "bce")

    def _backward() -> None:
        p = 0.5 * (1.0 + np.tanh(0.5 * z.data))
        z.grad += out.grad * (p - y) / y.size

    out._backward = _backward
    return out


# ---- a multilayer perceptron on the engine -----------------------------------------------


@dataclass
class MLPConfig:
    sizes: tuple[int, ...] = (2, 16, 16, 1)  # input, hidden widths, one output logit
    activation: str = "tanh"  # a Tensor method: tanh, relu, sigmoid, or tanh_missing_factor (the planted bug)
    seed: int = 0  # fixes the initial weights


class Linear:
    # $h = x W + b$, W (D_in, D_out); weights drawn $\mathcal{N}(0, 1/D_{in})$ so the
    # pre-activations start with unit variance and tanh starts in its linear part
    def __init__(self, d_in: int, d_out: int, rng: np.random.Generator):
        self.W = Tensor(rng.normal(0.0, 1.0 / np.sqrt(d_in), size=(d_in, d_out)))
        self.b = Tensor(np.zeros(d_out))

    def __call__(self, x: Tensor) -> Tensor:
        return x @ self.W + self.b  # (N, D_in) @ (D_in, D_out) + (D_out,) -> (N, D_out)


class MLP:
    def __init__(self, config: MLPConfig):
        rng = np.random.default_rng(config.seed)
        self.config = config
        self.layers = [Linear(a, b, rng) for a, b in zip(config.sizes[:-1], config.sizes[1:], strict=True)]

    def parameters(self) -> list[Tensor]:
        return [p for layer in self.layers for p in (layer.W, layer.b)]

    def __call__(self, x: Tensor | np.ndarray) -> Tensor:
        h = x if isinstance(x, Tensor) else Tensor(x)
        for layer in self.layers[:-1]:
            h = getattr(layer(h), self.config.activation)()
        return self.layers[-1](h)  # (N, 1) logits: no activation on the output

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        logits = self(x).data[:, 0]
        return 0.5 * (1.0 + np.tanh(0.5 * logits))


# ---- the gradient check ------------------------------------------------------------------


@dataclass
class GradCheckResult:
    analytic: np.ndarray  # every parameter's gradient from backward(), flattened in parameter order
    numeric: np.ndarray  # the same from central differences
    rel_error: np.ndarray  # |a - n| / max(|a|, |n|, 1e-8), one per parameter entry
    max_rel_error: float


# Central differences, one parameter entry at a time:
# $n_i = \frac{L(\theta + \epsilon e_i) - L(\theta - \epsilon e_i)}{2 \epsilon}$, error $O(\epsilon^2)$;
# relative error $r_i = |a_i - n_i| / \max(|a_i|, |n_i|, 10^{-8})$ so tiny gradients are judged fairly.
def gradient_check(loss_fn: Callable[[], Tensor], params: list[Tensor], eps: float = 1e-6) -> GradCheckResult:
    for p in params:
        p.grad = np.zeros_like(p.data)
    loss_fn().backward()
    analytic = np.concatenate([p.grad.ravel().copy() for p in params])
    numeric = []
    for p in params:
        flat = p.data.reshape(-1)  # a view: writing to it moves the parameter
        for i in range(flat.size):
            original = flat[i]
            flat[i] = original + eps
            loss_plus = float(loss_fn().data)
            flat[i] = original - eps
            loss_minus = float(loss_fn().data)
            flat[i] = original
            numeric.append((loss_plus - loss_minus) / (2.0 * eps))
    numeric_arr = np.array(numeric)
    rel = np.abs(analytic - numeric_arr) / np.maximum(np.maximum(np.abs(analytic), np.abs(numeric_arr)), 1e-8)
    return GradCheckResult(analytic, numeric_arr, rel, float(rel.max()))


@dataclass
class GradCheckConfig:
    sizes: tuple[int, ...] = (2, 8, 8, 1)  # 105 parameters: each costs two forward passes
    n_points: int = 32  # a random batch; the check needs no real data
    eps: float = 1e-6  # small enough for an O(eps^2) truncation error, large enough to beat float64 rounding
    seed: int = 0  # fixes the batch and the weights


@dataclass
class GradCheckComparison:
    correct: GradCheckResult  # the engine as written
    buggy: GradCheckResult  # the same network and batch with tanh_missing_factor


def check_mlp(config: GradCheckConfig) -> GradCheckComparison:
    rng = np.random.default_rng(config.seed)
    x = rng.normal(size=(config.n_points, config.sizes[0]))
    y = (rng.random(config.n_points) < 0.5).astype(np.float64)
    results = []
    for activation in ("tanh", "tanh_missing_factor"):
        mlp = MLP(MLPConfig(sizes=config.sizes, activation=activation, seed=config.seed))
        results.append(gradient_check(lambda m=mlp: bce_with_logits(m(x), y), mlp.parameters(), config.eps))
    return GradCheckComparison(correct=results[0], buggy=results[1])
