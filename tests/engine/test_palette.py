"""The chart palettes: ten colours per colour scheme, none black, each at least 3:1 against
its scheme's background, and any two (and each against the reference-line grey) at least 15
apart in CIEDE2000. The colour science is written out here, checked against published values."""

from __future__ import annotations

import itertools
import math

import pytest

from engine.charts import theme


def srgb_to_linear(channel: float) -> float:
    return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4


def rgb(hex_colour: str) -> tuple[float, float, float]:
    return tuple(int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5))


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio."""
    def luminance(colour: str) -> float:
        r, g, b_ = (srgb_to_linear(c) for c in rgb(colour))
        return 0.2126 * r + 0.7152 * g + 0.0722 * b_
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def lab(hex_colour: str) -> tuple[float, float, float]:
    """CIELAB under D65."""
    r, g, b = (srgb_to_linear(c) for c in rgb(hex_colour))
    x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / 0.95047
    y = 0.2126729 * r + 0.7151522 * g + 0.0721750 * b
    z = (0.0193339 * r + 0.1191920 * g + 0.9503041 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > (6 / 29) ** 3 else t / (3 * (6 / 29) ** 2) + 4 / 29
    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def ciede2000(lab1, lab2) -> float:
    """ΔE00 (Sharma, Wu and Dalal, 2005)."""
    (l1, a1, b1), (l2, a2, b2) = lab1, lab2
    c_mean = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(c_mean**7 / (c_mean**7 + 25**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = math.hypot(a1p, b1), math.hypot(a2p, b2)
    h1p = math.degrees(math.atan2(b1, a1p)) % 360 if c1p else 0.0
    h2p = math.degrees(math.atan2(b2, a2p)) % 360 if c2p else 0.0
    if c1p * c2p == 0:
        dhp = 0.0
    elif abs(h2p - h1p) <= 180:
        dhp = h2p - h1p
    else:
        dhp = h2p - h1p - 360 if h2p > h1p else h2p - h1p + 360
    d_h = 2 * math.sqrt(c1p * c2p) * math.sin(math.radians(dhp / 2))
    l_mean, cp_mean = (l1 + l2) / 2, (c1p + c2p) / 2
    if c1p * c2p == 0:
        h_mean = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        h_mean = (h1p + h2p) / 2
    else:
        h_mean = (h1p + h2p + 360) / 2 if h1p + h2p < 360 else (h1p + h2p - 360) / 2
    t = (1 - 0.17 * math.cos(math.radians(h_mean - 30)) + 0.24 * math.cos(math.radians(2 * h_mean))
         + 0.32 * math.cos(math.radians(3 * h_mean + 6)) - 0.20 * math.cos(math.radians(4 * h_mean - 63)))
    d_theta = 30 * math.exp(-(((h_mean - 275) / 25) ** 2))
    r_c = 2 * math.sqrt(cp_mean**7 / (cp_mean**7 + 25**7))
    s_l = 1 + 0.015 * (l_mean - 50) ** 2 / math.sqrt(20 + (l_mean - 50) ** 2)
    s_c, s_h = 1 + 0.045 * cp_mean, 1 + 0.015 * cp_mean * t
    r_t = -math.sin(math.radians(2 * d_theta)) * r_c
    dl, dc, dh = (l2 - l1) / s_l, (c2p - c1p) / s_c, d_h / s_h
    return math.sqrt(dl**2 + dc**2 + dh**2 + r_t * dc * dh)


PALETTES = {"light": theme.COLORS, "dark": theme.DARK_COLORS}


@pytest.mark.parametrize("lab1,lab2,expected", [  # Sharma et al. (2005), Table 1
    ((50, 2.6772, -79.7751), (50, 0, -82.7485), 2.0425),
    ((50, 2.5, 0), (73, 25, -18), 27.1492),
    ((50, 2.5, 0), (50, 0, -2.5), 4.3065),
    ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    ((2.0776, 0.0795, -1.135), (0.9033, -0.0636, -0.5514), 0.9082),
])
def test_ciede2000_matches_published_values(lab1, lab2, expected):
    assert ciede2000(lab1, lab2) == pytest.approx(expected, abs=1e-4)


def test_contrast_matches_wcag_examples():
    assert contrast("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast("#777777", "#FFFFFF") == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize("scheme", PALETTES)
def test_ten_colours_none_black(scheme):
    palette = PALETTES[scheme]
    assert len(palette) == 10 and len({c.upper() for c in palette}) == 10
    assert all(lab(c)[0] > 30 for c in palette)  # black and near-black fail (L* of #000 is 0)


@pytest.mark.parametrize("scheme", PALETTES)
def test_each_colour_stands_out_from_its_background(scheme):
    background = theme.BACKGROUNDS[scheme]
    ratios = {c: round(contrast(c, background), 2) for c in PALETTES[scheme]}
    assert min(ratios.values()) >= 3.0, ratios


@pytest.mark.parametrize("scheme", PALETTES)
def test_any_two_colours_differ_by_at_least_15_ciede2000(scheme):
    colours = [*PALETTES[scheme], theme.REFERENCE_COLOR]
    closest = min((ciede2000(lab(a), lab(b)), a, b) for a, b in itertools.combinations(colours, 2))
    assert closest[0] >= 15, closest


def test_plotly_layout_carries_both_palettes_and_a_legend_below_the_axis_titles():
    layout = theme.plotly_layout("t")
    assert layout["meta"]["ig_palettes"] == {"light": theme.COLORS, "dark": theme.DARK_COLORS}
    assert layout["colorway"] == theme.COLORS
    # a legend placed in the container's bottom margin pushes the plot up instead of
    # overlapping the x-axis title (a legend in plot coordinates, y < 0, overlapped it)
    assert layout["legend"]["yref"] == "container" and layout["legend"]["yanchor"] == "bottom"
