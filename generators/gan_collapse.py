"""Mode collapse, measured: the GAN retrained with a setting that collapses it, beside the
default run. The digit classifier (the judge) counts which digits each run draws.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.charts import BarChart, BarPanel, ImageGridChart, ImagePanel
from engine.contract import Result, RunContext
from engine.params import narrow
from generators._digit_checkpoints import load_classifier, load_samples
from generators._digits_data import DigitsSource, load_data
from generators._generative_charts import d_outputs_chart
from models.gan import GANConfig

UPSTREAM = ("gan", "digit_classifier")
DATA_FILES = ()



@dataclass
class Params(GANConfig, DigitsSource):
    # samples shown on the page
    shown_samples: int = 30


PARAMS = Params


def top_share(counts: list[int]) -> float:
    return max(counts) / max(1, sum(counts))


def _summary(config: GANConfig, default: dict, train_seconds: float, collapsed: dict, normal: dict) -> dict:
    summary = {
        "lr_g": config.lr_g,
        "lr_d": config.lr_d,
        "g_steps": config.g_steps,
        "d_steps": config.d_steps,
        "default_lr_g": default["lr_g"],
        "default_lr_d": default["lr_d"],
        "lr_ratio": config.lr_g / config.lr_d,
        "epochs": config.epochs,
        "train_seconds": train_seconds,
    }
    for name, scores in (("collapse", collapsed), ("default", normal)):
        summary[name] = {
            "mean_confidence": scores["mean_confidence"],
            "coverage": scores["coverage"],
            "confident_fraction": scores["confident_fraction"],
            "top_class": int(max(range(10), key=lambda d: scores["class_counts"][d])),
            "top_class_share": top_share(scores["class_counts"]),
            "classes_drawn": sum(1 for c in scores["class_counts"] if c > 0),
        }
    summary["coverage_lost"] = normal["coverage"] - collapsed["coverage"]
    return summary


def _table(config: GANConfig, default: dict, collapsed: dict, normal: dict) -> dict:
    return {
        "columns": ["run", "generator lr", "discriminator lr", "mean confidence", "coverage (of 10)",
                    "largest class share"],
        "rows": [
            ["default", default["lr_g"], default["lr_d"], round(normal["mean_confidence"], 3),
             normal["coverage"], f"{top_share(normal['class_counts']):.0%}"],
            ["collapsing", config.lr_g, config.lr_d, round(collapsed["mean_confidence"], 3),
             collapsed["coverage"], f"{top_share(collapsed['class_counts']):.0%}"],
        ],
    }


def _charts(collapsed: dict, normal: dict, default_samples, collapsed_samples, shown: int, history: dict) -> list:
    digits = [str(d) for d in range(10)]
    return [
        BarChart(
            name="class_counts",
            title="Which digit the judge sees in each sample",
            x_label="digit (the classifier's top guess)",
            y_label="samples",
            panels=[
                BarPanel("default settings", digits, normal["class_counts"]),
                BarPanel("collapsing settings", digits, collapsed["class_counts"]),
            ],
        ),
        ImageGridChart(
            name="samples",
            title="Samples from the default GAN and from the collapsing one",
            panels=[
                ImagePanel("default", [img.tolist() for img in default_samples[:shown]]),
                ImagePanel("collapsing", [img.tolist() for img in collapsed_samples[:shown]]),
            ],
            columns=10,
        ),
        d_outputs_chart("Collapsing run: D(x) and D(G(z)) per epoch", history),
    ]


def run(ctx: RunContext) -> Result:

    from models import gan
    from models.digit_classifier import score_samples

    config = narrow(ctx.config, GANConfig)
    default = ctx.upstream["gan"]["summary"]
    classifier = load_classifier(ctx)
    result = gan.train(config, load_data(ctx), ctx.device, progress=ctx.progress)
    collapsed = score_samples(classifier, result.samples)
    default_samples = load_samples(ctx, "gan")["samples"].numpy()
    normal = score_samples(classifier, default_samples)
    return Result(
        metrics={
            "summary": _summary(config, default, result.wall_seconds, collapsed, normal),
            "class_counts": {"default": normal["class_counts"], "collapse": collapsed["class_counts"]},
            "history": result.history,
            "table": _table(config, default, collapsed, normal),
        },
        charts=_charts(collapsed, normal, default_samples, result.samples, ctx.config.shown_samples, result.history),
    )
