"""Generative adversarial network (Goodfellow et al. 2014) on 8x8 digits.

Two MLPs play a game. The discriminator D(x) outputs the probability that x is a real digit;
the generator G(z) turns noise z ~ N(0, z_std^2 I) into an image and is trained to make D say
"real". We alternate: d_steps updates of D, then g_steps updates of G.

The same code with a different config (`GANConfig.collapse()`) shows mode collapse: when G
learns much faster than D, each G update jumps onto whatever image D currently rates most
real, instead of spreading over all the digits, and the samples pile up on a few classes.
The fields that can push the game there are lr_g vs lr_d, g_steps vs d_steps and z_std.
"""

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from models.digits import DigitsSplit

Progress = Callable[[int, int, str], None]


@dataclass
class GANConfig:
    z_dim: int = 16  # noise dimensions; a 64-pixel image needs few
    z_std: float = 1.0  # spread of the noise G starts from; 0 would give G one input only
    hidden: int = 256  # width of both MLPs
    lr_g: float = 4e-4  # Adam step size for G; equal to D's keeps the two in balance
    lr_d: float = 4e-4  # Adam step size for D (twice DCGAN's 2e-4: our MLPs are small)
    adam_beta1: float = 0.5  # DCGAN's momentum: 0.9 makes the game oscillate more
    g_steps: int = 1  # G updates per round; many rounds of G against a fixed D collapse it
    d_steps: int = 1  # D updates per round
    epochs: int = 100  # passes over ~1,400 training images (one D batch each round)
    batch_size: int = 64  # real images per D update, fake images per D or G update
    n_fixed: int = 16  # images drawn from one fixed z all through training (the slider)
    snapshots: int = 10  # epochs at which the fixed-z images are recorded, evenly spaced
    n_samples: int = 500  # images drawn after training (scored by the digit classifier)
    seed: int = 0  # fixes initialisation, batches and every z drawn

    @classmethod
    def tiny(cls) -> "GANConfig":
        return cls(hidden=32, epochs=2, n_fixed=4, snapshots=2, n_samples=16)

    @classmethod
    def collapse(cls) -> "GANConfig":
        # G learns 50x faster than D: each G update overshoots onto whatever image D
        # currently rates most real, and the samples pile up on a few digits
        return cls(lr_g=2e-2)


class Generator(nn.Module):
    def __init__(self, config: GANConfig, image_size: int = 8):
        super().__init__()
        self.image_size = image_size
        self.net = nn.Sequential(
            nn.Linear(config.z_dim, config.hidden),
            nn.LeakyReLU(0.2),
            nn.Linear(config.hidden, config.hidden),
            nn.LeakyReLU(0.2),
            # tanh: images live in [-1, 1], centred like the noise going in
            nn.Linear(config.hidden, image_size * image_size),
            nn.Tanh(),
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z).view(-1, self.image_size, self.image_size)  # (B, 8, 8)


class Discriminator(nn.Module):
    def __init__(self, config: GANConfig, image_size: int = 8):
        super().__init__()
        self.net = nn.Sequential(
            nn.Flatten(),  # (B, 8, 8) -> (B, 64)
            nn.Linear(image_size * image_size, config.hidden),
            nn.LeakyReLU(0.2),
            nn.Linear(config.hidden, config.hidden),
            nn.LeakyReLU(0.2),
            nn.Linear(config.hidden, 1),  # logit of D(x); D(x) = sigmoid(logit)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(-1)  # (B,)


def discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    # $D$ maximises $\log D(x) + \log(1 - D(G(z)))$; as a loss to minimise:
    # $\mathcal{L}_D = -\overline{\log D(x)} - \overline{\log(1 - D(G(z)))}$, i.e. BCE with labels 1 (real), 0 (fake)
    real = F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
    fake = F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
    return real + fake


def generator_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    # non-saturating loss (Goodfellow et al. 2014, Sec. 3): minimise $-\log D(G(z))$ instead of
    # $\log(1 - D(G(z)))$, whose gradient vanishes early on, when $D$ easily rejects the fakes
    return F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))


def to_unit(images: torch.Tensor) -> np.ndarray:
    return ((images + 1) / 2).clamp(0, 1).cpu().numpy()  # [-1, 1] -> [0, 1]


