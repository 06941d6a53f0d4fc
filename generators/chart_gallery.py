"""One small, computed example of every chart kind, for the Components page.

Each example is a real computation (gradient descent on a quadratic, a softmax at several
temperatures, a logistic regression on two moons, ...), so the style guide shows what the
kinds look like with data that means something.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from engine.charts import (
    BarChart,
    BarPanel,
    ContourChart,
    HeatmapChart,
    HeatmapPanel,
    HistogramChart,
    ImageGridChart,
    ImagePanel,
    LineChart,
    ReferenceLine,
    ScatterChart,
    ScatterGroup,
    Series,
)
from engine.contract import Result, RunContext

UPSTREAM = ()
DATA_FILES = ()


@dataclass
class Params:
    # grid cells per axis of the two-dimensional examples (heatmap, contour)
    grid: int = 25
    # gradient-descent steps drawn in the line and contour examples
    steps: int = 30


PARAMS = Params


def descent_on_quadratic(steps: int) -> LineChart:
    # f(w) = w^2, so w <- w - lr * 2w: lr below 1 converges, above 1 diverges.
    series = []
    for lr in (0.1, 0.45, 1.05):
        w, losses = 1.0, []
        for _ in range(steps + 1):
            losses.append(w * w)
            w -= lr * 2 * w
        series.append(Series(f"learning rate {lr:g}", list(range(steps + 1)), losses))
    return LineChart(name="line", title="Gradient descent on f(w) = w²", x_label="step", y_label="f(w)",
                     series=series, y_log=True, note="A rate above 1 makes every step overshoot further.")


def softmax_temperatures() -> BarChart:
    logits = [2.0, 1.0, 0.5, 0.0, -1.0]
    panels = []
    for t in (0.5, 1.0, 2.0):
        exp = [math.exp(z / t) for z in logits]
        probs = [e / sum(exp) for e in exp]
        panels.append(BarPanel(f"temperature {t:g}", ["a", "b", "c", "d", "e"], probs, highlight=[0]))
    return BarChart(name="bar", title="Softmax of the same scores at three temperatures", x_label="token",
                    y_label="probability", panels=panels)


def normal_draws(seed: int) -> HistogramChart:
    import numpy as np

    rng = np.random.default_rng(seed)
    a, b = rng.normal(0.0, 1.0, 400), rng.normal(1.5, 0.5, 400)
    return HistogramChart(name="histogram", title="Two samples of 400 draws", x_label="value",
                          groups={"N(0, 1)": a.tolist(), "N(1.5, 0.5²)": b.tolist()},
                          reference_lines=[ReferenceLine("mean of N(0, 1) draws", float(a.mean())),
                                           ReferenceLine("mean of N(1.5, 0.5²) draws", float(b.mean()))])


def moons(seed: int, grid: int) -> tuple[ScatterChart, HeatmapChart]:
    import numpy as np
    from sklearn.datasets import make_moons
    from sklearn.linear_model import LogisticRegression

    x, y = make_moons(n_samples=200, noise=0.2, random_state=seed)
    model = LogisticRegression().fit(x, y)
    xs, ys = np.linspace(-1.5, 2.5, grid), np.linspace(-1.0, 1.5, grid)
    xx, yy = np.meshgrid(xs, ys)
    p = model.predict_proba(np.column_stack([xx.ravel(), yy.ravel()]))[:, 1].reshape(grid, grid)
    groups = [ScatterGroup(f"class {c}", x[y == c, 0].tolist(), x[y == c, 1].tolist()) for c in (0, 1)]
    scatter = ScatterChart(name="scatter", title="Two moons", x_label="x₁", y_label="x₂",
                           groups=[ScatterGroup(g.name, g.x[:12], g.y[:12],
                                                labels=[f"point {i + 1}" for i in range(12)]) for g in groups],
                           show_labels=True)
    heatmap = HeatmapChart(name="heatmap_points", title="A logistic regression's p(class 1) over the plane",
                           x_values=xs.tolist(), y_values=ys.tolist(), x_title="x₁", y_title="x₂",
                           value_label="p(class 1)", zmin=0.0, zmax=1.0,
                           panels=[HeatmapPanel("after fitting", p.tolist(), points=groups)])
    return scatter, heatmap


def digit_distances() -> tuple[HeatmapChart, ImageGridChart]:
    import numpy as np
    from sklearn.datasets import load_digits

    digits = load_digits()
    means = np.stack([digits.data[digits.target == d].mean(axis=0) for d in range(10)])
    distance = np.linalg.norm(means[:, None, :] - means[None, :, :], axis=-1)
    labels = [str(d) for d in range(10)]
    heatmap = HeatmapChart(name="heatmap", title="Distance between the mean images of each digit",
                           x_labels=labels, y_labels=labels, x_title="digit", y_title="digit",
                           value_label="Euclidean distance", panels=[HeatmapPanel("all images", distance.tolist())])
    images = [(digits.images[digits.target == d][0] / 16.0).tolist() for d in range(10)]
    grid = ImageGridChart(name="images", title="The first image of each digit", columns=10,
                          panels=[ImagePanel("8x8 digits", images)])
    return heatmap, grid


def rosenbrock_descent(grid: int, steps: int) -> ContourChart:
    # f(a, b) = (1 - a)^2 + 100 (b - a^2)^2, minimum 0 at (1, 1)
    def f(a: float, b: float) -> float:
        return (1 - a) ** 2 + 100 * (b - a * a) ** 2

    xs = [-2.0 + 4.0 * i / (grid - 1) for i in range(grid)]
    ys = [-1.0 + 4.0 * i / (grid - 1) for i in range(grid)]
    z = [[f(a, b) + 1e-3 for a in xs] for b in ys]
    a, b, path_a, path_b = -1.5, 2.0, [], []
    for _ in range(steps * 10):
        path_a.append(a)
        path_b.append(b)
        grad_a, grad_b = -2 * (1 - a) - 400 * a * (b - a * a), 200 * (b - a * a)
        a, b = a - 0.001 * grad_a, b - 0.001 * grad_b
    return ContourChart(name="contour", title="Gradient descent across Rosenbrock's valley", x_title="a",
                        y_title="b", x=xs, y=ys, z=z, log_z=True, value_label="f(a, b)",
                        paths=[Series("gradient descent, rate 0.001", path_a[::10], path_b[::10])])


def run(ctx: RunContext) -> Result:
    config: Params = ctx.config
    scatter, heatmap_points = moons(ctx.seed, config.grid)
    heatmap, images = digit_distances()
    charts = [
        descent_on_quadratic(config.steps),
        softmax_temperatures(),
        normal_draws(ctx.seed),
        scatter,
        heatmap,
        heatmap_points,
        rosenbrock_descent(config.grid, config.steps),
        images,
    ]
    ctx.progress(1, 1, f"{len(charts)} example charts")
    return Result(metrics={"summary": {"examples": len(charts)}}, charts=charts)
