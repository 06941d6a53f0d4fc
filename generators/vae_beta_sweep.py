"""The beta-VAE sweep: the same VAE trained once per KL weight beta.

For each beta it records the held-out reconstruction term and KL term after training, so
the page can show the trade-off: a larger beta buys a latent code closer to the prior at
the price of worse reconstructions.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from itertools import pairwise

from engine.charts import BarChart, BarPanel, ImageGridChart, ImagePanel, LineChart, Series
from engine.contract import GeneratorError, Result, RunContext
from engine.params import narrow
from generators._digits_data import DigitsSource, load_data
from models.vae import VAEConfig

UPSTREAM = ()
DATA_FILES = ()



@dataclass
class Params(VAEConfig, DigitsSource):
    # the KL weights trained, in increasing order (the config's own beta is not used)
    betas: list[float] = field(default_factory=lambda: [0.25, 0.5, 1.0, 2.0, 4.0])
    # samples shown per beta
    shown_samples: int = 20


PARAMS = Params
COLLAPSED_KL = 0.1  # nats per digit: below this the code says next to nothing about the digit


def _train_all(ctx: RunContext, base: VAEConfig, data, betas: list[float], shown: int) -> list[dict]:
    """The same VAE trained once per beta, with its held-out terms after training."""
    from models import vae

    runs = []
    for i, beta in enumerate(betas):
        config = replace(base, beta=beta)

        def progress(step: int, total: int, message: str, i: int = i) -> None:
            ctx.progress(i * total + step, len(betas) * total, message)

        result = vae.train(config, data, ctx.device, progress=progress)
        h = result.history
        runs.append({
            "beta": beta,
            "heldout_recon": h["heldout_recon"][-1],
            "heldout_kl": h["heldout_kl"][-1],
            # recon + KL is the negative ELBO whatever beta was used in training
            "heldout_neg_elbo": h["heldout_recon"][-1] + h["heldout_kl"][-1],
            "samples": result.samples[:shown],
            "train_seconds": result.wall_seconds,
        })
    return runs


def _summary(base: VAEConfig, betas: list[float], runs: list[dict]) -> dict:
    recon = [r["heldout_recon"] for r in runs]
    kl = [r["heldout_kl"] for r in runs]
    lowest, highest = runs[0], runs[-1]
    return {
        "betas": ", ".join(f"{b:g}" for b in betas),
        "runs": len(runs),
        "epochs": base.epochs,
        "latent_dim": base.latent_dim,
        "lowest_beta": lowest["beta"],
        "highest_beta": highest["beta"],
        "recon_at_lowest_beta": lowest["heldout_recon"],
        "recon_at_highest_beta": highest["heldout_recon"],
        "kl_at_lowest_beta": lowest["heldout_kl"],
        "kl_at_highest_beta": highest["heldout_kl"],
        "recon_rises_with_beta": all(a <= b for a, b in pairwise(recon)),
        "kl_falls_with_beta": all(a >= b for a, b in pairwise(kl)),
        # posterior collapse: the code carries (almost) no information about the digit
        "collapsed_betas": ", ".join(f"{r['beta']:g}" for r in runs if r["heldout_kl"] < COLLAPSED_KL)
        or "none",
        "collapsed_kl_threshold": COLLAPSED_KL,
    }


def _charts(runs: list[dict]) -> list:
    labels = [f"β = {r['beta']:g}" for r in runs]
    recon = [r["heldout_recon"] for r in runs]
    kl = [r["heldout_kl"] for r in runs]
    return [
        BarChart(
            name="tradeoff",
            title="β-VAE: held-out reconstruction and KL after training",
            x_label="KL weight β",
            y_label="nats per digit",
            panels=[
                BarPanel("reconstruction term", labels, recon),
                BarPanel("KL term", labels, kl),
            ],
        ),
        LineChart(
            name="rate_distortion",
            title="Reconstruction against KL, one point per β",
            x_label="held-out KL (nats): how much the code says about the digit",
            y_label="held-out reconstruction (nats)",
            series=[Series("β sweep, smallest β on the right", kl, recon)],
            note="Moving left along the curve means a larger β.",
        ),
        ImageGridChart(
            name="samples",
            title="Samples from the prior after training with each β",
            panels=[ImagePanel(label, [img.tolist() for img in r["samples"]])
                    for label, r in zip(labels, runs, strict=True)],
            columns=10,
        ),
    ]


def run(ctx: RunContext) -> Result:
    betas = list(ctx.config.betas)
    if len(betas) < 2 or sorted(betas) != betas:
        raise GeneratorError(f"betas must be at least two values in increasing order, not {betas}")
    base = narrow(ctx.config, VAEConfig)
    data = load_data(ctx)
    runs = _train_all(ctx, base, data, betas, ctx.config.shown_samples)
    return Result(
        metrics={
            "summary": _summary(base, betas, runs),
            "table": {
                "columns": ["β", "held-out reconstruction (nats)", "held-out KL (nats)",
                            "reconstruction + KL (nats)", "training time (s)"],
                "rows": [[r["beta"], round(r["heldout_recon"], 2), round(r["heldout_kl"], 2),
                          round(r["heldout_neg_elbo"], 2), round(r["train_seconds"], 1)] for r in runs],
            },
        },
        charts=_charts(runs),
    )
