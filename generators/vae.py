"""The variational autoencoder of the generative-models lecture, trained on 8x8 digits.

Outputs: the loss terms per epoch, originals beside reconstructions, samples from the
prior, the 2-D latent space coloured by digit, a decoded latent grid at three zoom
levels, a latent traversal (frames: one coordinate shifted step by step), and walks between
two digits in latent space. The 500 prior samples go to
``.cache/vae/samples.pt`` for generative_quality.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from engine import checkpoints
from engine.charts import (
    ImageGridChart,
    ImagePanel,
    LineChart,
    ScatterChart,
    ScatterGroup,
    Series,
)
from engine.contract import GeneratorError, Result, RunContext
from engine.params import narrow
from generators._digits_data import DigitsSource, load_data
from generators._generative_charts import samples_chart
from models.vae import VAEConfig

UPSTREAM = ()
DATA_FILES = ()



@dataclass
class Params(VAEConfig, DigitsSource):
    # samples shown on the page
    shown_samples: int = 50
    # digit pairs walked between in latent space, and the images along each walk
    walk_pairs: list[list[int]] = field(default_factory=lambda: [[0, 6], [1, 7], [3, 8], [4, 9]])
    walk_steps: int = 10
    # frames of the latent traversal: shifts of one latent coordinate from -grid_limit to +grid_limit
    traversal_frames: int = 13


PARAMS = Params


def loss_chart(history: dict) -> LineChart:
    names = {"recon": "reconstruction", "kl": "KL", "total": "total (negative ELBO)"}
    series = []
    for key, label in names.items():
        series.append(Series(f"{label}, held-out", history["epoch"], history[f"heldout_{key}"]))
        series.append(Series(f"{label}, train", history["epoch"], history[f"train_{key}"], dash=True))
    return LineChart(
        name="loss",
        title="VAE loss terms per epoch",
        x_label="epoch",
        y_label="nats per digit",
        series=series,
        note="Dashed lines are the training split, solid lines the held-out split.",
    )


def pairs_grid(originals, reconstructions, columns: int) -> list:
    """Rows alternate: a row of originals, then the same digits reconstructed."""
    grid = []
    for start in range(0, len(originals), columns):
        grid += [img.tolist() for img in originals[start : start + columns]]
        grid += [img.tolist() for img in reconstructions[start : start + columns]]
    return grid


def latent_scatter(mu, labels) -> ScatterChart:
    groups = [
        ScatterGroup(f"digit {d}", mu[labels == d, 0].tolist(), mu[labels == d, 1].tolist()) for d in range(10)
    ]
    return ScatterChart(
        name="latent",
        title="Held-out digits in the latent space (posterior means, z1 and z2)",
        x_label="z1",
        y_label="z2",
        groups=groups,
        note="Each point is one held-out digit placed at the mean of its encoding.",
    )


def latent_grids(model, config, device) -> list[ImagePanel]:
    """The decoded (z1, z2) grid at the configured span and two zoomed-in spans around the origin."""
    import torch

    from models.vae import decode_images

    panels = []
    for zoom in (1, 2, 4):
        limit = config.grid_limit / zoom
        values = torch.linspace(-limit, limit, config.grid_size)
        # row i decodes z2 = values[G-1-i] (z2 grows upwards, as in the scatter plot),
        # column j decodes z1 = values[j]
        z2, z1 = torch.meshgrid(values.flip(0), values, indexing="ij")
        # with more than two latent dimensions, the others stay at the prior's mean, 0
        z = torch.zeros(config.grid_size**2, config.latent_dim, device=device)  # (G*G, latent_dim)
        z[:, :2] = torch.stack([z1, z2], dim=-1).view(-1, 2)
        images = decode_images(model, z)
        panels.append(ImagePanel(f"±{limit:g}", [img.tolist() for img in images]))
    return panels


def latent_walks(model, mu, labels, pairs, steps: int, device) -> list:
    """Decode evenly spaced points on the straight line between two digits' encodings."""
    import numpy as np
    import torch

    from models.vae import decode_images

    grid = []
    for a, b in pairs:
        start, end = mu[np.flatnonzero(labels == a)[0]], mu[np.flatnonzero(labels == b)[0]]
        w = np.linspace(0, 1, steps)[:, None]
        z = torch.tensor((1 - w) * start + w * end, dtype=torch.float32, device=device)
        grid += [img.tolist() for img in decode_images(model, z)]
    return grid


