"""Size guidance: a chart whose figure data passes about 150 KB is named in a warning."""

from __future__ import annotations

import logging

from engine.charts import SIZE_GUIDANCE_BYTES, LineChart, Series, render


def line_chart(points: int) -> LineChart:
    xs = list(range(points))
    return LineChart(name="sweep", title="Sweep", x_label="step", y_label="loss",
                     series=[Series("run", xs, [0.123456 + i / 7 for i in xs])])


def test_a_heavy_chart_is_named_in_a_warning_and_a_light_one_is_not(caplog):
    with caplog.at_level(logging.WARNING):
        light = render(line_chart(50))
    assert light.figure_bytes < SIZE_GUIDANCE_BYTES and not caplog.records
    with caplog.at_level(logging.WARNING):
        heavy = render(line_chart(20_000))
    assert heavy.figure_bytes > SIZE_GUIDANCE_BYTES
    [record] = caplog.records
    assert record.getMessage().startswith(f"chart 'sweep': {heavy.figure_bytes // 1000} KB of figure data")
    assert "guidance: about 150 KB" in record.getMessage()
