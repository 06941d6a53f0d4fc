"""The kpi component: a headline figure read against a baseline or a target."""

from __future__ import annotations

import re

from engine.store import Store

from .test_components import components  # noqa: F401  (the fixture: demo/loss 1.23456, demo/pairs 30)


def shares(html: str) -> list[float]:
    return [float(s) for s in re.findall(r"--ig-share: ([0-9.]+)", html)]


def test_baseline_and_target_are_shown_with_bars_against_the_larger(components):  # noqa: F811
    html = components.restore(str(components.kpi("demo/loss", label="Loss", unit="nats", baseline="demo/pairs",
                                                 baseline_label="pairs", target="demo/loss", target_label="goal")))
    assert '<span class="ig-kpi__number">1.235</span>' in html
    assert "vs <strong>30</strong> nats" in html and "(pairs)" in html
    assert "target <strong>1.235</strong>" in html and "(goal)" in html
    assert shares(html) == [round(1.23456 / 30, 3), 1.0, round(1.23456 / 30, 3)]


def test_no_bars_without_a_comparison_or_for_negative_numbers(components, tmp_path):  # noqa: F811
    alone = components.restore(str(components.kpi("demo/pairs", label="Pairs", digits=0)))
    assert "ig-kpi__bar" not in alone and ">30<" in alone
    metrics = tmp_path / "generated/demo/metrics.json"
    metrics.write_text(metrics.read_text().replace('"pairs": 30', '"pairs": -30'))
    components.store = Store(tmp_path / "generated", {"demo", "later"})  # a fresh loader reads the change
    negative = components.restore(str(components.kpi("demo/loss", label="Loss", baseline="demo/pairs")))
    assert "ig-kpi__bar" not in negative and "vs <strong>-30</strong>" in negative


def test_stage_colour_and_pending_values(components):  # noqa: F811
    html = components.restore(str(components.kpi("demo/loss", label="Loss", baseline="later/x", stage=2)))
    assert 'class="ig-kpi ig-stage--2"' in html
    assert "vs <strong>(being computed)</strong>" in html and "ig-kpi__bar" not in html
    pending = components.restore(str(components.kpi("later/x", label="Later")))
    assert "being computed" in pending and "ig-kpi__number" not in pending


def test_a_kpi_inside_a_stage_card_is_restored_and_takes_the_stage_colour(components):  # noqa: F811
    card = components.stage_card(3, "Reward", "Rank", "Pairs",
                                 caller=lambda: str(components.kpi("demo/loss", label="Loss")))
    html = components.restore(str(card))
    assert "IGCOMPONENT" not in html
    assert html.index('class="ig-stage-card ig-stage--3"') < html.index('class="ig-kpi"')
