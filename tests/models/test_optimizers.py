"""Each update rule against torch.optim, step by step on Rosenbrock's function; the schedule
against values worked out by hand; divergence recorded rather than raised."""

import math

import numpy as np
import pytest
import torch
from sklearn.datasets import make_moons

from models.autograd import Tensor
from models.optimizers import (
    OPTIMIZERS,
    MLPRunConfig,
    descend,
    rosenbrock,
    train_mlp,
    warmup_cosine,
)


@pytest.fixture(autouse=True)
def one_torch_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


TORCH_EQUIVALENT = {
    "sgd": lambda params, lr: torch.optim.SGD(params, lr=lr),
    "momentum": lambda params, lr: torch.optim.SGD(params, lr=lr, momentum=0.9),
    "rmsprop": lambda params, lr: torch.optim.RMSprop(params, lr=lr, alpha=0.99, eps=1e-8),
    "adam": lambda params, lr: torch.optim.Adam(params, lr=lr, betas=(0.9, 0.999), eps=1e-8),
}


@pytest.mark.parametrize(("name", "lr"), [("sgd", 1e-3), ("momentum", 5e-4), ("rmsprop", 1e-2), ("adam", 5e-2)])
def test_update_rule_matches_torch_optim_over_five_steps(name, lr):
    start = (-1.2, 1.0)
    x, y = Tensor(start[0]), Tensor(start[1])
    ours = OPTIMIZERS[name]([x, y], lr)
    tx = torch.tensor(start[0], dtype=torch.float64, requires_grad=True)
    ty = torch.tensor(start[1], dtype=torch.float64, requires_grad=True)
    theirs = TORCH_EQUIVALENT[name]([tx, ty], lr)
    for step in range(5):
        ours.zero_grad()
        rosenbrock(x, y).backward()
        ours.step()
        theirs.zero_grad()
        rosenbrock(tx, ty).backward()
        theirs.step()
        assert x.data.item() == pytest.approx(tx.item(), rel=1e-12, abs=1e-14), f"x after step {step + 1}"
        assert y.data.item() == pytest.approx(ty.item(), rel=1e-12, abs=1e-14), f"y after step {step + 1}"
    assert (x.data.item(), y.data.item()) != start  # the steps moved the point


def test_descend_matches_manual_steps_and_records_the_start():
    traj = descend("sgd", 1e-3, 3, (-1.2, 1.0))
    x, y = -1.2, 1.0
    for _ in range(3):
        # df/dx = -2 (1 - x) - 400 x (y - x^2),  df/dy = 200 (y - x^2)
        gx, gy = -2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)
        x, y = x - 1e-3 * gx, y - 1e-3 * gy
    assert traj.x[0] == -1.2 and traj.y[0] == 1.0
    assert traj.x[-1] == pytest.approx(x, rel=1e-12)
    assert traj.y[-1] == pytest.approx(y, rel=1e-12)
    assert len(traj.loss) == 4 and traj.loss[0] == pytest.approx(rosenbrock(-1.2, 1.0))


def test_a_too_large_learning_rate_diverges_to_non_finite_values_without_raising():
    traj = descend("sgd", 1e-2, 50, (-1.2, 1.0))
    assert not np.all(np.isfinite(traj.loss))
    assert np.isfinite(traj.loss[0])


def test_warmup_cosine_schedule():
    total, warmup, lr_max, lr_min = 100, 10, 0.1, 0.001
    lrs = [warmup_cosine(t, total, warmup, lr_max, lr_min) for t in range(total)]
    assert lrs[0] == pytest.approx(lr_max / warmup)
    assert lrs[warmup - 1] == pytest.approx(lr_max)
    assert lrs[warmup] == pytest.approx(lr_max)  # the cosine starts at the top
    midpoint = warmup + (total - warmup) // 2
    assert lrs[midpoint] == pytest.approx((lr_max + lr_min) / 2)
    assert warmup_cosine(total, total, warmup, lr_max, lr_min) == pytest.approx(lr_min)
    assert all(a >= b for a, b in zip(lrs[warmup:], lrs[warmup + 1 :], strict=False))
    # the same curve from torch's LambdaLR, which multiplies a base rate of lr_max
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=lr_max)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda t: warmup_cosine(t, total, warmup, lr_max, lr_min) / lr_max)
    torch_lrs = []
    for _ in range(total):
        torch_lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    np.testing.assert_allclose(lrs, torch_lrs, rtol=1e-12)
    assert not math.isclose(lrs[5], lrs[50])


def test_every_optimizer_lowers_the_mlp_loss():
    x, y = make_moons(200, noise=0.2, random_state=0)
    config = MLPRunConfig(sizes=(2, 8, 1), steps=40)
    for name, lr in [("sgd", 0.5), ("momentum", 0.05), ("rmsprop", 0.01), ("adam", 0.01)]:
        curve = train_mlp(name, lr, x, y, config)
        assert curve.loss[-1] < 0.8 * curve.loss[0], name
        assert np.all(curve.lr_used == lr)
