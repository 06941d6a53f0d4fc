"""Denoising diffusion (DDPM, Ho et al. 2020) on 8x8 digits, with a DDIM few-step sampler.

The forward process destroys a digit with Gaussian noise over T small steps; a network
learns to predict that noise; sampling runs the process backwards from pure noise.

The noise schedule is kept apart from the network, in the shape of diffusers'
DDPMScheduler: `NoiseSchedule.add_noise(x0, noise, t)` for training and
`NoiseSchedule.step(eps_pred, t, x_t)` for sampling. Equation numbers refer to the DDPM paper.
Inside the code timesteps are 0-based as in diffusers: our t = 0 .. T-1 is the paper's
t = 1 .. T. The data `train` returns (schedule, trajectory) uses the paper's t.
"""

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from models.digits import DigitsSplit

Progress = Callable[[int, int, str], None]


@dataclass
class DDPMConfig:
    T: int = 200  # diffusion steps; 8x8 digits need far fewer than the paper's 1000
    beta_1: float = 1e-4  # the paper's first beta for T=1000; scaled by 1000/T below
    beta_T: float = 0.02  # the paper's last beta for T=1000; scaled by 1000/T below
    hidden: int = 256  # width of the noise-prediction MLP
    n_blocks: int = 3  # residual blocks, each told the timestep
    time_dim: int = 128  # size of the sinusoidal timestep embedding
    epochs: int = 500  # ~1,400 images, so one epoch is only a dozen updates (6,000 in all)
    batch_size: int = 128  # a large batch smooths the very noisy diffusion loss
    lr: float = 2e-3  # Adam; decays linearly to zero over training
    ema_decay: float = 0.995  # sample with an exponential moving average of the weights
    n_samples: int = 500  # images drawn after training (scored by the digit classifier)
    ddim_steps: int = 20  # steps of the few-step DDIM sampler
    trajectory_samples: int = 8  # reverse trajectories recorded for the slider
    trajectory_points: int = 11  # timesteps recorded along each trajectory
    seed: int = 0  # fixes initialisation, batches, training noise and sampling noise

    @classmethod
    def tiny(cls) -> "DDPMConfig":
        return cls(T=50, hidden=32, n_blocks=1, time_dim=16, epochs=2, n_samples=16, ddim_steps=5)


