"""The one visual theme shared by the interactive and the static charts."""

from __future__ import annotations

# Ten series colours per colour scheme. The charts are built with COLORS (the light scheme's,
# also the static SVG's, which always sits on white); in the dark scheme charts.js swaps each
# for DARK_COLORS at the same index (plotly_layout's meta carries both lists). The rules,
# checked by tests/engine/test_palette.py: no black; each colour at least 3:1 against its
# scheme's background (BACKGROUNDS); any two colours of a scheme, and each against the
# reference-line grey, at least 15 apart in CIEDE2000 (the closest pairs are about 19).
COLORS = [
    "#2070C0",  # blue
    "#D55F1C",  # orange
    "#1B9761",  # green
    "#C653A1",  # pink
    "#EF0C40",  # crimson
    "#6F368A",  # purple
    "#7E401F",  # brown
    "#688107",  # olive
    "#34665C",  # dark teal
    "#A67900",  # ochre
]
DARK_COLORS = [
    "#77A0D6",  # blue
    "#F3A911",  # amber
    "#24CA81",  # green
    "#E570AE",  # pink
    "#FA6664",  # salmon
    "#BAAAC9",  # lavender
    "#9B8059",  # tan
    "#9DA93C",  # olive
    "#8BC9CC",  # light teal
    "#CCFF6F",  # lime
]
BACKGROUNDS = {"light": "#FFFFFF", "dark": "#1E2129"}
"""The page backgrounds the charts sit on: Material's default and slate schemes."""
REFERENCE_COLOR = "#888888"
FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif"
HEATMAP_SCALE = "Viridis"
DIVERGING_SCALE = "RdBu"
"""A diverging chart's scale (one of COLOR_SCALES): blue below the midpoint, red above."""
ColorStops = tuple[tuple[float, tuple[int, int, int]], ...]
COLOR_SCALES: dict[str, str | ColorStops] = {
    "Viridis": "viridis",
    "Cividis": (
        (0, (0, 32, 76)),
        (0.058824, (0, 42, 102)),
        (0.117647, (0, 52, 110)),
        (0.176471, (39, 63, 108)),
        (0.235294, (60, 74, 107)),
        (0.294118, (76, 85, 107)),
        (0.352941, (91, 95, 109)),
        (0.411765, (104, 106, 112)),
        (0.470588, (117, 117, 117)),
        (0.529412, (131, 129, 120)),
        (0.588235, (146, 140, 120)),
        (0.647059, (161, 152, 118)),
        (0.705882, (176, 165, 114)),
        (0.764706, (192, 177, 109)),
        (0.823529, (209, 191, 102)),
        (0.882353, (225, 204, 92)),
        (0.941176, (243, 219, 79)),
        (1, (255, 233, 69)),
    ),
    "Greys": ((0, (0, 0, 0)), (1, (255, 255, 255))),
    "Blues": (
        (0, (5, 10, 172)),
        (0.35, (40, 60, 190)),
        (0.5, (70, 100, 245)),
        (0.6, (90, 120, 245)),
        (0.7, (106, 137, 247)),
        (1, (220, 220, 220)),
    ),
    "Reds": ((0, (220, 220, 220)), (0.2, (245, 195, 157)), (0.4, (245, 160, 105)), (1, (178, 10, 28))),
    "RdBu": (
        (0, (5, 10, 172)),
        (0.35, (106, 137, 247)),
        (0.5, (190, 190, 190)),
        (0.6, (220, 170, 132)),
        (0.7, (230, 145, 90)),
        (1, (178, 10, 28)),
    ),
}
"""The heatmap colour scales, by their Plotly names, that the browser and the SVG draw alike.
Plotly gets the name and draws plotly.js's own scale, which is not always matplotlib's scale of
that name (plotly.js's Blues runs from dark to light, its RdBu from blue to red, and it has no
plasma). So the SVG draws either matplotlib's colormap named here, where it is the same scale,
or plotly.js's colour stops, copied here; tests/engine/test_charts.py checks both against the
plotly.js bundle."""
CONTOUR_SCALE = "Greys"
HIGHLIGHT_COLOR = COLORS[1]
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
        "meta": {"ig_palettes": {"light": COLORS, "dark": DARK_COLORS}},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "margin": {"l": 60, "r": 20, "t": 48, "b": 52},
        # In the container's bottom margin, the legend pushes the plot up as it grows; placed
        # in plot coordinates (y < 0), a two-row legend overlapped the x-axis title.
        "legend": {"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom", "x": 0, "xanchor": "left"},
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
