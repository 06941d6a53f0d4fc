"""Charts that the generative-model generators (vae, gan, gan_collapse, ddpm) draw alike."""

from __future__ import annotations

from engine.charts import ImageGridChart, ImagePanel, LineChart, ReferenceLine, Series


def samples_chart(title: str, samples, shown: int) -> ImageGridChart:
    """The first ``shown`` of a model's samples, ten to a row."""
    return ImageGridChart(
        name="samples",
        title=title,
        panels=[ImagePanel(f"first {min(shown, len(samples))} of {len(samples)} samples",
                           [img.tolist() for img in samples[:shown]])],
        columns=10,
    )


def d_outputs_chart(title: str, history: dict) -> LineChart:
    """The discriminator's mean outputs per epoch, on real digits and on the generator's."""
    return LineChart(
        name="d_outputs",
        title=title,
        x_label="epoch",
        y_label="mean probability of 'real'",
        series=[
            Series("D(x), real digits", history["epoch"], history["d_real"]),
            Series("D(G(z)), generated digits", history["epoch"], history["d_fake"]),
        ],
        reference_lines=[ReferenceLine("a D that cannot tell (0.5)", 0.5)],
    )
