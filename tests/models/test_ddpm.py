"""DDPM: the schedule against the paper's formula (and diffusers when installed); the
closed-form q(x_t | x_0) against iterated noising; sampling steps fed the true noise; a tiny
run."""

import numpy as np
import pytest
import torch

from models.ddpm import DDPMConfig, EpsNet, NoiseSchedule, ddim_sample, timestep_embedding, train
from models.digits import load_embedded_digits


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


def digit_x0(data, n: int = 3) -> torch.Tensor:
    return data.train_images[:n] * 2 - 1  # (n, 8, 8) in [-1, 1]


def test_schedule_matches_paper_formula():
    T = 200
    s = NoiseSchedule(T)
    scale = 1000 / T
    betas = np.linspace(1e-4 * scale, 0.02 * scale, T)
    alpha_bars = np.cumprod(1 - betas)
    np.testing.assert_allclose(s.betas.numpy(), betas, rtol=1e-5)
    np.testing.assert_allclose(s.alphas.numpy(), 1 - betas, rtol=1e-5)
    np.testing.assert_allclose(s.alpha_bars.numpy(), alpha_bars, rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(s.snr.numpy(), alpha_bars / (1 - alpha_bars), rtol=1e-3)
    # the scaled schedule still ends in (almost) pure noise, as the paper's does at T = 1000
    assert s.alpha_bars[-1] < 1e-3
    paper = NoiseSchedule(1000)
    assert paper.betas[0].item() == pytest.approx(1e-4) and paper.betas[-1].item() == pytest.approx(0.02)


def test_schedule_against_values_worked_out_by_hand():
    # T = 200: the paper's 1e-4..0.02 scaled by 1000/200 = 5 gives 5e-4..0.1, in steps of
    # (0.1 - 5e-4) / 199 = 5e-4. So beta_1 = 5e-4, beta_2 = 1e-3, beta_3 = 1.5e-3, and
    # alpha_bar_1 = 0.9995, alpha_bar_2 = 0.9995 * 0.999 = 0.9985005,
    # alpha_bar_3 = 0.9985005 * 0.9985 = 0.99700275.
    s = NoiseSchedule(200)
    torch.testing.assert_close(s.betas[:3], torch.tensor([5e-4, 1e-3, 1.5e-3]), rtol=1e-5, atol=1e-8)
    assert s.betas[-1].item() == pytest.approx(0.1, rel=1e-6)
    torch.testing.assert_close(s.alpha_bars[:3], torch.tensor([0.9995, 0.9985005, 0.99700275]), rtol=1e-6, atol=1e-7)


def test_too_few_steps_is_rejected():
    with pytest.raises(ValueError, match="too small"):
        NoiseSchedule(T=20)


def test_closed_form_matches_iterated_noising(data):
    # iterate x_t = sqrt(1 - beta_t) x_{t-1} + sqrt(beta_t) eps for t steps and compare the
    # distribution with one jump of eq. 4
    s = NoiseSchedule(T=100)
    x0 = digit_x0(data, 1).expand(20_000, 8, 8)
    g = torch.Generator().manual_seed(0)
    t = 40
    x = x0.clone()
    for i in range(t + 1):
        x = (1 - s.betas[i]).sqrt() * x + s.betas[i].sqrt() * torch.randn(x.shape, generator=g)
    jumped = s.add_noise(x0, torch.randn(x0.shape, generator=g), torch.full((len(x0),), t))
    # mean sqrt(alpha_bar_t) x_0 and std sqrt(1 - alpha_bar_t), per pixel
    ab = s.alpha_bars[t]
    for samples in (x, jumped):
        torch.testing.assert_close(samples.mean(0), ab.sqrt() * x0[0], atol=0.03, rtol=0)
        torch.testing.assert_close(samples.std(0), (1 - ab).sqrt().expand(8, 8), atol=0.03, rtol=0)
    torch.testing.assert_close(x.mean(0), jumped.mean(0), atol=0.04, rtol=0)
    torch.testing.assert_close(x.std(0), jumped.std(0), atol=0.03, rtol=0)


def test_add_noise_uses_each_samples_own_timestep(data):
    s = NoiseSchedule(T=100)
    x0 = digit_x0(data, 2)
    noise = torch.randn(2, 8, 8)
    x_t = s.add_noise(x0, noise, torch.tensor([0, 99]))
    for i, t in enumerate([0, 99]):
        expected = s.alpha_bars[t].sqrt() * x0[i] + (1 - s.alpha_bars[t]).sqrt() * noise[i]
        torch.testing.assert_close(x_t[i], expected)


def test_last_step_with_true_noise_returns_x0(data):
    s = NoiseSchedule(T=100)
    x0, noise = digit_x0(data), torch.randn(3, 8, 8)
    x_t = s.add_noise(x0, noise, torch.zeros(3, dtype=torch.long))
    torch.testing.assert_close(s.step(noise, 0, x_t), x0, atol=1e-5, rtol=0)


def test_step_with_true_noise_has_the_posterior_mean(data):
    # with eps_pred = the true eps, eq. 11's mean equals the posterior mean of eq. 7:
    # mu~ = sqrt(alpha_bar_{t-1}) beta_t / (1 - alpha_bar_t) x_0
    #     + sqrt(alpha_t) (1 - alpha_bar_{t-1}) / (1 - alpha_bar_t) x_t
    s = NoiseSchedule(T=100)
    x0, noise = digit_x0(data), torch.randn(3, 8, 8)
    t = 10
    x_t = s.add_noise(x0, noise, torch.full((3,), t))
    x_prev = s.step(noise, t, x_t, torch.Generator().manual_seed(5))
    z = torch.randn(x_t.shape, generator=torch.Generator().manual_seed(5))
    ab, ab_prev, a, b = s.alpha_bars[t], s.alpha_bars[t - 1], s.alphas[t], s.betas[t]
    mu_tilde = ab_prev.sqrt() * b / (1 - ab) * x0 + a.sqrt() * (1 - ab_prev) / (1 - ab) * x_t
    torch.testing.assert_close(x_prev - b.sqrt() * z, mu_tilde, atol=1e-5, rtol=0)


def test_ddim_with_true_noise_inverts_add_noise(data):
    s = NoiseSchedule(T=100)
    x0, noise = digit_x0(data), torch.randn(3, 8, 8)
    x = s.add_noise(x0, noise, torch.full((3,), 99))
    timesteps = [99, 80, 50, 20, 5]
    for t, t_prev in zip(timesteps, [*timesteps[1:], -1], strict=True):
        x = s.ddim_step(noise, t, t_prev, x)
        if t_prev >= 0:  # each stop is exactly the forward process at t_prev
            torch.testing.assert_close(x, s.add_noise(x0, noise, torch.full((3,), t_prev)), atol=1e-4, rtol=0)
    torch.testing.assert_close(x, x0, atol=1e-4, rtol=0)


class OracleEps(torch.nn.Module):
    """Knows x_0 and returns exactly the noise in x_t, so DDIM sampling must return x_0."""

    def __init__(self, schedule: NoiseSchedule, x0: torch.Tensor):
        super().__init__()
        self.s, self.x0 = schedule, x0

    def forward(self, x_t, t):
        ab = self.s.alpha_bars[t].view(-1, 1, 1)
        return (x_t - ab.sqrt() * self.x0) / (1 - ab).sqrt()


def test_ddim_sampler_with_oracle_network_returns_x0(data):
    s = NoiseSchedule(T=100)
    x0 = digit_x0(data)
    out = ddim_sample(OracleEps(s, x0), s, n=3, steps=7, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(out, x0, atol=1e-4, rtol=0)


def test_timestep_embedding_and_network_shapes():
    emb = timestep_embedding(torch.tensor([0, 1, 199]), 16)
    assert emb.shape == (3, 16)
    torch.testing.assert_close(emb[0], torch.cat([torch.zeros(8), torch.ones(8)]))
    assert not torch.allclose(emb[1], emb[2])
    net = EpsNet(DDPMConfig.tiny())
    assert net(torch.randn(5, 8, 8), torch.randint(0, 50, (5,))).shape == (5, 8, 8)


def test_tiny_run_returns_finite_metrics_and_images(data):
    config = DDPMConfig.tiny()
    calls = []
    result = train(config, data, progress=lambda step, total, msg: calls.append((step, total)))
    assert result.history["epoch"] == [1, 2]
    assert np.all(np.isfinite(result.history["loss"]))
    assert result.samples.shape == result.ddim_samples.shape == (16, 8, 8)
    for key in ("samples", "ddim_samples"):
        assert np.isfinite(getattr(result, key)).all() and getattr(result, key).min() >= 0 and getattr(result, key).max() <= 1
    traj = result.trajectory
    assert traj["t"][0] == config.T and traj["t"][-1] == 0
    assert traj["t"] == sorted(traj["t"], reverse=True)
    assert traj["images"].shape == (len(traj["t"]), config.trajectory_samples, 8, 8)
    # the last trajectory frame is the finished sample itself
    np.testing.assert_allclose(traj["images"][-1], result.samples[: config.trajectory_samples], atol=1e-6)
    assert len(result.schedule["alpha_bar"]) == config.T
    assert set(result.sampling_seconds) == {"ancestral", "ddim"}
    assert calls[-1] == (2, 2)


def test_runs_are_deterministic(data):
    a, b = train(DDPMConfig.tiny(), data), train(DDPMConfig.tiny(), data)
    assert a.history == b.history
    np.testing.assert_array_equal(a.samples, b.samples)
    np.testing.assert_array_equal(a.ddim_samples, b.ddim_samples)
