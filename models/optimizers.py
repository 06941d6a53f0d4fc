"""Four optimisers written from their update rules, on our own autograd engine
(models/autograd.py): SGD, SGD with momentum, RMSProp and Adam; a warm-up + cosine
learning-rate schedule; and the Rosenbrock function, a curved valley on which their
differences are visible in two dimensions.

Each rule reads the gradient $g_t = \\nabla_\\theta L(\\theta_{t-1})$ that `backward()` left in
`.grad` and moves `.data`. The conventions (where the learning rate multiplies, where eps
sits) are torch.optim's, so the tests can compare step by step.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from models.autograd import MLP, MLPConfig, Tensor, bce_with_logits


class Optimizer:
    def __init__(self, params: list[Tensor], lr: float):
        self.params = params
        self.lr = lr  # a schedule may change it between steps
        self.t = 0  # steps taken

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = np.zeros_like(p.data)

    def step(self) -> None:
        self.t += 1
        for i, p in enumerate(self.params):
            p.data -= self.update(i, p.grad)

    def update(self, i: int, g: np.ndarray) -> np.ndarray:
        raise NotImplementedError


class SGD(Optimizer):
    # $\theta_t = \theta_{t-1} - \eta g_t$
    def update(self, i: int, g: np.ndarray) -> np.ndarray:
        return self.lr * g


class Momentum(Optimizer):
    # a velocity that remembers past gradients: $v_t = \mu v_{t-1} + g_t$, $\theta_t = \theta_{t-1} - \eta v_t$.
    # Along a direction where $g$ keeps its sign the step grows towards $\eta g / (1 - \mu)$;
    # across a valley, where $g$ flips sign, the terms cancel.
    def __init__(self, params: list[Tensor], lr: float, mu: float = 0.9):
        super().__init__(params, lr)
        self.mu = mu
        self.v = [np.zeros_like(p.data) for p in params]

    def update(self, i: int, g: np.ndarray) -> np.ndarray:
        self.v[i] = self.mu * self.v[i] + g
        return self.lr * self.v[i]


class RMSProp(Optimizer):
    # divide by a running root-mean-square of the gradient, so each coordinate moves about
    # $\eta$ per step whatever its gradient's scale: $s_t = \alpha s_{t-1} + (1 - \alpha) g_t^2$,
    # $\theta_t = \theta_{t-1} - \eta g_t / (\sqrt{s_t} + \epsilon)$
    def __init__(self, params: list[Tensor], lr: float, alpha: float = 0.99, eps: float = 1e-8):
        super().__init__(params, lr)
        self.alpha, self.eps = alpha, eps
        self.s = [np.zeros_like(p.data) for p in params]

    def update(self, i: int, g: np.ndarray) -> np.ndarray:
        self.s[i] = self.alpha * self.s[i] + (1.0 - self.alpha) * g**2
        return self.lr * g / (np.sqrt(self.s[i]) + self.eps)


class Adam(Optimizer):
    # momentum and RMSProp together (Kingma & Ba 2015, Algorithm 1):
    # $m_t = \beta_1 m_{t-1} + (1 - \beta_1) g_t$,  $v_t = \beta_2 v_{t-1} + (1 - \beta_2) g_t^2$,
    # bias-corrected $\hat m_t = m_t / (1 - \beta_1^t)$,  $\hat v_t = v_t / (1 - \beta_2^t)$ (both start at 0),
    # $\theta_t = \theta_{t-1} - \eta \hat m_t / (\sqrt{\hat v_t} + \epsilon)$
    def __init__(self, params: list[Tensor], lr: float, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
        super().__init__(params, lr)
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.m = [np.zeros_like(p.data) for p in params]
        self.v = [np.zeros_like(p.data) for p in params]

    def update(self, i: int, g: np.ndarray) -> np.ndarray:
        self.m[i] = self.beta1 * self.m[i] + (1.0 - self.beta1) * g
        self.v[i] = self.beta2 * self.v[i] + (1.0 - self.beta2) * g**2
        m_hat = self.m[i] / (1.0 - self.beta1**self.t)
        v_hat = self.v[i] / (1.0 - self.beta2**self.t)
        return self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


OPTIMIZERS: dict[str, type[Optimizer]] = {"sgd": SGD, "momentum": Momentum, "rmsprop": RMSProp, "adam": Adam}


# ---- learning-rate schedule --------------------------------------------------------------


# Linear warm-up for the first $w$ steps (Adam's early, badly estimated $v_t$ meets small steps),
# then cosine decay to $\eta_{min}$ over the remaining $T - w$:
# $\eta_t = \eta_{min} + \frac{1}{2} (\eta_{max} - \eta_{min}) (1 + \cos(\pi \frac{t - w}{T - w}))$
def warmup_cosine(step: int, total: int, warmup: int, lr_max: float, lr_min: float) -> float:
    if step < warmup:
        return lr_max * (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return lr_min + 0.5 * (lr_max - lr_min) * (1.0 + math.cos(math.pi * progress))


# ---- the 2-D test function ---------------------------------------------------------------


# Rosenbrock's valley: $f(x, y) = (a - x)^2 + b (y - x^2)^2$, minimum 0 at $(a, a^2)$.
# The valley floor $y = x^2$ is easy to find and slow to follow: across it the curvature is
# about $200 b x^2$ larger than along it. Works on Tensors and on plain numpy grids alike.
def rosenbrock(x, y, a: float = 1.0, b: float = 100.0):
    return (a - x) ** 2 + b * (y - x**2) ** 2


@dataclass
class Trajectory:
    name: str  # optimiser
    lr: float
    x: np.ndarray  # (steps + 1,) positions, starting point first
    y: np.ndarray
    loss: np.ndarray  # f at each position; inf or nan once a run diverges


def descend(name: str, lr: float, steps: int, start: tuple[float, float]) -> Trajectory:
    x, y = Tensor(start[0]), Tensor(start[1])
    opt = OPTIMIZERS[name]([x, y], lr)
    xs, ys, losses = [x.data.item()], [y.data.item()], []
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging run is data, not an error
        for _ in range(steps):
            opt.zero_grad()
            loss = rosenbrock(x, y)
            losses.append(loss.data.item())
            loss.backward()
            opt.step()
            xs.append(x.data.item())
            ys.append(y.data.item())
        losses.append(float(rosenbrock(x.data, y.data)))
    return Trajectory(name, lr, np.array(xs), np.array(ys), np.array(losses))


# ---- the same optimisers on the MLP ------------------------------------------------------


@dataclass
class MLPRunConfig:
    sizes: tuple[int, ...] = (2, 16, 16, 1)  # the decision-boundary network
    steps: int = 300  # full-batch steps: the same budget for every optimiser
    seed: int = 0  # the same initial weights for every optimiser


@dataclass
class LossCurve:
    name: str
    lr: float
    loss: np.ndarray  # (steps,) training loss before each step
    lr_used: np.ndarray  # (steps,) the learning rate applied at each step


# Full-batch training so each curve is the optimiser's doing, not the batch order's.
# `lr_at(t)` gives the rate for step t; None keeps it constant.
def train_mlp(
    name: str,
    lr: float,
    x: np.ndarray,
    y: np.ndarray,
    config: MLPRunConfig,
    lr_at: Callable[[int], float] | None = None,
) -> LossCurve:
    mlp = MLP(MLPConfig(sizes=config.sizes, seed=config.seed))
    opt = OPTIMIZERS[name](mlp.parameters(), lr)
    losses, rates = [], []
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(config.steps):
            opt.lr = lr if lr_at is None else lr_at(t)
            opt.zero_grad()
            loss = bce_with_logits(mlp(x), y)
            loss.backward()
            opt.step()
            losses.append(loss.data.item())
            rates.append(opt.lr)
    return LossCurve(name, lr, np.array(losses), np.array(rates))
