"""Foundations: decision boundaries of an MLP and of logistic regression on moons and circles."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from engine.charts import HeatmapChart, HeatmapPanel, LineChart, ScatterGroup, Series
from engine.contract import GeneratorError, Result, RunContext
from engine.params import narrow
from models.boundaries import DataConfig, TrainConfig

UPSTREAM = ()
DATA_FILES = ()


@dataclass
class Params(DataConfig, TrainConfig):
    # the two toy data sets, each trained on separately
    datasets: list[str] = field(default_factory=lambda: ["moons", "circles"])
    # held-out points drawn over each boundary (all 300 would crowd the panels and the email file)
    shown_points: int = 150


PARAMS = Params


def points(split, n: int) -> list[ScatterGroup]:
    x, y = split.x_test[:n], split.y_test[:n]
    return [
        ScatterGroup(f"class {c} (held out)", np.round(x[y == c, 0], 3).tolist(), np.round(x[y == c, 1], 3).tolist())
        for c in (0, 1)
    ]


def heatmap(name: str, title: str, grid_x, grid_y, panels: list[HeatmapPanel], note: str) -> HeatmapChart:
    return HeatmapChart(
        name=name,
        title=title,
        panels=panels,
        x_values=np.round(grid_x, 3).tolist(),
        y_values=np.round(grid_y, 3).tolist(),
        x_title="x₁",
        y_title="x₂",
        value_label="p(class 1)",
        zmin=0.0,
        zmax=1.0,
        diverging=True,
        zmid=0.5,
        note=note,
    )


def grid(proba: np.ndarray) -> list[list[float]]:
    return np.round(proba, 3).tolist()


def _config_summary(config: Params) -> dict[str, object]:
    return {
        "hidden": " × ".join(str(h) for h in config.hidden),
        "epochs": config.epochs,
        "lr": config.lr,
        "batch_size": config.batch_size,
        "n_samples": config.n_samples,
        "noise": config.noise,
        "factor": config.factor,
        "test_fraction_pct": round(100 * config.test_fraction),
    }


def _dataset_summary(name: str, split, mlp, line) -> dict[str, object]:
    return {
        f"{name}_heldout_accuracy": mlp.test_accuracy,
        f"{name}_heldout_accuracy_pct": round(100 * mlp.test_accuracy, 1),
        f"logreg_{name}_heldout_accuracy": line.test_accuracy,
        f"logreg_{name}_heldout_accuracy_pct": round(100 * line.test_accuracy, 1),
        f"{name}_gap_points": round(100 * (mlp.test_accuracy - line.test_accuracy), 1),
        f"{name}_train_points": len(split.x_train),
        f"{name}_test_points": len(split.x_test),
    }


def _loss_series(config: Params, name: str, mlp, line) -> list[Series]:
    epochs = np.arange(1, config.epochs + 1).tolist()
    return [
        Series(f"{name}: MLP", epochs, mlp.epoch_loss.tolist()),
        Series(f"{name}: logistic regression", epochs, line.epoch_loss.tolist(), dash=True),
    ]


def _boundary_charts(config: Params, name: str, split, mlp, line) -> list[HeatmapChart]:
    shown = points(split, config.shown_points)
    training = heatmap(
        f"{name}_training",
        f"The MLP's decision boundary on {name}, epoch by epoch",
        mlp.grid_x,
        mlp.grid_y,
        [
            HeatmapPanel(f"epoch {s.epoch}: held-out accuracy {s.test_accuracy:.1%}", grid(s.proba), shown)
            for s in mlp.snapshots
        ],
        note=f"p(class 1) of an MLP with hidden layers {list(config.hidden)} (tanh), trained with Adam "
        f"(lr {config.lr:g}, batches of {config.batch_size}); epoch 0 is the untrained network. "
        "White is p = 0.5, the decision boundary.",
    )
    against = heatmap(
        f"{name}_mlp_vs_logreg",
        f"{name}: MLP against logistic regression after training",
        mlp.grid_x,
        mlp.grid_y,
        [
            HeatmapPanel(f"MLP: held-out accuracy {mlp.test_accuracy:.1%}", grid(mlp.snapshots[-1].proba), shown),
            HeatmapPanel(f"logistic regression: held-out accuracy {line.test_accuracy:.1%}",
                         grid(line.snapshots[-1].proba), shown),
        ],
        note="Both trained with the same optimiser, epochs and batches; logistic regression's boundary "
        "is a straight line.",
    )
    return [training, against]


def run(ctx: RunContext) -> Result:
    from models.boundaries import make_data, train

    config: Params = ctx.config
    unknown = sorted(set(config.datasets) - {"moons", "circles"})
    if unknown:
        raise GeneratorError(f"datasets may be 'moons' and 'circles', not {unknown}")
    data_config = narrow(config, DataConfig)
    mlp_config = narrow(config, TrainConfig)
    line_config = replace(mlp_config, hidden=(), snapshot_epochs=())

    summary = _config_summary(config)
    charts: list = []
    loss_series: list[Series] = []
    for i, name in enumerate(config.datasets):
        split = make_data(name, data_config)
        ctx.progress(2 * i + 1, 2 * len(config.datasets), f"{name}: MLP {list(config.hidden)}")
        mlp = train(split, mlp_config)
        ctx.progress(2 * i + 2, 2 * len(config.datasets), f"{name}: logistic regression")
        line = train(split, line_config)
        summary.update(_dataset_summary(name, split, mlp, line))
        loss_series += _loss_series(config, name, mlp, line)
        charts += _boundary_charts(config, name, split, mlp, line)
    charts.append(LineChart(
        name="training_loss",
        title="Training loss per epoch",
        x_label="epoch",
        y_label="binary cross-entropy (nats)",
        series=loss_series,
        note="Mean minibatch loss over each epoch; a straight line cannot go much below its start on circles.",
    ))
    return Result(metrics={"summary": summary}, charts=charts)
