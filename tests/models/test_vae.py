"""VAE: the closed-form KL against torch.distributions and Monte Carlo; the
reparameterization trick's gradients; the loss against a hand-written BCE; a tiny run."""

import math

import numpy as np
import pytest
import torch
from torch.distributions import Normal
from torch.distributions import kl_divergence as torch_kl

from models.digits import load_embedded_digits
from models.vae import VAEConfig, kl_divergence, reparameterize, train, vae_loss


@pytest.fixture(autouse=True)
def one_torch_thread():
    # tiny tensors: a second thread only adds contention when other jobs share the CPU
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def data():
    return load_embedded_digits()


def random_posterior(batch: int = 5, dim: int = 3, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    mu = torch.randn(batch, dim, generator=g, dtype=torch.float64) * 1.5
    logvar = torch.randn(batch, dim, generator=g, dtype=torch.float64)
    return mu, logvar


def test_kl_matches_torch_distributions():
    mu, logvar = random_posterior()
    q = Normal(mu, torch.exp(0.5 * logvar))
    p = Normal(torch.zeros_like(mu), torch.ones_like(mu))
    expected = torch_kl(q, p).sum(dim=-1)
    torch.testing.assert_close(kl_divergence(mu, logvar), expected)


def test_kl_is_zero_only_at_the_prior():
    zeros = torch.zeros(1, 4)
    assert kl_divergence(zeros, zeros).item() == 0.0
    assert kl_divergence(zeros + 0.1, zeros).item() > 0
    assert kl_divergence(zeros, zeros + 0.1).item() > 0


def test_kl_matches_monte_carlo():
    # KL(q || p) = E_{z ~ q} [log q(z) - log p(z)], estimated with many reparameterized draws
    mu, logvar = random_posterior(batch=3, dim=2, seed=1)
    g = torch.Generator().manual_seed(2)
    eps = torch.randn(200_000, *mu.shape, generator=g, dtype=torch.float64)
    z = reparameterize(mu, logvar, eps)  # (S, B, D)
    q = Normal(mu, torch.exp(0.5 * logvar))
    log_ratio = q.log_prob(z).sum(-1) - Normal(0.0, 1.0).log_prob(z).sum(-1)  # (S, B)
    estimate = log_ratio.mean(0)
    stderr = log_ratio.std(0) / math.sqrt(len(eps))
    closed = kl_divergence(mu, logvar)
    assert torch.all((estimate - closed).abs() < 5 * stderr + 1e-3), (estimate, closed)


def test_reparameterized_gradients_reach_mu_and_logvar():
    mu = torch.tensor([[0.5, -1.0]], requires_grad=True)
    logvar = torch.tensor([[0.2, -0.4]], requires_grad=True)
    eps = torch.tensor([[1.5, -0.7]])
    z = reparameterize(mu, logvar, eps)
    z.sum().backward()
    # dz/dmu = 1 ;  dz/dlogvar = 1/2 exp(logvar / 2) eps
    torch.testing.assert_close(mu.grad, torch.ones_like(mu))
    torch.testing.assert_close(logvar.grad, 0.5 * torch.exp(0.5 * logvar.detach()) * eps)
    assert torch.all(mu.grad != 0) and torch.all(logvar.grad != 0)


def test_loss_terms_match_hand_computation():
    g = torch.Generator().manual_seed(3)
    x = torch.rand(4, 8, 8, generator=g)
    logits = torch.randn(4, 8, 8, generator=g)
    mu, logvar = random_posterior(batch=4, dim=2)
    mu, logvar = mu.float(), logvar.float()
    recon, kl, total = vae_loss(x, logits, mu, logvar, beta=4.0)
    p = torch.sigmoid(logits)
    bce = -(x * torch.log(p) + (1 - x) * torch.log(1 - p)).sum(dim=(1, 2)).mean()
    torch.testing.assert_close(recon, bce, rtol=1e-5, atol=1e-4)
    torch.testing.assert_close(kl, kl_divergence(mu, logvar).mean())
    torch.testing.assert_close(total, recon + 4.0 * kl)


def test_tiny_run_returns_finite_metrics_and_images(data):
    config = VAEConfig.tiny()
    calls = []
    result = train(config, data, progress=lambda step, total, msg: calls.append((step, total)))
    history = result.history
    assert history["epoch"] == [1, 2]
    for key in ("train_recon", "train_kl", "train_total", "heldout_recon", "heldout_kl", "heldout_total"):
        assert len(history[key]) == config.epochs
        assert np.all(np.isfinite(history[key])), key
    n_held = len(data.heldout_images)
    assert result.originals.shape == result.reconstructions.shape == (4, 8, 8)
    assert result.samples.shape == (16, 8, 8)
    assert result.samples.min() >= 0 and result.samples.max() <= 1
    assert result.latent_mu.shape == (n_held, 2)
    assert result.latent_labels.shape == (n_held,)
    assert result.latent_grid["images"].shape == (3, 3, 8, 8)
    np.testing.assert_allclose(result.latent_grid["values"], [-3.0, 0.0, 3.0])
    assert calls[-1] == (2, 2)
    assert isinstance(result.model, torch.nn.Module)


def test_runs_are_deterministic_and_beta_changes_the_objective(data):
    a = train(VAEConfig.tiny(), data)
    b = train(VAEConfig.tiny(), data)
    assert a.history == b.history
    np.testing.assert_array_equal(a.samples, b.samples)
    heavy = train(VAEConfig(**{**VAEConfig.tiny().__dict__, "beta": 4.0}), data)
    h = heavy.history
    torch.testing.assert_close(
        torch.tensor(h["heldout_total"]),
        torch.tensor(h["heldout_recon"]) + 4.0 * torch.tensor(h["heldout_kl"]),
    )


def test_no_latent_grid_beyond_two_dimensions(data):
    result = train(VAEConfig(**{**VAEConfig.tiny().__dict__, "latent_dim": 3}), data)
    assert result.latent_grid is None
    assert result.latent_mu.shape[1] == 3
