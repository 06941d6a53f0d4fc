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