@dataclass
class GANResult:
    """What ``train`` returns: the curves, the samples and both networks."""

    config: dict
    # per epoch: both losses and the discriminator's mean outputs on real and generated digits
    history: dict[str, list]
    # the fixed noise vectors' images at each recorded epoch: epochs and images (S, n_fixed, 8, 8)
    snapshots: dict
    # (n_samples, 8, 8) in [0, 1]
    samples: Any
    generator: Generator
    discriminator: Discriminator
    wall_seconds: float


def train(
    config: GANConfig,
    data: DigitsSplit,
    device: str = "cpu",
    progress: Progress | None = None,
) -> GANResult:
    start = time.perf_counter()
    torch.manual_seed(config.seed)
    shuffle = torch.Generator().manual_seed(config.seed)
    G = Generator(config, data.train_images.shape[-1]).to(device)
    D = Discriminator(config, data.train_images.shape[-1]).to(device)
    # fused: the whole Adam update in one kernel; the same math with less overhead
    opt_g = torch.optim.Adam(G.parameters(), lr=config.lr_g, betas=(config.adam_beta1, 0.999), fused=True)
    opt_d = torch.optim.Adam(D.parameters(), lr=config.lr_d, betas=(config.adam_beta1, 0.999), fused=True)
    x = data.train_images.to(device) * 2 - 1  # [0, 1] -> [-1, 1], the range of tanh

    def noise(n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        # $z \sim \mathcal{N}(0, \sigma_z^2 I)$, $\sigma_z$ = z_std
        return config.z_std * torch.randn(n, config.z_dim, generator=generator, device=device)

    # one z for the whole run: the slider shows the same 16 "seeds" maturing into digits
    fixed_z = noise(config.n_fixed, torch.Generator(device).manual_seed(config.seed + 1))
    snapshot_epochs = np.unique(np.linspace(1, config.epochs, config.snapshots).round()).astype(int)
    snapshots = []

    names = ["d_loss", "g_loss", "d_real", "d_fake"]
    history: dict[str, list] = {"epoch": [], **{k: [] for k in names}}
    for epoch in range(1, config.epochs + 1):
        sums, rounds = torch.zeros(4), 0
        # one round per real batch: d_steps D updates, then g_steps G updates
        batches = torch.randperm(len(x), generator=shuffle).split(config.batch_size)
        for i in range(0, len(batches) - config.d_steps + 1, config.d_steps):
            # 1. D step(s): push D(x) -> 1 on real digits and D(G(z)) -> 0 on fakes;
            # detach() so this update does not reach G
            for idx in batches[i : i + config.d_steps]:
                real_logits = D(x[idx])
                fake_logits = D(G(noise(len(idx))).detach())
                d_loss = discriminator_loss(real_logits, fake_logits)
                opt_d.zero_grad(set_to_none=True)
                d_loss.backward()
                opt_d.step()
            # 2. G step(s): D is held fixed; move G so that D(G(z)) -> 1
            for _ in range(config.g_steps):
                g_loss = generator_loss(D(G(noise(config.batch_size))))
                opt_g.zero_grad(set_to_none=True)
                g_loss.backward()
                opt_g.step()
            # mean D(x) and mean D(G(z)) as D saw them in its last update
            d_real, d_fake = torch.sigmoid(real_logits).mean(), torch.sigmoid(fake_logits).mean()
            sums += torch.stack([d_loss, g_loss, d_real, d_fake]).detach().cpu()
            rounds += 1
        history["epoch"].append(epoch)
        for k, v in zip(names, (sums / rounds).tolist(), strict=True):
            history[k].append(v)
        if epoch in snapshot_epochs:
            with torch.no_grad():
                snapshots.append(to_unit(G(fixed_z)))
        if progress:
            progress(
                epoch,
                config.epochs,
                f"gan D {history['d_loss'][-1]:.3f} G {history['g_loss'][-1]:.3f} "
                f"D(x) {history['d_real'][-1]:.2f} D(G(z)) {history['d_fake'][-1]:.2f}",
            )

    z = noise(config.n_samples, torch.Generator(device).manual_seed(config.seed + 2))
    with torch.no_grad():
        samples = to_unit(G(z))
    return GANResult(
        config=asdict(config),
        history=history,
        snapshots={
            "epochs": snapshot_epochs.tolist(),
            "images": np.stack(snapshots),  # (snapshots, n_fixed, 8, 8)
        },
        samples=samples,  # (n_samples, 8, 8)
        generator=G,
        discriminator=D,
        wall_seconds=time.perf_counter() - start,
    )
