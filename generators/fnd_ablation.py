"""Foundations: ablation of the moons MLP over width, depth and learning rate, three seeds each."""

from __future__ import annotations

from dataclasses import dataclass

from engine.charts import BarChart, BarPanel
from engine.contract import Result, RunContext
from engine.params import narrow
from models.ablation import AblationConfig
from models.boundaries import DataConfig

UPSTREAM = ()
DATA_FILES = ()


@dataclass
class Params(DataConfig, AblationConfig):
    """The data set's settings and the grid of the ablation."""


PARAMS = Params


def label(row) -> str:
    return f"width {row.width}, depth {row.depth}, lr {row.lr:g}"


def run(ctx: RunContext) -> Result:
    from models import ablation
    from models.boundaries import make_data

    config: Params = ctx.config
    split = make_data("moons", narrow(config, DataConfig))
    rows = ablation.run(split, narrow(config, AblationConfig), progress=ctx.progress)
    best = max(rows, key=lambda r: r.mean)
    worst = min(rows, key=lambda r: r.mean)
    noisiest = max(rows, key=lambda r: r.std)
    summary = {
        "settings": len(rows),
        "runs": len(rows) * len(config.seeds),
        "seeds": len(config.seeds),
        "epochs": config.epochs,
        "best_setting": label(best),
        "best_mean_accuracy": best.mean,
        "best_mean_accuracy_pct": round(100 * best.mean, 1),
        "best_std_pct": round(100 * best.std, 1),
        "worst_setting": label(worst),
        "worst_mean_accuracy_pct": round(100 * worst.mean, 1),
        "largest_std_setting": label(noisiest),
        "largest_std_pct": round(100 * noisiest.std, 1),
    }
    table = {
        "columns": ["width", "depth", "learning rate", "held-out accuracy, mean", "spread (std over seeds)",
                    "each seed"],
        "rows": [
            [r.width, r.depth, f"{r.lr:g}", f"{r.mean:.1%}", f"± {100 * r.std:.1f} points",
             ", ".join(f"{a:.1%}" for a in r.accuracies)]
            for r in rows
        ],
    }
    ranked = sorted(rows, key=lambda r: -r.mean)
    chart = BarChart(
        name="ablation",
        title="Held-out accuracy on moons for each setting (mean over seeds)",
        x_label="held-out accuracy",
        y_label="setting",
        panels=[BarPanel("mean over seeds", [label(r) for r in ranked], [round(r.mean, 4) for r in ranked],
                         highlight=[0])],
        horizontal=True,
        note=f"{len(config.seeds)} seeds per setting, {config.epochs} epochs each; the table gives the spread.",
    )
    return Result(metrics={"summary": summary, "table": table}, charts=[chart])
