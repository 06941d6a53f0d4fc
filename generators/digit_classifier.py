"""The judge of the generative-models lecture: a digit classifier trained on real digits.

It is its own generator so that gan_collapse and generative_quality share one judge, and a
change to a generative model never retrains it. Its weights go to ``.cache/`` for them.
"""

from __future__ import annotations

import os
from dataclasses import asdict, fields
from pathlib import Path

from generators.charts import LineChart, ReferenceLine, Series
from generators.contract import GeneratorError, Result, RunContext

UPSTREAM = ()
DATA_FILES = ()

RUNNER_KEYS = {"seed", "device", "threads", "idx_images_path", "idx_labels_path"}
CHECKPOINT = "classifier.pt"


def model_params(params, config_class) -> dict:
    """The params that are fields of ``config_class``; any other unknown key is a typo."""
    names = {f.name for f in fields(config_class)}
    unknown = sorted(set(params) - names - RUNNER_KEYS)
    if unknown:
        known = ", ".join(sorted(names))
        raise GeneratorError(f"unknown param(s) {', '.join(unknown)}; {config_class.__name__} has {known}")
    return {k: v for k, v in params.items() if k in names}


def save_checkpoint(obj, path: Path) -> None:
    import torch

    tmp = path.with_name(f".{path.name}.tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def run(ctx: RunContext) -> Result:
    from models import digit_classifier
    from models.digits import load_split

    config = digit_classifier.ClassifierConfig(**model_params(ctx.params, digit_classifier.ClassifierConfig))
    images, labels = ctx.params.get("idx_images_path"), ctx.params.get("idx_labels_path")
    data = load_split(str(ctx.path(images)) if images else None, str(ctx.path(labels)) if labels else None)
    result = digit_classifier.train(config, data, ctx.device, progress=ctx.progress)
    save_checkpoint({"config": asdict(config), "state_dict": result["model"].state_dict()}, ctx.cache_dir / CHECKPOINT)

    history, real = result["history"], result["heldout_scores"]
    return Result(
        metrics={
            "summary": {
                "heldout_accuracy": result["heldout_accuracy"],
                "train_images": len(data.train_labels),
                "heldout_images": len(data.heldout_labels),
                "epochs": config.epochs,
                "hidden": config.hidden,
                "real_mean_confidence": real["mean_confidence"],
                "real_coverage": real["coverage"],
                "train_seconds": result["wall_seconds"],
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
