"""Variational autoencoder (Kingma & Welling 2014) on 8x8 digits, with the beta-VAE knob
(Higgins et al. 2017).

The encoder maps an image x to a Gaussian q(z | x) = N(mu, diag(exp(logvar))) over a small
latent space; the decoder maps a latent z back to pixel probabilities p(x | z). Training
maximises the evidence lower bound (ELBO), i.e. minimises

    loss = reconstruction + beta * KL( q(z | x) || N(0, I) )

Likelihood choice: Bernoulli, so the reconstruction term is binary cross-entropy summed over
the 64 pixels. Our pixels are grey levels in [0, 1], not 0/1, so this is the usual
"soft-target" BCE: its minimum is the pixels' own entropy, not 0, but its gradient still
pulls each decoded probability onto the target intensity, and the decoder output
sigmoid(logits) is directly an image. (A Gaussian/MSE decoder would need a pixel noise scale
sigma, which silently acts as a second beta.)
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
class VAEConfig:
    latent_dim: int = 2  # 2 lets us draw the latent space itself; more gives sharper samples
    hidden: int = 256  # width of the encoder and decoder MLPs
    beta: float = 1.0  # KL weight: 1 is the plain ELBO; >1 (beta-VAE) trades detail for a smoother latent
    epochs: int = 60  # ~1,400 training images, so an epoch is ~23 small updates
    batch_size: int = 64  # small batches give more updates per epoch
    lr: float = 2e-3  # Adam
    n_samples: int = 500  # images decoded from the prior after training
    n_reconstructions: int = 16  # held-out originals shown beside their reconstructions
    grid_size: int = 15  # the decoded latent grid is grid_size x grid_size (latent_dim = 2)
    grid_limit: float = 3.0  # the grid spans [-grid_limit, grid_limit]^2, ~all of N(0, I)
    seed: int = 0  # fixes initialisation, batch order and every eps drawn

    @classmethod
    def tiny(cls) -> "VAEConfig":
        return cls(hidden=32, epochs=2, n_samples=16, n_reconstructions=4, grid_size=3)


def kl_divergence(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    # $\mathrm{KL}\left(\mathcal{N}(\mu, \sigma^2) \,\|\, \mathcal{N}(0, 1)\right)$ in closed form, summed over latent
    # dims: $\mathrm{KL} = \frac{1}{2} \sum_j \left(\sigma_j^2 + \mu_j^2 - 1 - \log \sigma_j^2\right)$ with
    # $\sigma_j^2 = \exp(\texttt{logvar}_j)$
    return 0.5 * (logvar.exp() + mu.pow(2) - 1 - logvar).sum(dim=-1)  # (B,)


def reparameterize(mu: torch.Tensor, logvar: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    # $z = \mu + \sigma \odot \epsilon$, $\epsilon \sim \mathcal{N}(0, I)$: the randomness lives in
    # $\epsilon$, so gradients flow through $\mu$ and $\sigma = \exp(\texttt{logvar} / 2)$ to the encoder
    return mu + torch.exp(0.5 * logvar) * eps


class VAE(nn.Module):
    def __init__(self, config: VAEConfig, image_size: int = 8):
        super().__init__()
        d = image_size * image_size
        self.image_size = image_size
        self.encoder = nn.Sequential(
            nn.Flatten(),  # (B, 8, 8) -> (B, 64)
            nn.Linear(d, config.hidden),
            nn.ReLU(),
            nn.Linear(config.hidden, config.hidden),
            nn.ReLU(),
        )
        self.to_mu = nn.Linear(config.hidden, config.latent_dim)
        # predict $\log \sigma^2$ rather than $\sigma$: any real number is a valid output
        self.to_logvar = nn.Linear(config.hidden, config.latent_dim)
        self.decoder = nn.Sequential(
            nn.Linear(config.latent_dim, config.hidden),
            nn.ReLU(),
            nn.Linear(config.hidden, config.hidden),
            nn.ReLU(),
            nn.Linear(config.hidden, d),  # Bernoulli logits, one per pixel
        )

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.encoder(x)
        return self.to_mu(h), self.to_logvar(h)  # (B, latent_dim) each

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        logits = self.decoder(z)  # (B, 64)
        return logits.view(-1, self.image_size, self.image_size)  # (B, 8, 8)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        mu, logvar = self.encode(x)
        z = reparameterize(mu, logvar, torch.randn_like(mu))
        return self.decode(z), mu, logvar


def vae_loss(
    x: torch.Tensor, logits: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor, beta: float
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    # recon $= -\log p(x \mid z)$, the sum over pixels of BCE(x, sigmoid(logits)); per image, then
    # averaged over the batch, so the numbers read as nats per digit
    recon = F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(dim=(1, 2))
    kl = kl_divergence(mu, logvar)
    # negative ELBO ($\beta = 1$), or the $\beta$-VAE objective
    total = recon + beta * kl
    return recon.mean(), kl.mean(), total.mean()


@torch.no_grad()
def decode_images(model: VAE, z: torch.Tensor) -> np.ndarray:
    # show the Bernoulli means sigmoid(logits) rather than 0/1 draws from them
    return torch.sigmoid(model.decode(z)).cpu().numpy()


@dataclass
class VAEResult:
    """What ``train`` returns: the curves, images for the pages and the model."""

    config: dict
    # per epoch: training and held-out reconstruction and KL terms
    history: dict[str, list]
    # held-out digits and their reconstructions, (n_reconstructions, 8, 8)
    originals: Any
    reconstructions: Any
    # (n_samples, 8, 8) decoded from z ~ N(0, I)
    samples: Any
    # the held-out digits' posterior means (N, latent_dim) and their labels (N,)
    latent_mu: Any
    latent_labels: Any
    # decoded grid over the latent plane; None unless latent_dim == 2
    latent_grid: Any
    model: VAE
    wall_seconds: float


def train(
    config: VAEConfig,
    data: DigitsSplit,
    device: str = "cpu",
    progress: Progress | None = None,
) -> VAEResult:
    start = time.perf_counter()
    torch.manual_seed(config.seed)
    shuffle = torch.Generator().manual_seed(config.seed)
    model = VAE(config, data.train_images.shape[-1]).to(device)
    # fused: the whole Adam update in one kernel; the same math with less overhead
    opt = torch.optim.Adam(model.parameters(), lr=config.lr, fused=True)
    x, x_held = data.train_images.to(device), data.heldout_images.to(device)

    keys = ["recon", "kl", "total"]
    history: dict[str, list] = {"epoch": []}
    history.update({f"{split}_{k}": [] for split in ("train", "heldout") for k in keys})
    for epoch in range(1, config.epochs + 1):
        model.train()
        sums, n = torch.zeros(3), 0
        for idx in torch.randperm(len(x), generator=shuffle).split(config.batch_size):
            logits, mu, logvar = model(x[idx])
            recon, kl, total = vae_loss(x[idx], logits, mu, logvar, config.beta)
            opt.zero_grad(set_to_none=True)
            total.backward()
            opt.step()
            sums += torch.stack([recon, kl, total]).detach().cpu() * len(idx)
            n += len(idx)
        model.eval()
        with torch.no_grad():
            logits, mu, logvar = model(x_held)
            held = vae_loss(x_held, logits, mu, logvar, config.beta)
        history["epoch"].append(epoch)
        for k, train_value, held_value in zip(keys, (sums / n).tolist(), held, strict=True):
            history[f"train_{k}"].append(train_value)
            history[f"heldout_{k}"].append(held_value.item())
        if progress:
            progress(
                epoch,
                config.epochs,
                f"vae beta={config.beta} recon {history['train_recon'][-1]:.2f} kl {history['train_kl'][-1]:.2f}",
            )

    model.eval()
    with torch.no_grad():
        mu_held, _ = model.encode(x_held)  # (N_heldout, latent_dim)
    originals = x_held[: config.n_reconstructions]
    # reconstruct from the posterior mean $\mu$: the decoder's best guess, without sampling noise
    reconstructions = decode_images(model, mu_held[: config.n_reconstructions])
    # new digits: z ~ p(z) = N(0, I), then decode
    gen = torch.Generator(device).manual_seed(config.seed)
    z = torch.randn(config.n_samples, config.latent_dim, generator=gen, device=device)
    samples = decode_images(model, z)

    latent_grid = None
    if config.latent_dim == 2:
        # images[i, j] decodes $z$ = (values[j], values[i]): $z_1$ varies along a row, $z_2$ down
        # a column
        values = torch.linspace(-config.grid_limit, config.grid_limit, config.grid_size)
        z2, z1 = torch.meshgrid(values, values, indexing="ij")
        z_grid = torch.stack([z1, z2], dim=-1).view(-1, 2).to(device)  # (G*G, 2)
        images = decode_images(model, z_grid)
        latent_grid = {
            "values": values.numpy(),
            "images": images.reshape(config.grid_size, config.grid_size, *images.shape[1:]),
        }

    return VAEResult(
        config=asdict(config),
        history=history,
        originals=originals.cpu().numpy(),  # (n_reconstructions, 8, 8)
        reconstructions=reconstructions,  # (n_reconstructions, 8, 8)
        samples=samples,  # (n_samples, 8, 8)
        latent_mu=mu_held.cpu().numpy(),  # (N_heldout, latent_dim)
        latent_labels=data.heldout_labels.numpy(),  # (N_heldout,)
        latent_grid=latent_grid,  # None unless latent_dim == 2
        model=model,
        wall_seconds=time.perf_counter() - start,
    )