def latent_traversal(model, mu, labels, limit: float, frames: int, device) -> ImageGridChart:
    """One held-out digit of each class, its code shifted along z1 (top row) and z2 (bottom row)
    by the same amount in every frame; the other latent coordinates stay where the encoder put them."""
    import numpy as np
    import torch

    from models.vae import decode_images

    firsts = [int(np.flatnonzero(labels == d)[0]) for d in range(10) if (labels == d).any()]
    codes = torch.tensor(mu[firsts], dtype=torch.float32, device=device)  # (D, latent_dim)
    panels = []
    for shift in np.linspace(-limit, limit, frames):
        rows = []
        for axis in (0, 1):
            z = codes.clone()
            z[:, axis] += float(shift)
            rows += [img.tolist() for img in decode_images(model, z)]
        panels.append(ImagePanel(f"shift {shift:+.2f}", rows))
    return ImageGridChart(
        name="traversal",
        title="Latent traversal: held-out digits with z1 (top row) or z2 (bottom row) shifted",
        panels=panels,
        columns=len(firsts),
        note="Each column starts from one held-out digit's encoding (the mean); every frame adds the same shift "
        "to one latent coordinate and decodes.",
    )


def _sampling_seconds(ctx: RunContext, config: VAEConfig, model) -> float:
    """Time to draw as many samples as generative_quality scores: z ~ N(0, I), then decode."""
    import torch

    from models import vae

    gen = torch.Generator(ctx.device).manual_seed(config.seed + 1)
    started = time.perf_counter()
    z = torch.randn(config.n_samples, config.latent_dim, generator=gen, device=ctx.device)
    vae.decode_images(model, z)
    return time.perf_counter() - started


def _summary(config: VAEConfig, data, result, sampling_seconds: float) -> dict:
    last = {k: v[-1] for k, v in result.history.items() if k != "epoch"}
    return {
        **{f"final_{k}": v for k, v in last.items()},
        "epochs": config.epochs,
        "latent_dim": config.latent_dim,
        "beta": config.beta,
        "hidden": config.hidden,
        "n_samples": config.n_samples,
        "train_images": len(data.train_labels),
        "heldout_images": len(data.heldout_labels),
        "train_seconds": result.wall_seconds,
        "sampling_seconds": sampling_seconds,
        "grid_size": config.grid_size,
        "grid_limit": config.grid_limit,
    }


def _image_charts(config: VAEConfig, result, shown: int) -> list[ImageGridChart]:
    samples = result.samples
    columns = min(8, config.n_reconstructions)
    return [
        ImageGridChart(
            name="reconstructions",
            title="Held-out digits (odd rows) and their reconstructions (even rows)",
            panels=[ImagePanel("originals above, reconstructions below", pairs_grid(
                result.originals, result.reconstructions, columns))],
            columns=columns,
            note="Each reconstruction decodes the mean of the digit's encoding.",
        ),
        samples_chart("New digits: z drawn from the prior N(0, I), then decoded", samples, shown),
    ]


def _latent_charts(ctx: RunContext, config: VAEConfig, result) -> list:
    model, mu, labels = result.model, result.latent_mu, result.latent_labels
    pairs = [tuple(p) for p in ctx.config.walk_pairs]
    steps = ctx.config.walk_steps
    return [
        latent_scatter(mu, labels),
        ImageGridChart(
            name="latent_grid",
            title="The decoder over a grid of latent points (slider: the span of z1 and z2)",
            panels=latent_grids(model, config, ctx.device),
            columns=config.grid_size,
            note="z1 grows to the right and z2 upwards, as in the scatter plot; each panel zooms in on the origin.",
        ),
        latent_traversal(model, mu, labels, config.grid_limit, ctx.config.traversal_frames, ctx.device),
        ImageGridChart(
            name="interpolation",
            title="Walking in a straight line between two digits' encodings",
            panels=[ImagePanel(" / ".join(f"{a} to {b}" for a, b in pairs),
                               latent_walks(model, mu, labels, pairs, steps, ctx.device))],
            columns=steps,
            note="Each row starts at one held-out digit's encoding and ends at another's.",
        ),
    ]


def run(ctx: RunContext) -> Result:
    import torch

    from models import vae

    config = narrow(ctx.config, VAEConfig)
    if config.latent_dim < 2:
        raise GeneratorError("latent_dim must be at least 2: the lecture draws the (z1, z2) plane")
    data = load_data(ctx)
    result = vae.train(config, data, ctx.device, progress=ctx.progress)
    sampling_seconds = _sampling_seconds(ctx, config, result.model)
    payload = {"samples": torch.tensor(result.samples), "sampling_seconds": sampling_seconds}
    result_ = Result(
        metrics={"summary": _summary(config, data, result, sampling_seconds), "history": result.history},
        charts=[
            loss_chart(result.history),
            *_image_charts(config, result, ctx.config.shown_samples),
            *_latent_charts(ctx, config, result),
        ],
    )
    checkpoints.save(ctx, payload, result_.metrics["summary"], "samples.pt")
    return result_
