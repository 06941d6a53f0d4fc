"""The digits data the image-lecture generators train on: scikit-learn's embedded 8x8
digits, or the MNIST IDX files that params.yaml points at."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.contract import RunContext


@dataclass
class DigitsSource:
    """Params of every image-lecture generator: where the digits come from."""

    # MNIST IDX files (train-images-idx3-ubyte[.gz], train-labels-...) to use instead of
    # scikit-learn's embedded 8x8 digits; empty for the default. Their content is part of
    # the cache key.
    idx_images_path: str = ""
    idx_labels_path: str = ""


def load_data(ctx: RunContext) -> Any:
    from models.digits import load_split

    images = getattr(ctx.config, "idx_images_path", "")
    labels = getattr(ctx.config, "idx_labels_path", "")
    return load_split(str(ctx.path(images)) if images else None, str(ctx.path(labels)) if labels else None)
