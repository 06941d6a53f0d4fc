"""Decision boundaries: what a small MLP learns on two toy data sets, and what a linear model
cannot learn there.

A binary classifier outputs $p(y = 1 \\mid x) = \\sigma(f_\\theta(x))$; its decision boundary is the
curve $p = 1/2$. Evaluating $p$ on a grid over the plane draws the boundary and the model's
confidence around it. Logistic regression is the same network with no hidden layer,
$f(x) = w^\\top x + b$, so its boundary is a straight line: it cannot separate two interleaved
moons or two concentric circles. Both are trained on our autograd engine with Adam.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sklearn.datasets import make_circles, make_moons
from sklearn.model_selection import train_test_split

from models.autograd import MLP, MLPConfig, bce_with_logits
from models.optimizers import Adam

Progress = Callable[[int, int, str], None]


@dataclass
class DataConfig:
    n_samples: int = 1000  # both classes together, split evenly
    noise: float = 0.2  # std of the Gaussian noise added to each point: the classes overlap a little
    factor: float = 0.5  # circles only: inner radius / outer radius
    test_fraction: float = 0.3  # held out, never trained on; accuracy is measured there
    seed: int = 0  # fixes the points and the split


@dataclass
class Split:
    x_train: np.ndarray  # (N_train, 2)
    y_train: np.ndarray  # (N_train,) in {0, 1}
    x_test: np.ndarray
    y_test: np.ndarray


# "moons": two interleaved half circles; "circles": one ring inside another
def make_data(name: str, config: DataConfig) -> Split:
    if name == "moons":
        x, y = make_moons(n_samples=config.n_samples, noise=config.noise, random_state=config.seed)
    elif name == "circles":
        x, y = make_circles(
            n_samples=config.n_samples, noise=config.noise, factor=config.factor, random_state=config.seed
        )
    else:
        raise ValueError(f"unknown data set {name!r}: use 'moons' or 'circles'")
    x_train, x_test, y_train, y_test = train_test_split(
        x, y.astype(np.float64), test_size=config.test_fraction, random_state=config.seed, stratify=y
    )
    return Split(x_train, y_train, x_test, y_test)


@dataclass
class TrainConfig:
    hidden: tuple[int, ...] = (16, 16)  # hidden widths; () is logistic regression
    activation: str = "tanh"  # smooth, so the boundary is smooth too
    epochs: int = 100  # passes over the training set
    batch_size: int = 32  # ~22 Adam steps per epoch on 700 points
    lr: float = 0.01  # Adam's step size
    snapshot_epochs: tuple[int, ...] = (0, 1, 5, 10, 30, 100)  # when to draw the boundary (0 = at init)
    grid_size: int = 30  # the probability grid is grid_size x grid_size (each cell weighs on the page)
    grid_margin: float = 0.5  # the grid extends this far beyond the data on each side
    seed: int = 0  # fixes the initial weights and the batch order


@dataclass
class Snapshot:
    epoch: int
    proba: np.ndarray  # (grid_size, grid_size) p(y = 1) on the grid, rows follow y, columns follow x
    train_loss: float
    test_accuracy: float


@dataclass
class BoundaryResult:
    grid_x: np.ndarray  # (grid_size,) x coordinates of the grid columns
    grid_y: np.ndarray  # (grid_size,) y coordinates of the grid rows
    snapshots: list[Snapshot]  # the last one is the trained model
    test_accuracy: float  # held-out accuracy after the last epoch
    epoch_loss: np.ndarray  # (epochs,) mean training loss of each epoch
    model: MLP


def accuracy(model: MLP, x: np.ndarray, y: np.ndarray) -> float:
    # predict class 1 where $p > 1/2$, i.e. where the logit is positive
    return float(((model(x).data[:, 0] > 0) == (y > 0.5)).mean())


def make_grid(split: Split, size: int, margin: float) -> tuple[np.ndarray, np.ndarray]:
    x_all = np.concatenate([split.x_train, split.x_test])
    lo, hi = x_all.min(axis=0) - margin, x_all.max(axis=0) + margin
    return np.linspace(lo[0], hi[0], size), np.linspace(lo[1], hi[1], size)


def proba_grid(model: MLP, grid_x: np.ndarray, grid_y: np.ndarray) -> np.ndarray:
    gx, gy = np.meshgrid(grid_x, grid_y)  # (G, G) each, row i is y = grid_y[i]
    points = np.stack([gx.ravel(), gy.ravel()], axis=1)  # (G * G, 2)
    return model.predict_proba(points).reshape(gx.shape)


def train(split: Split, config: TrainConfig, progress: Progress | None = None) -> BoundaryResult:
    model = MLP(MLPConfig(sizes=(2, *config.hidden, 1), activation=config.activation, seed=config.seed))
    opt = Adam(model.parameters(), config.lr)
    rng = np.random.default_rng(config.seed)
    grid_x, grid_y = make_grid(split, config.grid_size, config.grid_margin)
    n = len(split.x_train)
    snapshots: list[Snapshot] = []
    epoch_loss: list[float] = []

    def snapshot(epoch: int, loss: float) -> None:
        acc = accuracy(model, split.x_test, split.y_test)
        snapshots.append(Snapshot(epoch, proba_grid(model, grid_x, grid_y), loss, acc))

    if 0 in config.snapshot_epochs:
        snapshot(0, bce_with_logits(model(split.x_train), split.y_train).data.item())
    for epoch in range(1, config.epochs + 1):
        order = rng.permutation(n)
        losses = []
        for start in range(0, n, config.batch_size):
            idx = order[start : start + config.batch_size]
            opt.zero_grad()
            loss = bce_with_logits(model(split.x_train[idx]), split.y_train[idx])
            loss.backward()
            opt.step()
            losses.append(loss.data.item())
        epoch_loss.append(float(np.mean(losses)))
        if epoch in config.snapshot_epochs or epoch == config.epochs:
            snapshot(epoch, epoch_loss[-1])
        if progress is not None and epoch % 10 == 0:
            progress(epoch, config.epochs, f"epoch {epoch}, loss {epoch_loss[-1]:.3f}")
    return BoundaryResult(
        grid_x=grid_x,
        grid_y=grid_y,
        snapshots=snapshots,
        test_accuracy=snapshots[-1].test_accuracy,
        epoch_loss=np.array(epoch_loss),
        model=model,
    )
