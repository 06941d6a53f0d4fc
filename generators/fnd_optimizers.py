"""Foundations: SGD, momentum, RMSProp and Adam from their update rules, on Rosenbrock's valley and on the MLP."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from engine.charts import ContourChart, LineChart, ReferenceLine, Series
from engine.contract import GeneratorError, Result, RunContext
from engine.params import narrow
from models.boundaries import DataConfig
from models.optimizers import MLPRunConfig

UPSTREAM = ()
DATA_FILES = ()

NAMES = {"sgd": "SGD", "momentum": "momentum", "rmsprop": "RMSProp", "adam": "Adam"}


@dataclass
class Params(DataConfig, MLPRunConfig):
    # Rosenbrock: every optimiser starts at the same point, the classic (-1.2, 1)
    start: list[float] = field(default_factory=lambda: [-1.2, 1.0])
    surface_steps: int = 500
    # each optimiser's rate on the surface, chosen by hand so each converges without diverging
    surface_lrs: dict[str, float] = field(
        default_factory=lambda: {"sgd": 0.002, "momentum": 0.0005, "rmsprop": 0.01, "adam": 0.1})
    surface_grid: int = 50  # contour grid points per axis
    # the MLP: each optimiser at a usual rate for it, the same number of full-batch steps
    mlp_lrs: dict[str, float] = field(
        default_factory=lambda: {"sgd": 0.5, "momentum": 0.05, "rmsprop": 0.01, "adam": 0.01})
    # learning-rate sweep of plain SGD on the MLP: too small, right, too large
    sweep_lrs: list[float] = field(default_factory=lambda: [0.01, 0.5, 5.0, 50.0])
    # the same on Rosenbrock, where a too-large rate overflows to inf and NaN
    surface_sweep_lrs: list[float] = field(default_factory=lambda: [0.0001, 0.002, 0.01])
    # warm-up + cosine against a constant rate, both with Adam on the MLP
    schedule_lr_max: float = 0.1
    schedule_lr_min: float = 0.001
    warmup_steps: int = 30


PARAMS = Params


def finite_or_none(values: np.ndarray) -> list[float | None]:
    return [float(v) if math.isfinite(v) else None for v in values.tolist()]


def sweep_rows(problem: str, runs: list[tuple[float, np.ndarray]]) -> list[list[str]]:
    """One row per rate. Verdict: diverged (the loss ends above where it started, or overflows),
    slow (it ends more than twice as high as the sweep's best run), otherwise converging."""
    finals = [float(loss[-1]) for _, loss in runs]
    best = min((f for f in finals if math.isfinite(f)), default=math.inf)
    rows = []
    for (lr, loss), final in zip(runs, finals, strict=True):
        finite = loss[np.isfinite(loss)]
        if not math.isfinite(final) or final > float(loss[0]):
            verdict = "diverged"
        elif final > 2 * best:
            verdict = "slow"
        else:
            verdict = "converging"
        rows.append([problem, f"{lr:g}", f"{float(loss[0]):.4g}", f"{final:.4g}", f"{finite.max():.4g}",
                     f"{len(finite)} of {len(loss)}", verdict])
    return rows


def _surface(config: Params, start: tuple[float, float], tick: Callable[[str], None]) -> tuple[dict, ContourChart]:
    """1. The four rules on Rosenbrock's valley."""
    from models.optimizers import descend, rosenbrock

    summary: dict[str, object] = {}
    paths = []
    for name, label in NAMES.items():
        traj = descend(name, config.surface_lrs[name], config.surface_steps, start)
        paths.append(Series(f"{label} (lr {traj.lr:g})", np.round(traj.x, 4).tolist(), np.round(traj.y, 4).tolist()))
        summary[f"surface_{name}_final_loss"] = float(traj.loss[-1])
        summary[f"surface_{name}_lr"] = traj.lr
        tick(f"Rosenbrock: {label}")
    xs = np.linspace(-2.0, 2.0, config.surface_grid)
    ys = np.linspace(-1.0, 3.0, config.surface_grid)
    gx, gy = np.meshgrid(xs, ys)
    # the log-spaced levels need f > 0, and f = 0 at (1, 1): grid values are floored at 1e-3
    z = np.maximum(np.round(rosenbrock(gx, gy), 4), 1e-3)
    return summary, ContourChart(
        name="rosenbrock",
        title="Four optimisers on Rosenbrock's valley",
        x_title="x",
        y_title="y",
        x=np.round(xs, 4).tolist(),
        y=np.round(ys, 4).tolist(),
        z=z.tolist(),
        paths=paths,
        value_label="f(x, y)",
        log_z=True,
        note=f"f(x, y) = (1 − x)² + 100 (y − x²)², minimum 0 at (1, 1). Every optimiser starts at "
        f"({start[0]:g}, {start[1]:g}) and takes {config.surface_steps} steps.",
    )


def _mlp(config: Params, split, mlp_config: MLPRunConfig, tick: Callable[[str], None]) -> tuple[dict, LineChart]:
    """2. The same rules on the MLP, the same budget of full-batch steps."""
    from models.optimizers import train_mlp

    summary: dict[str, object] = {}
    steps = list(range(1, config.steps + 1))
    curves = []
    for name, label in NAMES.items():
        curve = train_mlp(name, config.mlp_lrs[name], split.x_train, split.y_train, mlp_config)
        curves.append(Series(f"{label} (lr {curve.lr:g})", steps, curve.loss.tolist()))
        summary[f"{name}_final_loss"] = float(curve.loss[-1])
        summary[f"{name}_lr"] = curve.lr
        tick(f"MLP: {label}")
    best = min(NAMES, key=lambda n: summary[f"{n}_final_loss"])
    summary["best_on_mlp"] = NAMES[best]
    return summary, LineChart(
        name="mlp_loss",
        title="The same optimisers training the MLP on moons",
        x_label="step (full batch)",
        y_label="training loss (nats)",
        series=curves,
        y_log=True,
        note=f"MLP {list(config.sizes)}, tanh, the same initial weights for all four, {config.steps} steps each.",
    )


def _mlp_sweep(config: Params, split, mlp_config: MLPRunConfig, tick: Callable[[str], None]):
    """3a. A learning-rate sweep of plain SGD on the MLP: slow, right, too large."""
    from models.optimizers import train_mlp

    steps = list(range(1, config.steps + 1))
    sweep, runs = [], []
    for lr in config.sweep_lrs:
        curve = train_mlp("sgd", lr, split.x_train, split.y_train, mlp_config)
        sweep.append(Series(f"lr {lr:g}", steps, finite_or_none(curve.loss)))
        runs.append((lr, curve.loss))
        tick(f"SGD sweep: lr {lr:g}")
    initial = float(curve.loss[0])
    chart = LineChart(
        name="lr_sweep",
        title="One optimiser, four learning rates: plain SGD on the MLP",
        x_label="step (full batch)",
        y_label="training loss (nats)",
        series=sweep,
        reference_lines=[ReferenceLine("loss at the start", initial)],
        y_log=True,
    )
    return initial, runs, chart


def _surface_sweep(config: Params, start: tuple[float, float]) -> tuple[list, LineChart]:
    """3b. The same sweep on Rosenbrock, where a too-large rate overflows to inf and NaN."""
    from models.optimizers import descend

    sweep, runs = [], []
    for lr in config.surface_sweep_lrs:
        traj = descend("sgd", lr, config.surface_steps, start)
        sweep.append(Series(f"lr {lr:g}", list(range(len(traj.loss))), finite_or_none(traj.loss)))
        runs.append((lr, traj.loss))
    return runs, LineChart(
        name="surface_lr_sweep",
        title="Plain SGD on Rosenbrock's valley at three learning rates",
        x_label="step",
        y_label="f(x, y) (log scale)",
        series=sweep,
        y_log=True,
        note="A run whose loss overflows to inf and then NaN stops: the rest of its line is a gap.",
    )


def _sweep_summary(config: Params, initial: float, rows: list[list[str]]) -> dict:
    verdicts = [row[-1] for row in rows]
    return {
        "sweep_initial_loss": initial,
        "sweep_lrs": ", ".join(f"{lr:g}" for lr in config.sweep_lrs),
        "sweep_runs": len(rows),
        "sweep_diverged": verdicts.count("diverged"),
        "sweep_slow": verdicts.count("slow"),
        "sweep_converging": verdicts.count("converging"),
    }


def _schedule(config: Params, split, mlp_config: MLPRunConfig, tick: Callable[[str], None]) -> tuple[dict, list]:
    """4. Warm-up + cosine against a constant rate, Adam on the MLP."""
    from models.optimizers import train_mlp, warmup_cosine

    def schedule(t: int) -> float:
        return warmup_cosine(t, config.steps, config.warmup_steps, config.schedule_lr_max, config.schedule_lr_min)

    steps = list(range(1, config.steps + 1))
    constant = train_mlp("adam", config.schedule_lr_max, split.x_train, split.y_train, mlp_config)
    tick("Adam, constant rate")
    scheduled = train_mlp("adam", config.schedule_lr_max, split.x_train, split.y_train, mlp_config, lr_at=schedule)
    tick("Adam, warm-up + cosine")
    late = max(2, config.steps // 5)
    summary = {
        "schedule_lr_max": config.schedule_lr_max,
        "schedule_lr_min": config.schedule_lr_min,
        "warmup_steps": config.warmup_steps,
        "constant_final_loss": float(constant.loss[-1]),
        "scheduled_final_loss": float(scheduled.loss[-1]),
        # how much the loss jumps around over the last fifth of training
        "constant_late_jitter": float(np.std(np.diff(constant.loss[-late:]))),
        "scheduled_late_jitter": float(np.std(np.diff(scheduled.loss[-late:]))),
    }
    charts = [
        LineChart(
            name="schedule",
            title="Learning rate: constant against warm-up + cosine",
            x_label="step",
            y_label="learning rate",
            series=[Series("constant", steps, constant.lr_used.tolist(), dash=True),
                    Series("warm-up + cosine", steps, scheduled.lr_used.tolist())],
        ),
        LineChart(
            name="schedule_loss",
            title="What the schedule does: Adam on the MLP",
            x_label="step (full batch)",
            y_label="training loss (nats)",
            series=[Series(f"constant lr {config.schedule_lr_max:g}", steps, constant.loss.tolist(), dash=True),
                    Series("warm-up + cosine", steps, scheduled.loss.tolist())],
            y_log=True,
        ),
    ]
    return summary, charts


def run(ctx: RunContext) -> Result:
    from models.boundaries import make_data

    config: Params = ctx.config
    for lrs in (config.surface_lrs, config.mlp_lrs):
        if sorted(lrs) != sorted(NAMES):
            raise GeneratorError(f"give a learning rate for each of {sorted(NAMES)}, not {sorted(lrs)}")
    start = (float(config.start[0]), float(config.start[1]))
    split = make_data("moons", narrow(config, DataConfig))
    mlp_config = narrow(config, MLPRunConfig)
    summary: dict[str, object] = {"surface_steps": config.surface_steps, "mlp_steps": config.steps,
                                  "start": f"({start[0]:g}, {start[1]:g})"}
    total = 4 + 4 + len(config.sweep_lrs) + 2
    done = 0

    def tick(message: str) -> None:
        nonlocal done
        done += 1
        ctx.progress(done, total, message)

    surface, surface_chart = _surface(config, start, tick)
    mlp, mlp_chart = _mlp(config, split, mlp_config, tick)
    initial, mlp_runs, sweep_chart = _mlp_sweep(config, split, mlp_config, tick)
    surface_runs, surface_sweep_chart = _surface_sweep(config, start)
    rows = sweep_rows("MLP on moons", mlp_runs) + sweep_rows("Rosenbrock", surface_runs)
    sweep_table = {"columns": ["problem", "learning rate", "first loss", "final loss", "largest loss",
                               "steps with a finite loss", "verdict"], "rows": rows}
    schedule, schedule_charts = _schedule(config, split, mlp_config, tick)
    summary.update(surface | mlp | _sweep_summary(config, initial, rows) | schedule)
    charts = [surface_chart, mlp_chart, sweep_chart, surface_sweep_chart, *schedule_charts]
    return Result(metrics={"summary": summary, "sweep_table": sweep_table}, charts=charts)
