"""The one visual theme shared by the interactive and the static charts."""

from __future__ import annotations

# Okabe-Ito: distinguishable with the common colour-vision deficiencies, and readable on
# both the light and the dark palette.
COLORS = [
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#000000",
]
REFERENCE_COLOR = "#888888"
FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif"
HEATMAP_SCALE = "Viridis"
DIVERGING_SCALE = "RdBu"
CONTOUR_SCALE = "Greys"
HIGHLIGHT_COLOR = "#D55E00"
"""The accent of a highlighted bar (the gold chunk among retrieved ones)."""
MAX_TICKS = 12
"""Axis labels beyond this many collide: heatmap axes label every k-th cell."""
IMAGE_SCALE = "Greys"


def plotly_layout(title: str) -> dict:
    """A lean layout: the default plotly template would add about 6.5 KB to each figure."""
    return {
        "template": {},
        "title": {"text": title, "x": 0.01, "xanchor": "left", "font": {"size": 15}},
        "font": {"family": FONT_FAMILY, "size": 13},
        "colorway": COLORS,
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "margin": {"l": 60, "r": 20, "t": 48, "b": 52},
        "legend": {"orientation": "h", "y": -0.22},
        "hovermode": "closest",
    }


def axis(title: str, log: bool = False) -> dict:
    return {
        "title": {"text": title},
        "type": "log" if log else "linear",
        "gridcolor": "rgba(128,128,128,0.25)",
        "zerolinecolor": "rgba(128,128,128,0.4)",
        "automargin": True,
    }


def tick_step(count: int, most: int = MAX_TICKS) -> int:
    """Label every ``step``-th of ``count`` cells so at most about ``most`` labels show."""
    return max(1, -(-count // most))


def ticks(values: list, numeric: bool) -> dict:
    """Plotly axis settings that label at most about MAX_TICKS cells."""
    if numeric:
        return {"nticks": MAX_TICKS}
    step = tick_step(len(values))
    if step == 1:
        return {}
    shown = values[::step]
    return {"tickmode": "array", "tickvals": shown, "ticktext": shown}


MATPLOTLIB_RC = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.prop_cycle": None,  # filled in by svg_figure with COLORS
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "svg.fonttype": "none",
    "svg.hashsalt": "ig-charts",
}
