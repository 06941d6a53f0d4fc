"""The diffusion model (DDPM) of the generative-models lecture, trained on 8x8 digits.

Outputs: a few digits noised at chosen timesteps, the noise schedule (alpha_bar_t and the
signal-to-noise ratio), the training loss, reverse trajectories from noise to digits (a
slider), one sample denoised step by step beside the network's guess of the finished digit
(frames), samples, and the same network sampled with fewer DDIM steps. All samples, with
their sampling times, go to ``.cache/ddpm/samples.pt`` for generative_quality to score.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from engine import checkpoints
from engine.charts import ImageGridChart, ImagePanel, LineChart, Series
from engine.contract import Result, RunContext
from engine.params import narrow
from generators._digits_data import DigitsSource, load_data
from generators._generative_charts import samples_chart
from models.ddpm import DDPMConfig

UPSTREAM = ()
DATA_FILES = ()



@dataclass
class Params(DDPMConfig, DigitsSource):
    # timesteps and digits shown in the forward-process figure
    noise_demo_t: list[int] = field(default_factory=lambda: [0, 10, 25, 50, 100, 150, 200])
    noise_demo_digits: list[int] = field(default_factory=lambda: [0, 3, 7])
    # few-step DDIM samplers compared with the full ancestral sampler
    compare_ddim_steps: list[int] = field(default_factory=lambda: [50, 20, 10, 5])
    # samples shown on the page
    shown_samples: int = 50
    # frames of the one-sample denoising chart (evenly spaced steps from t = T to t = 1, then t = 0)
    denoise_frames: int = 21


PARAMS = Params


def forward_demo(ctx: RunContext, schedule, data, config) -> tuple[ImageGridChart, list[int]]:
    """Chosen held-out digits (rows) noised in closed form at chosen timesteps (columns)."""
    import numpy as np
    import torch

    from models.ddpm import to_unit

    ts = [t for t in ctx.config.noise_demo_t if 0 <= t <= config.T]
    digits = list(ctx.config.noise_demo_digits)
    labels = data.heldout_labels.numpy()
    x0 = torch.stack([data.heldout_images[int(np.flatnonzero(labels == d)[0])] for d in digits]) * 2 - 1
    eps = torch.randn(x0.shape, generator=torch.Generator().manual_seed(config.seed + 7))  # one eps per digit
    grid = []
    for row in range(len(digits)):
        for t in ts:
            # the paper's t = 0 is the clean digit; t >= 1 is index t - 1 of the schedule
            x_t = x0[row : row + 1] if t == 0 else schedule.add_noise(
                x0[row : row + 1].to(schedule.betas.device), eps[row : row + 1].to(schedule.betas.device),
                torch.tensor([t - 1], device=schedule.betas.device))
            grid.append(to_unit(x_t)[0].tolist())
    chart = ImageGridChart(
        name="forward",
        title="The forward process: digits noised at t = " + ", ".join(map(str, ts)),
        panels=[ImagePanel("each row one digit, each column one t", grid)],
        columns=len(ts),
        note="Pixels are clipped to the displayable range; the model sees the unclipped values.",
    )
    return chart, ts


def denoise_one(model, schedule, frames: int, seed: int, image_size: int, device) -> ImageGridChart:
    """One sample from noise to digit: at evenly spaced steps, x_t beside the clean image the
    network believes in at that step, x̂_0 = (x_t - sqrt(1 - ᾱ_t) ε_θ) / sqrt(ᾱ_t)."""
    import numpy as np
    import torch

    from models.ddpm import to_unit

    T = schedule.T
    shown = set(np.linspace(T, 1, max(2, frames - 1)).round().astype(int).tolist())  # the paper's t
    gen = torch.Generator(device).manual_seed(seed + 11)
    x_t = torch.randn(1, image_size, image_size, generator=gen, device=device)
    panels = []
    with torch.no_grad():
        for index in range(T - 1, -1, -1):  # schedule index t - 1 turns the paper's x_t into x_{t-1}
            eps_pred = model(x_t, torch.full((1,), index, device=device))
            if index + 1 in shown:
                alpha_bar = schedule.alpha_bars[index]
                x0_hat = (x_t - (1 - alpha_bar).sqrt() * eps_pred) / alpha_bar.sqrt()
                panels.append(ImagePanel(f"t = {index + 1}", [to_unit(x_t)[0].tolist(), to_unit(x0_hat)[0].tolist()]))
            x_t = schedule.step(eps_pred, index, x_t, gen)
    finished = to_unit(x_t.clamp(-1, 1))[0].tolist()
    panels.append(ImagePanel("t = 0", [finished, finished]))
    return ImageGridChart(
        name="denoise_one",
        title="One sample denoised: x_t (left) and the network's guess of the finished digit (right)",
        panels=panels,
        columns=2,
        note="The guess is the clean image that the predicted noise implies at that step; at t = 0 both are "
        "the finished sample.",
    )


def sampler_settings(model, schedule, config, steps_list, device) -> list[dict]:
    """The few-step DDIM sampler at each step count, timed for config.n_samples images."""
    import torch

    from models.ddpm import ddim_sample, to_unit

    settings = []
    for steps in steps_list:
        gen = torch.Generator(device).manual_seed(config.seed + 100 + steps)
        started = time.perf_counter()
        x0 = ddim_sample(model, schedule, config.n_samples, steps, gen)
        seconds = time.perf_counter() - started
        settings.append({"name": f"DDIM, {steps} steps", "label": f"DDIM {steps}", "steps": steps,
                         "samples": torch.tensor(to_unit(x0)), "seconds": seconds})
    return settings


def _summary(config: DDPMConfig, result, steps_list: list[int], demo_ts: list[int]) -> dict:
    sched, history = result.schedule, result.history
    return {
        "T": config.T,
        "epochs": config.epochs,
        "hidden": config.hidden,
        "n_blocks": config.n_blocks,
        "first_loss": history["loss"][0],
        "final_loss": history["loss"][-1],
        "beta_first": sched["beta"][0],
        "beta_last": sched["beta"][-1],
        "alpha_bar_last": sched["alpha_bar"][-1],
        "snr_first": sched["snr"][0],
        "snr_last": sched["snr"][-1],
        "n_samples": config.n_samples,
        "ddim_steps": ", ".join(map(str, steps_list)) or "none",
        "fewest_ddim_steps": min(steps_list) if steps_list else config.T,
        "train_seconds": result.wall_seconds,
        "sampling_seconds": result.sampling_seconds["ancestral"],
        "noise_demo_t": demo_ts,
    }


def _schedule_charts(sched: dict, history: dict) -> list[LineChart]:
    t_axis = sched["t"]
    return [
        LineChart(
            name="schedule",
            title="How much of the digit survives at step t",
            x_label="timestep t",
            y_label="weight",
            series=[
                Series("ᾱ_t", t_axis, sched["alpha_bar"]),
                Series("√ᾱ_t, weight of the digit x₀", t_axis, [a**0.5 for a in sched["alpha_bar"]], dash=True),
                Series("√(1−ᾱ_t), weight of the noise ε", t_axis, [(1 - a) ** 0.5 for a in sched["alpha_bar"]],
                       dash=True),
            ],
        ),
        LineChart(
            name="snr",
            title="Signal-to-noise ratio ᾱ_t / (1 − ᾱ_t)",
            x_label="timestep t",
            y_label="SNR (log scale)",
            series=[Series("SNR(t)", t_axis, sched["snr"])],
            y_log=True,
        ),
        LineChart(
            name="loss",
            title="Training loss: mean squared error of the predicted noise",
            x_label="epoch",
            y_label="‖ε − ε_θ‖² per pixel",
            series=[Series("training loss", history["epoch"], history["loss"])],
        ),
    ]


def _reverse_chart(trajectory: dict) -> ImageGridChart:
    return ImageGridChart(
        name="reverse",
        title="Sampling: from pure noise (t = T) to digits (t = 0)",
        panels=[
            ImagePanel(f"t = {t}", [img.tolist() for img in images])
            for t, images in zip(trajectory["t"], trajectory["images"], strict=True)
        ],
        columns=len(trajectory["images"][0]),
        note="Every panel shows the same samples; the slider moves through the reverse steps.",
    )


def _sample_charts(config: DDPMConfig, samples, shown: int, settings: list[dict]) -> list[ImageGridChart]:
    return [
        samples_chart(f"New digits from the diffusion model ({config.T} ancestral steps)", samples, shown),
        ImageGridChart(
            name="sampler_samples",
            title="The same network, sampled with fewer steps",
            panels=[ImagePanel(s["label"], [img.tolist() for img in s["samples"][:20].numpy()]) for s in settings],
            note="DDPM T is the full ancestral sampler with T steps; DDIM n skips to n steps.",
            columns=10,
        ),
    ]


def run(ctx: RunContext) -> Result:
    import torch

    from models import ddpm

    config = narrow(ctx.config, DDPMConfig)
    data = load_data(ctx)
    result = ddpm.train(config, data, ctx.device, progress=ctx.progress)
    schedule, samples = result.noise_schedule, result.samples

    steps_list = sorted({s for s in ctx.config.compare_ddim_steps
                         if 1 <= s <= config.T}, reverse=True)
    settings = [{"name": f"ancestral (DDPM), {config.T} steps", "label": f"DDPM {config.T}", "steps": config.T,
                 "samples": torch.tensor(samples), "seconds": result.sampling_seconds["ancestral"]}]
    settings += sampler_settings(result.model, schedule, config, steps_list, ctx.device)
    payload = {"samples": torch.tensor(samples), "sampling_seconds": result.sampling_seconds["ancestral"],
               "settings": settings}

    forward, demo_ts = forward_demo(ctx, schedule, data, config)
    one = denoise_one(result.model, schedule, ctx.config.denoise_frames, config.seed,
                      data.train_images.shape[-1], ctx.device)
    result_ = Result(
        metrics={
            "summary": _summary(config, result, steps_list, demo_ts),
            "history": result.history,
            "samplers": [{"name": s["name"], "steps": s["steps"], "seconds": s["seconds"]} for s in settings],
        },
        charts=[
            forward,
            *_schedule_charts(result.schedule, result.history),
            _reverse_chart(result.trajectory),
            one,
            *_sample_charts(config, samples, ctx.config.shown_samples, settings),
        ],
    )
    checkpoints.save(ctx, payload, result_.metrics["summary"], "samples.pt")
    return result_
