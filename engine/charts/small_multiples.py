"""Which panels a static image (the SVG, a pixel grid's PNG) draws as small multiples.

Up to MAX_PANELS fit one image; beyond that an evenly spaced selection is drawn, and the
same words say which: in the SVG's title and in the chart's description.
"""

from __future__ import annotations

from typing import TypeVar

MAX_PANELS = 12

Panel = TypeVar("Panel")


def selection(panels: list[Panel]) -> tuple[list[Panel], str]:
    """All panels and no note, or MAX_PANELS evenly spaced ones and a note saying which,
    such as `` (panels 1, 3, ..., 21 of 21)``."""
    if len(panels) <= MAX_PANELS:
        return panels, ""
    picked = sorted({round(i * (len(panels) - 1) / (MAX_PANELS - 1)) for i in range(MAX_PANELS)})
    return [panels[i] for i in picked], f" (panels {', '.join(str(i + 1) for i in picked)} of {len(panels)})"


def described(panels: list) -> str:
    """The description's sentence about the selection; empty when every panel is drawn."""
    shown, which = selection(panels)
    if not which:
        return ""
    return f" The static image shows {len(shown)} of the {len(panels)} panels, evenly spaced{which}."
