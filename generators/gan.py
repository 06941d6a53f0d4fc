"""The GAN of the generative-models lecture, trained on 8x8 digits with the default config.

Outputs: D and G losses and the discriminator's outputs D(x), D(G(z)) per epoch, the same
fixed noise vectors decoded at snapshot epochs (a slider), and samples after training.
The 500 samples go to ``.cache/gan/samples.pt`` for gan_collapse and generative_quality.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from engine import checkpoints
from engine.charts import ImageGridChart, ImagePanel, LineChart, ReferenceLine, Series
from engine.contract import Result, RunContext
from engine.params import narrow
from generators._digits_data import DigitsSource, load_data
from generators._generative_charts import d_outputs_chart, samples_chart
from models.gan import GANConfig

UPSTREAM = ()
DATA_FILES = ()



@dataclass
class Params(GANConfig, DigitsSource):
    # samples shown on the page
    shown_samples: int = 50


PARAMS = Params


def _sampling_seconds(ctx: RunContext, config: GANConfig, generator) -> float:
    """Time to draw as many samples as generative_quality scores: one pass of G."""
    import torch

    from models import gan

    gen = torch.Generator(ctx.device).manual_seed(config.seed + 3)
    started = time.perf_counter()
    with torch.no_grad():
        z = config.z_std * torch.randn(config.n_samples, config.z_dim, generator=gen, device=ctx.device)
        gan.to_unit(generator(z))
    return time.perf_counter() - started


def _summary(config: GANConfig, result, sampling_seconds: float) -> dict:
    history = result.history
    # at the game's equilibrium D(x) = D(G(z)) = 1/2, so L_D = 2 log 2 and L_G = log 2
    return {
        "final_d_loss": history["d_loss"][-1],
        "final_g_loss": history["g_loss"][-1],
        "final_d_real": history["d_real"][-1],
        "final_d_fake": history["d_fake"][-1],
        "equilibrium_d_loss": 2 * math.log(2),
        "equilibrium_g_loss": math.log(2),
        "epochs": config.epochs,
        "z_dim": config.z_dim,
        "hidden": config.hidden,
        "lr_g": config.lr_g,
        "lr_d": config.lr_d,
        "n_samples": config.n_samples,
        "snapshots": len(result.snapshots["epochs"]),
        "train_seconds": result.wall_seconds,
        "sampling_seconds": sampling_seconds,
    }


def _losses_chart(history: dict) -> LineChart:
    return LineChart(
        name="losses",
        title="GAN losses per epoch",
        x_label="epoch",
        y_label="loss (nats)",
        series=[
            Series("discriminator loss L_D", history["epoch"], history["d_loss"]),
            Series("generator loss L_G (non-saturating)", history["epoch"], history["g_loss"]),
        ],
        reference_lines=[
            ReferenceLine("L_D at equilibrium (2 log 2)", 2 * math.log(2)),
            ReferenceLine("L_G at equilibrium (log 2)", math.log(2)),
        ],
    )


def _image_charts(config: GANConfig, snapshots: dict, samples, shown: int) -> list[ImageGridChart]:
    return [
        ImageGridChart(
            name="snapshots",
            title="The same noise vectors z through training",
            panels=[
                ImagePanel(f"epoch {e}", [img.tolist() for img in images])
                for e, images in zip(snapshots["epochs"], snapshots["images"], strict=True)
            ],
            columns=min(8, config.n_fixed),
            note="Every panel decodes the same fixed z, so each cell shows one sample maturing.",
        ),
        samples_chart("New digits from the trained generator", samples, shown),
    ]


def run(ctx: RunContext) -> Result:
    import torch

    from models import gan

    config = narrow(ctx.config, GANConfig)
    data = load_data(ctx)
    result = gan.train(config, data, ctx.device, progress=ctx.progress)
    history, samples = result.history, result.samples
    sampling_seconds = _sampling_seconds(ctx, config, result.generator)
    payload = {"samples": torch.tensor(samples), "sampling_seconds": sampling_seconds}
    result_ = Result(
        metrics={"summary": _summary(config, result, sampling_seconds), "history": history},
        charts=[
            _losses_chart(history),
            d_outputs_chart("What the discriminator says: D(x) on real digits, D(G(z)) on fakes", history),
            *_image_charts(config, result.snapshots, samples, ctx.config.shown_samples),
        ],
    )
    checkpoints.save(ctx, payload, result_.metrics["summary"], "samples.pt")
    return result_