class NoiseSchedule:
    """The fixed forward process: betas, alphas and their products, as tensors of length T."""

    def __init__(self, T: int, beta_1: float = 1e-4, beta_T: float = 0.02, device="cpu"):
        # $\beta_t$ rises linearly from $\beta_1$ to $\beta_T$. The paper's values are for $T = 1000$; with
        # fewer steps each step must add more noise, so scale by $1000 / T$ (Nichol &
        # Dhariwal 2021) to end near the same $\bar\alpha_T \approx 0$.
        scale = 1000 / T
        if scale * beta_T >= 1:
            raise ValueError(f"T={T} is too small: beta_T would be {scale * beta_T:.2f} >= 1")
        self.T = T
        self.betas = torch.linspace(scale * beta_1, scale * beta_T, T, device=device)
        # $\alpha_t = 1 - \beta_t$ and $\bar\alpha_t = \prod_{s \le t} \alpha_s$
        self.alphas = 1.0 - self.betas
        self.alpha_bars = torch.cumprod(self.alphas, dim=0)
        # signal-to-noise ratio of $x_t$: $\mathrm{SNR}(t) = \bar\alpha_t / (1 - \bar\alpha_t)$
        self.snr = self.alpha_bars / (1.0 - self.alpha_bars)

    def add_noise(self, x0: torch.Tensor, noise: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        # eq. 4, $q(x_t \mid x_0)$ in closed form:
        # $x_t = \sqrt{\bar\alpha_t}\, x_0 + \sqrt{1 - \bar\alpha_t}\, \epsilon$
        alpha_bar = self.alpha_bars[t].view(-1, *([1] * (x0.dim() - 1)))  # (B, 1, 1)
        return alpha_bar.sqrt() * x0 + (1 - alpha_bar).sqrt() * noise

    def step(
        self,
        eps_pred: torch.Tensor,
        t: int,
        x_t: torch.Tensor,
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        """One ancestral step x_t -> x_{t-1} (Algorithm 2, line 4)."""
        # 1. the coefficients at step $t$
        beta_t, alpha_t, alpha_bar_t = self.betas[t], self.alphas[t], self.alpha_bars[t]

        # 2. eq. 11, the mean of $p(x_{t-1} \mid x_t)$: subtract the predicted noise
        # $\mu = \frac{1}{\sqrt{\alpha_t}} \left(x_t - \frac{\beta_t}{\sqrt{1 - \bar\alpha_t}}\, \epsilon_\theta\right)$
        mu = (x_t - beta_t / (1 - alpha_bar_t).sqrt() * eps_pred) / alpha_t.sqrt()

        # 3. $x_{t-1} = \mu + \sigma_t z$ with $\sigma_t^2 = \beta_t$ (Sec. 3.2);
        # no noise on the last step (the paper's $t = 1$), which returns the mean as the image
        z = torch.randn(x_t.shape, generator=generator, device=x_t.device, dtype=x_t.dtype)
        sigma_t = beta_t.sqrt() if t > 0 else torch.zeros_like(beta_t)
        return mu + sigma_t * z

    def ddim_step(self, eps_pred: torch.Tensor, t: int, t_prev: int, x_t: torch.Tensor) -> torch.Tensor:
        """One deterministic DDIM step x_t -> x_{t_prev} (Song et al. 2021, eq. 12, eta = 0)."""
        alpha_bar_t = self.alpha_bars[t]
        alpha_bar_prev = self.alpha_bars[t_prev] if t_prev >= 0 else torch.ones_like(alpha_bar_t)

        # 1. invert eq. 4 for the clean image the network currently believes in:
        # $\hat x_0 = \left(x_t - \sqrt{1 - \bar\alpha_t}\, \epsilon_\theta\right) / \sqrt{\bar\alpha_t}$
        x0_pred = (x_t - (1 - alpha_bar_t).sqrt() * eps_pred) / alpha_bar_t.sqrt()

        # 2. re-noise it to the earlier level $t' < t$ with the same $\epsilon_\theta$, no fresh randomness:
        # $x_{t'} = \sqrt{\bar\alpha_{t'}}\, \hat x_0 + \sqrt{1 - \bar\alpha_{t'}}\, \epsilon_\theta$
        return alpha_bar_prev.sqrt() * x0_pred + (1 - alpha_bar_prev).sqrt() * eps_pred


def timestep_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    # Transformer sinusoidal positions (Vaswani et al. 2017), as DDPM uses for $t$:
    # $\mathrm{emb}(t) = [\sin(t\, w_i), \cos(t\, w_i)]$ with $w_i = 10000^{-i / (d/2)}$
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, device=t.device) / half)
    angles = t.float()[:, None] * freqs[None, :]  # (B, dim/2)
    return torch.cat([angles.sin(), angles.cos()], dim=-1)  # (B, dim)


class ResidualBlock(nn.Module):
    def __init__(self, hidden: int, time_dim: int):
        super().__init__()
        self.norm = nn.LayerNorm(hidden)
        self.fc1 = nn.Linear(hidden, hidden)
        self.time = nn.Linear(time_dim, hidden)
        self.fc2 = nn.Linear(hidden, hidden)

    def forward(self, h: torch.Tensor, temb: torch.Tensor) -> torch.Tensor:
        # $h + f(h, t)$: the timestep enters every block, so each noise level is denoised
        # differently
        u = F.silu(self.fc1(F.silu(self.norm(h))) + self.time(temb))
        return h + self.fc2(u)


