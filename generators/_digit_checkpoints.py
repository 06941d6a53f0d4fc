"""What the image-lecture generators hand on: the digit classifier (the judge) and each
model's samples, loaded through ``engine.checkpoints`` so they always belong to the
upstream outputs being read."""

from __future__ import annotations

from typing import Any

from engine import checkpoints
from engine.contract import RunContext

CLASSIFIER = "classifier.pt"
SAMPLES = "samples.pt"


def load_classifier(ctx: RunContext) -> Any:
    from models.digit_classifier import ClassifierConfig, DigitClassifier

    saved = checkpoints.load(ctx, "digit_classifier", CLASSIFIER)
    model = DigitClassifier(ClassifierConfig(**saved["config"])).to(ctx.device)
    model.load_state_dict(saved["state_dict"])
    return model.eval()


def load_samples(ctx: RunContext, generator: str) -> dict[str, Any]:
    """``{"samples": tensor, "sampling_seconds": float, ...}`` as ``generator`` saved them."""
    return checkpoints.load(ctx, generator, SAMPLES)
