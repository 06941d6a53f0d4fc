"""Round floats before they are written, so outputs are stable from run to run."""

from __future__ import annotations

import math
from typing import Any


def rounded(value: Any, digits: int = 5) -> Any:
    """Round floats (recursively) to ``digits`` significant figures; NaN and ±inf become None."""
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return float(f"{value:.{digits}g}")
    if isinstance(value, dict):
        return {k: rounded(v, digits) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [rounded(v, digits) for v in value]
    if hasattr(value, "tolist"):
        return rounded(value.tolist(), digits)
    return value
