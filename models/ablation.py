"""A small ablation: which of width, depth and learning rate matters for the moons MLP, and
how much of a difference is only the seed.

Every combination of two widths, two depths and two learning rates is trained with three
seeds (initial weights and batch order; the data and its split stay fixed). A difference
between two settings means something only when it is larger than the spread across seeds:
we report the mean held-out accuracy $\\bar a = \\frac{1}{S} \\sum_s a_s$ and the sample standard
deviation $\\sqrt{\\frac{1}{S-1} \\sum_s (a_s - \\bar a)^2}$.
"""

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from models.boundaries import Split, TrainConfig, train

Progress = Callable[[int, int, str], None]


@dataclass
class AblationConfig:
    widths: tuple[int, ...] = (8, 32)  # hidden units per layer
    depths: tuple[int, ...] = (1, 3)  # hidden layers
    lrs: tuple[float, ...] = (0.003, 0.03)  # Adam step sizes, a factor of 10 apart
    seeds: tuple[int, ...] = (0, 1, 2)  # three runs per setting give a spread
    epochs: int = 30  # shorter than the boundary demo, so all 24 runs fit in a few seconds
    batch_size: int = 64  # 11 steps an epoch: keeps the 24 runs inside the 20 s budget


@dataclass
class AblationRow:
    width: int
    depth: int
    lr: float
    accuracies: list[float]  # held-out accuracy of each seed
    mean: float
    std: float  # sample standard deviation over seeds (ddof = 1)


def run(split: Split, config: AblationConfig, progress: Progress | None = None) -> list[AblationRow]:
    rows = []
    settings = list(itertools.product(config.widths, config.depths, config.lrs))
    for i, (width, depth, lr) in enumerate(settings):
        accs = []
        for seed in config.seeds:
            train_config = TrainConfig(
                hidden=(width,) * depth,
                epochs=config.epochs,
                batch_size=config.batch_size,
                lr=lr,
                snapshot_epochs=(),
                grid_size=2,  # no boundary is drawn here
                seed=seed,
            )
            accs.append(train(split, train_config).test_accuracy)
        a = np.array(accs)
        std = float(a.std(ddof=1)) if len(a) > 1 else 0.0
        rows.append(AblationRow(width, depth, lr, accs, float(a.mean()), std))
        if progress is not None:
            progress(i + 1, len(settings), f"width {width}, depth {depth}, lr {lr}: {a.mean():.3f}")
    return rows
