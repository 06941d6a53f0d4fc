"""What the image-lecture generators share: params -> model config, the digits data, and
atomic checkpoint writes under ``.cache/``."""

from __future__ import annotations

import os
from dataclasses import fields
from pathlib import Path

from generators.contract import GeneratorError, RunContext

RUNNER_KEYS = {"seed", "device", "threads", "idx_images_path", "idx_labels_path"}


def model_params(params, config_class, own_keys=frozenset()) -> dict:
    """The params that are fields of ``config_class``; any other unknown key is a typo."""
    names = {f.name for f in fields(config_class)}
    unknown = sorted(set(params) - names - RUNNER_KEYS - set(own_keys))
    if unknown:
        known = ", ".join(sorted(names))
        raise GeneratorError(f"unknown param(s) {', '.join(unknown)}; {config_class.__name__} has {known}")
    return {k: v for k, v in params.items() if k in names}


def save_checkpoint(obj, path: Path) -> None:
    import torch

    tmp = path.with_name(f".{path.name}.tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def load_data(ctx: RunContext):
    from models.digits import load_split

    images, labels = ctx.params.get("idx_images_path"), ctx.params.get("idx_labels_path")
    return load_split(str(ctx.path(images)) if images else None, str(ctx.path(labels)) if labels else None)
