"""Checkpoints handed from one generator to the next, for every model family.

A stage saves its network under ``.cache/<stage>/<file>``; a later stage loads it from
there. Each checkpoint carries a fingerprint of the ``summary`` its run wrote, so a stage
never trains on a checkpoint that does not belong to the upstream outputs it reads (a run
that crashed after saving, or a ``.cache/`` copied from elsewhere).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from . import atomic
from .contract import GeneratorError, RunContext
from .rounding import rounded

DEFAULT_FILE = "model.pt"


def summary_fingerprint(summary: dict[str, Any]) -> str:
    """A digest of a summary as the runner writes it (rounded)."""
    blob = json.dumps(rounded(summary), sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def save(ctx: RunContext, payload: dict[str, Any], summary: dict[str, Any], filename: str = DEFAULT_FILE) -> None:
    """Write ``.cache/<generator>/<filename>``, paired with the ``summary`` this run returns."""
    import torch

    obj = {**payload, "summary_fingerprint": summary_fingerprint(summary)}
    atomic.save_with(ctx.cache_dir / filename, lambda path: torch.save(obj, path))


def load(ctx: RunContext, stage: str, filename: str = DEFAULT_FILE) -> dict[str, Any]:
    """The checkpoint ``stage`` saved with the outputs this generator reads as upstream."""
    import torch

    if stage not in ctx.upstream:
        raise GeneratorError(f"{stage} is not in this generator's UPSTREAM, so its checkpoint cannot be trusted")
    path = ctx.upstream_checkpoint(stage, filename)
    shown = f".cache/{stage}/{filename}"
    hint = f"re-run it: python -m generators --force {stage}"
    if not path.is_file():
        raise GeneratorError(f"{stage}'s checkpoint {shown} is missing (was .cache/ deleted?); {hint}")
    checkpoint = torch.load(path, map_location=ctx.device, weights_only=True)
    if checkpoint.get("summary_fingerprint") != summary_fingerprint(ctx.upstream[stage]["summary"]):
        raise GeneratorError(f"{stage}'s checkpoint {shown} is from another run than its outputs; {hint}")
    return checkpoint