class EpsNet(nn.Module):
    """eps_theta(x_t, t): predicts the noise that was mixed into x_t."""

    def __init__(self, config: DDPMConfig, image_size: int = 8):
        super().__init__()
        self.time_dim = config.time_dim
        d = image_size * image_size
        self.time_mlp = nn.Sequential(
            nn.Linear(config.time_dim, config.time_dim),
            nn.SiLU(),
            nn.Linear(config.time_dim, config.time_dim),
        )
        self.inp = nn.Linear(d, config.hidden)
        self.blocks = nn.ModuleList(ResidualBlock(config.hidden, config.time_dim) for _ in range(config.n_blocks))
        self.out = nn.Sequential(nn.LayerNorm(config.hidden), nn.SiLU(), nn.Linear(config.hidden, d))

    def forward(self, x_t: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        temb = self.time_mlp(timestep_embedding(t, self.time_dim))  # (B, time_dim)
        h = self.inp(x_t.flatten(1))  # (B, 8, 8) -> (B, hidden)
        for block in self.blocks:
            h = block(h, temb)
        return self.out(h).view_as(x_t)  # (B, 8, 8)


@torch.no_grad()
def sample(
    model: EpsNet,
    schedule: NoiseSchedule,
    n: int,
    generator: torch.Generator,
    image_size: int = 8,
    record_at: Sequence[int] = (),
    record_n: int = 0,
) -> tuple[torch.Tensor, dict]:
    """Algorithm 2: x_T ~ N(0, I), then T ancestral steps. Returns x_0 in [-1, 1] and
    {s: first record_n images of x_s} for each s in record_at, in the paper's numbering
    (s = T is the starting noise, s = 0 the finished image)."""
    device = schedule.betas.device
    x_t = torch.randn(n, image_size, image_size, generator=generator, device=device)
    trajectory = {schedule.T: x_t[:record_n].clone()} if schedule.T in record_at else {}
    for t in range(schedule.T - 1, -1, -1):
        eps_pred = model(x_t, torch.full((n,), t, device=device))
        x_t = schedule.step(eps_pred, t, x_t, generator)  # now the paper's x_t
        if t in record_at:
            trajectory[t] = x_t[:record_n].clone()
    return x_t.clamp(-1, 1), trajectory


@torch.no_grad()
def ddim_sample(
    model: EpsNet,
    schedule: NoiseSchedule,
    n: int,
    steps: int,
    generator: torch.Generator,
    image_size: int = 8,
) -> torch.Tensor:
    """DDIM with eta = 0: visit only `steps` evenly spaced timesteps, deterministically."""
    device = schedule.betas.device
    timesteps = torch.linspace(schedule.T - 1, 0, steps).round().long().tolist()  # e.g. 199, 188, ..., 0
    x_t = torch.randn(n, image_size, image_size, generator=generator, device=device)
    for t, t_prev in zip(timesteps, [*timesteps[1:], -1], strict=True):
        eps_pred = model(x_t, torch.full((n,), t, device=device))
        x_t = schedule.ddim_step(eps_pred, t, t_prev, x_t)
    return x_t.clamp(-1, 1)


def to_unit(x: torch.Tensor) -> np.ndarray:
    # the model works in $[-1, 1]$ (like the $\mathcal{N}(0, I)$ noise it starts from); images are $[0, 1]$
    return ((x + 1) / 2).clamp(0, 1).cpu().numpy()


@dataclass
class DDPMResult:
    """What ``train`` returns: the curves, the schedule, samples and the EMA network."""

    config: dict
    # per epoch: the noise-prediction loss
    history: dict[str, list]
    # the paper's t with beta_t, alpha_bar_t and the signal-to-noise ratio, as lists
    schedule: dict
    # (n_samples, 8, 8) in [0, 1]: ancestral sampling (T steps) and DDIM (ddim_steps)
    samples: Any
    ddim_samples: Any
    # a few samples followed from pure noise (t = T) to the image: t and images (P, k, 8, 8)
    trajectory: dict
    sampling_seconds: dict[str, float]
    sampling_steps: dict[str, int]
    # the EMA weights, which drew the samples, and the schedule object
    model: Any
    noise_schedule: NoiseSchedule
    wall_seconds: float


def train(
    config: DDPMConfig,
    data: DigitsSplit,
    device: str = "cpu",
    progress: Progress | None = None,
) -> DDPMResult:
    start = time.perf_counter()
    torch.manual_seed(config.seed)
    shuffle = torch.Generator().manual_seed(config.seed)
    schedule = NoiseSchedule(config.T, config.beta_1, config.beta_T, device)
    image_size = data.train_images.shape[-1]
    model = EpsNet(config, image_size).to(device)
    ema = torch.optim.swa_utils.AveragedModel(
        model, multi_avg_fn=torch.optim.swa_utils.get_ema_multi_avg_fn(config.ema_decay)
    )
    # fused: the whole Adam update in one kernel; the same math with less overhead
    opt = torch.optim.Adam(model.parameters(), lr=config.lr, fused=True)
    steps_per_epoch = math.ceil(len(data.train_images) / config.batch_size)
    lr_decay = torch.optim.lr_scheduler.LinearLR(opt, 1.0, 0.0, total_iters=config.epochs * steps_per_epoch)
    x = data.train_images.to(device) * 2 - 1  # [0, 1] -> [-1, 1]

    history: dict[str, list] = {"epoch": [], "loss": []}
    for epoch in range(1, config.epochs + 1):
        total, n = 0.0, 0
        for idx in torch.randperm(len(x), generator=shuffle).split(config.batch_size):
            # Algorithm 1: $x_0$ from the data, $t \sim \mathrm{Uniform}$, $\epsilon \sim \mathcal{N}(0, I)$
            x0 = x[idx]
            t = torch.randint(0, config.T, (len(idx),), device=device)
            eps = torch.randn_like(x0)
            # eq. 14, the simple loss $\| \epsilon - \epsilon_\theta(x_t, t) \|^2$, with
            # $x_t = \sqrt{\bar\alpha_t}\, x_0 + \sqrt{1 - \bar\alpha_t}\, \epsilon$
            x_t = schedule.add_noise(x0, eps, t)
            loss = F.mse_loss(model(x_t, t), eps)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            lr_decay.step()
            ema.update_parameters(model)
            total, n = total + loss.item() * len(idx), n + len(idx)
        history["epoch"].append(epoch)
        history["loss"].append(total / n)
        if progress:
            progress(epoch, config.epochs, f"ddpm loss {total / n:.4f}")

    net = ema.module.eval()
    gen = torch.Generator(device).manual_seed(config.seed)
    record_at = sorted(
        set(np.linspace(config.T, 0, config.trajectory_points).round().astype(int).tolist()),
        reverse=True,
    )
    t0 = time.perf_counter()
    x0, trajectory = sample(net, schedule, config.n_samples, gen, image_size, record_at, config.trajectory_samples)
    ancestral_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    x0_ddim = ddim_sample(net, schedule, config.n_samples, config.ddim_steps, gen, image_size)
    ddim_seconds = time.perf_counter() - t0

    return DDPMResult(
        config=asdict(config),
        history=history,
        schedule={
            "t": list(range(1, config.T + 1)),  # the paper's t
            "beta": schedule.betas.cpu().tolist(),
            "alpha_bar": schedule.alpha_bars.cpu().tolist(),
            "snr": schedule.snr.cpu().tolist(),
        },
        samples=to_unit(x0),  # (n_samples, 8, 8) ancestral, T steps
        ddim_samples=to_unit(x0_ddim),  # (n_samples, 8, 8) DDIM, ddim_steps steps
        trajectory={
            "t": record_at,  # paper's t, from pure noise (T) down to the image (0)
            "images": np.stack([to_unit(trajectory[t]) for t in record_at]),  # (P, k, 8, 8)
        },
        sampling_seconds={"ancestral": ancestral_seconds, "ddim": ddim_seconds},
        sampling_steps={"ancestral": config.T, "ddim": config.ddim_steps},
        model=net,  # the EMA weights, which drew the samples
        noise_schedule=schedule,
        wall_seconds=time.perf_counter() - start,
    )
