"""Gradient flow through depth: why a deep stack of sigmoids barely learns, and how ReLU,
residual connections and normalisation keep the gradient alive.

Backpropagation multiplies one Jacobian per layer. For $h_l = \\sigma(W_l h_{l-1})$,

    dL/dh_{l-1} = W_l^T diag(sigma'(a_l)) dL/dh_l,   sigma'(a) = sigma(a)(1 - sigma(a)) <= 1/4

so after nine layers the gradient reaching the first layer has shrunk by a factor of the
order of (|W| / 4)^9. A residual block $h_l = h_{l-1} + W_l \\mathrm{ReLU}(\\mathrm{LN}(h_{l-1}))$ has
Jacobian $I + \\ldots$: the identity path hands the gradient down unchanged, and layer
normalisation keeps each block's input at unit scale. Both networks have 10 weight layers of
width 32 and are trained on the same moons; we record each layer's gradient norm at every step.
"""

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from models.boundaries import Split

Progress = Callable[[int, int, str], None]


@dataclass
class GradFlowConfig:
    depth: int = 10  # weight layers before the output head: deep enough for sigmoid's 1/4 to compound
    width: int = 32  # every hidden layer
    steps: int = 300  # plain SGD steps on minibatches of moons: each weight moves by lr times its own gradient
    batch_size: int = 64
    lr: float = 0.1  # the same rate for both networks
    ratio_steps: int = 50  # the ratio is averaged over these first steps, before training changes the picture
    seed: int = 0  # fixes both networks' initial weights and the batch order


class DeepSigmoid(nn.Module):
    # $h_l = \sigma(W_l h_{l-1} + b_l)$ for $l = 1 \ldots 10$, then a linear head
    def __init__(self, config: GradFlowConfig):
        super().__init__()
        sizes = [2] + [config.width] * config.depth
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in itertools.pairwise(sizes))
        self.head = nn.Linear(config.width, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            x = torch.sigmoid(layer(x))
        return self.head(x).squeeze(-1)  # (B, 1) -> (B,)


class ResidualReLU(nn.Module):
    # layer 1 lifts the 2-D input to the width: $h_1 = W_1 x + b_1$;
    # layers 2..10 are pre-norm residual blocks: $h_l = h_{l-1} + W_l \mathrm{ReLU}(\mathrm{LN}(h_{l-1})) + b_l$
    def __init__(self, config: GradFlowConfig):
        super().__init__()
        sizes = [2] + [config.width] * config.depth
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in itertools.pairwise(sizes))
        self.norms = nn.ModuleList(nn.LayerNorm(config.width) for _ in range(config.depth - 1))
        self.norm_out = nn.LayerNorm(config.width)
        self.head = nn.Linear(config.width, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.layers[0](x)
        for layer, norm in zip(self.layers[1:], self.norms, strict=True):
            h = h + layer(F.relu(norm(h)))
        return self.head(self.norm_out(h)).squeeze(-1)


@dataclass
class FlowRun:
    name: str
    grad_norms: np.ndarray  # (steps, depth): $\|\partial L / \partial W_l\|_F$ for each weight layer at each step
    loss: np.ndarray  # (steps,) minibatch training loss
    ratio: float  # mean over the first ratio_steps of $\|\nabla W_1\| / \|\nabla W_{depth}\|$
    test_accuracy: float


def train_and_record(model: nn.Module, name: str, split: Split, config: GradFlowConfig) -> FlowRun:
    g = torch.Generator().manual_seed(config.seed)
    x_train = torch.tensor(split.x_train, dtype=torch.float32)
    y_train = torch.tensor(split.y_train, dtype=torch.float32)
    norms, losses = [], []
    for _ in range(config.steps):
        idx = torch.randint(0, len(x_train), (config.batch_size,), generator=g)
        loss = F.binary_cross_entropy_with_logits(model(x_train[idx]), y_train[idx])
        model.zero_grad()
        loss.backward()
        norms.append([layer.weight.grad.norm().item() for layer in model.layers])
        losses.append(loss.item())
        # plain SGD, $W \leftarrow W - \eta \, \partial L / \partial W$: a layer whose gradient vanished stops learning
        with torch.no_grad():
            for p in model.parameters():
                p -= config.lr * p.grad
    grad_norms = np.array(norms)
    ratio = float(np.mean(grad_norms[: config.ratio_steps, 0] / grad_norms[: config.ratio_steps, -1]))
    with torch.no_grad():
        logits = model(torch.tensor(split.x_test, dtype=torch.float32))
    acc = float(((logits > 0).numpy() == (split.y_test > 0.5)).mean())
    return FlowRun(name, grad_norms, np.array(losses), ratio, acc)


@dataclass
class GradFlowResult:
    sigmoid: FlowRun
    residual: FlowRun


def compare(split: Split, config: GradFlowConfig, progress: Progress | None = None) -> GradFlowResult:
    runs = []
    for i, (cls, name) in enumerate([(DeepSigmoid, "deep sigmoid"), (ResidualReLU, "ReLU + residual + LayerNorm")]):
        torch.manual_seed(config.seed)  # the same seed for both initialisations
        if progress is not None:
            progress(i + 1, 2, f"training {name}")
        runs.append(train_and_record(cls(config), name, split, config))
    return GradFlowResult(sigmoid=runs[0], residual=runs[1])
