"""GAN: both losses against -log D computed by hand; the non-saturating loss's gradient; a
tiny run of the default and the collapse configs."""

import dataclasses

import numpy as np
import pytest
import torch

from models.digits import load_embedded_digits
from models.gan import GANConfig, discriminator_loss, generator_loss, train


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


def logits(n: int, seed: int) -> torch.Tensor:
    return torch.randn(n, generator=torch.Generator().manual_seed(seed), dtype=torch.float64) * 3


def test_generator_loss_is_minus_log_d_of_fake():
    fake = logits(32, 0)
    d_fake = torch.sigmoid(fake)
    torch.testing.assert_close(generator_loss(fake), -torch.log(d_fake).mean())


def test_discriminator_loss_is_bce_by_hand():
    real, fake = logits(32, 1), logits(32, 2)
    d_real, d_fake = torch.sigmoid(real), torch.sigmoid(fake)
    expected = -torch.log(d_real).mean() - torch.log(1 - d_fake).mean()
    torch.testing.assert_close(discriminator_loss(real, fake), expected)


def test_losses_are_stable_for_confident_logits():
    # -log sigmoid(-40) = 40: computed from logits, not from a probability rounded to 0
    fake = torch.tensor([-40.0])
    assert generator_loss(fake).item() == pytest.approx(40.0, rel=1e-4)
    assert torch.isfinite(discriminator_loss(torch.tensor([-40.0]), torch.tensor([40.0])))


def test_non_saturating_loss_keeps_gradient_when_d_rejects_fakes():
    # when D(G(z)) ~ 0, log(1 - D(G(z))) is flat but -log D(G(z)) is steep
    fake = torch.tensor([-6.0], requires_grad=True)
    generator_loss(fake).backward()
    non_saturating = fake.grad.abs().item()
    fake.grad = None
    torch.log(1 - torch.sigmoid(fake)).sum().backward()
    saturating = fake.grad.abs().item()
    assert non_saturating > 0.99 and saturating < 0.01


def test_tiny_run_returns_finite_metrics_and_images(data):
    config = GANConfig.tiny()
    calls = []
    result = train(config, data, progress=lambda step, total, msg: calls.append((step, total)))
    history = result.history
    assert history["epoch"] == [1, 2]
    for key in ("d_loss", "g_loss", "d_real", "d_fake"):
        assert len(history[key]) == 2 and np.all(np.isfinite(history[key])), key
    for key in ("d_real", "d_fake"):
        assert all(0 <= v <= 1 for v in history[key])
    assert result.snapshots["epochs"] == [1, 2]
    assert result.snapshots["images"].shape == (2, 4, 8, 8)
    assert result.samples.shape == (16, 8, 8)
    assert result.samples.min() >= 0 and result.samples.max() <= 1
    assert calls[-1] == (2, 2)


def test_runs_are_deterministic(data):
    a, b = train(GANConfig.tiny(), data), train(GANConfig.tiny(), data)
    assert a.history == b.history
    np.testing.assert_array_equal(a.samples, b.samples)


def test_collapse_is_only_a_change_of_config(data):
    default, collapse = GANConfig(), GANConfig.collapse()
    changed = {f.name for f in dataclasses.fields(GANConfig) if getattr(default, f.name) != getattr(collapse, f.name)}
    assert changed and changed <= {"z_std", "lr_g", "lr_d", "g_steps", "d_steps", "adam_beta1", "z_dim"}
    tiny_collapse = dataclasses.replace(GANConfig.tiny(), **{k: getattr(collapse, k) for k in changed})
    result = train(tiny_collapse, data)
    assert np.isfinite(result.history["g_loss"]).all()
