"""The judge of the generative-models lecture: a digit classifier trained on real digits.

It is its own generator so that gan_collapse and generative_quality share one judge, and a
change to a generative model never retrains it. Its weights go to ``.cache/`` for them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from engine import checkpoints
from engine.charts import LineChart, ReferenceLine, Series
from engine.contract import Result, RunContext
from engine.params import narrow
from generators._digit_checkpoints import CLASSIFIER
from generators._digits_data import DigitsSource, load_data
from models.digit_classifier import ClassifierConfig

UPSTREAM = ()
DATA_FILES = ()


@dataclass
class Params(ClassifierConfig, DigitsSource):
    """The classifier's config plus where the digits come from."""


PARAMS = Params

CHECKPOINT = CLASSIFIER


def run(ctx: RunContext) -> Result:
    from models import digit_classifier

    config = narrow(ctx.config, ClassifierConfig)
    data = load_data(ctx)
    result = digit_classifier.train(config, data, ctx.device, progress=ctx.progress)
    payload = {"config": asdict(config), "state_dict": result.model.state_dict()}

    history, real = result.history, result.heldout_scores
    result_ = Result(
        metrics={
            "summary": {
                "heldout_accuracy": result.heldout_accuracy,
                "train_images": len(data.train_labels),
                "heldout_images": len(data.heldout_labels),
                "epochs": config.epochs,
                "hidden": config.hidden,
                "real_mean_confidence": real["mean_confidence"],
                "real_coverage": real["coverage"],
                "train_seconds": result.wall_seconds,
            },
            "history": history,
        },
        charts=[
            LineChart(
                name="accuracy",
                title="Digit classifier: held-out accuracy per epoch",
                x_label="epoch",
                y_label="held-out accuracy",
                series=[Series("held-out accuracy", history["epoch"], history["heldout_accuracy"])],
                reference_lines=[ReferenceLine("chance (1 in 10)", 0.1)],
            )
        ],
    )
    checkpoints.save(ctx, payload, result_.metrics["summary"], CHECKPOINT)
    return result_
