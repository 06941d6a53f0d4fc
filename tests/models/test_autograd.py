"""Our autograd engine against torch.autograd, op by op on random inputs; the MLP's gradients
against torch's; the gradient check on functions whose gradient is known by hand."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from models.autograd import MLP, GradCheckConfig, MLPConfig, Tensor, bce_with_logits, check_mlp, gradient_check


@pytest.fixture(autouse=True)
def one_torch_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def compare_with_torch(fn, shapes, seed=0, positive=False):
    """Run fn on our Tensors and on torch tensors holding the same random values; weight the
    output by a random upstream gradient so every output element matters; compare values and
    every input's gradient."""
    rng = np.random.default_rng(seed)
    arrays = [rng.normal(size=s) for s in shapes]
    if positive:
        arrays = [np.abs(a) + 0.5 for a in arrays]
    ours = [Tensor(a.copy()) for a in arrays]
    theirs = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    out_ours, out_theirs = fn(*ours), fn(*theirs)
    upstream = rng.normal(size=out_theirs.shape)
    (out_ours * upstream).sum().backward()
    (out_theirs * torch.tensor(upstream)).sum().backward()
    np.testing.assert_allclose(out_ours.data, out_theirs.detach().numpy(), rtol=1e-12, atol=1e-12)
    for o, t in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(o.grad, t.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    ("name", "fn", "shapes"),
    [
        ("add", lambda a, b: a + b, [(4, 3), (4, 3)]),
        ("add broadcast row", lambda a, b: a + b, [(4, 3), (3,)]),
        ("add broadcast column", lambda a, b: a + b, [(4, 3), (4, 1)]),
        ("mul", lambda a, b: a * b, [(4, 3), (4, 3)]),
        ("mul broadcast", lambda a, b: a * b, [(4, 3), (1, 3)]),
        ("sub", lambda a, b: a - b, [(4, 3), (3,)]),
        ("neg", lambda a: -a, [(4, 3)]),
        ("scalar on the left", lambda a: 2.0 - 3.0 * a + 1.5, [(4, 3)]),
        ("matmul", lambda a, b: a @ b, [(5, 3), (3, 2)]),
        ("sum all", lambda a: a.sum(), [(4, 3)]),
        ("sum axis 0", lambda a: a.sum(axis=0), [(4, 3)]),
        ("sum axis 1 keepdims", lambda a: a.sum(axis=1, keepdims=True), [(4, 3)]),
        ("mean", lambda a: a.mean(), [(4, 3)]),
        ("mean axis 0", lambda a: a.mean(axis=0), [(4, 3)]),
        ("tanh", lambda a: a.tanh(), [(4, 3)]),
        ("relu", lambda a: a.relu(), [(4, 3)]),
        ("sigmoid", lambda a: a.sigmoid(), [(4, 3)]),
        ("exp", lambda a: a.exp(), [(4, 3)]),
        ("square", lambda a: a**2, [(4, 3)]),
        ("reused input", lambda a: a * a + a, [(4, 3)]),
        ("a linear layer", lambda x, w, b: (x @ w + b).tanh(), [(6, 2), (2, 4), (4,)]),
    ],
)
def test_op_matches_torch(name, fn, shapes):
    compare_with_torch(fn, shapes)


@pytest.mark.parametrize(
    ("name", "fn", "shapes"),
    [
        ("log", lambda a: a.log(), [(4, 3)]),
        ("div", lambda a, b: a / b, [(4, 3), (4, 3)]),
        ("div broadcast", lambda a, b: a / b, [(4, 3), (3,)]),
        ("scalar over tensor", lambda a: 1.0 / a, [(4, 3)]),
        ("power 1.5", lambda a: a**1.5, [(4, 3)]),
    ],
)
def test_op_on_positive_inputs_matches_torch(name, fn, shapes):
    compare_with_torch(fn, shapes, positive=True)


def test_bce_with_logits_matches_torch_even_for_large_logits():
    rng = np.random.default_rng(1)
    z = rng.normal(size=(50, 1)) * 30  # logits up to ~+-90: a naive log(1 + e^z) overflows
    y = (rng.random(50) < 0.5).astype(np.float64)
    ours = Tensor(z.copy())
    loss = bce_with_logits(ours, y)
    loss.backward()
    theirs = torch.tensor(z, requires_grad=True)
    ref = F.binary_cross_entropy_with_logits(theirs, torch.tensor(y).reshape(50, 1))
    ref.backward()
    assert loss.data.item() == pytest.approx(ref.item(), rel=1e-12)
    np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-10, atol=1e-15)


def test_mlp_gradients_match_torch():
    mlp = MLP(MLPConfig(sizes=(2, 5, 4, 1), activation="tanh", seed=3))
    rng = np.random.default_rng(3)
    x = rng.normal(size=(20, 2))
    y = (rng.random(20) < 0.5).astype(np.float64)
    bce_with_logits(mlp(x), y).backward()

    params = [torch.tensor(p.data.copy(), requires_grad=True) for p in mlp.parameters()]
    h = torch.tensor(x)
    for i in range(0, len(params) - 2, 2):
        h = torch.tanh(h @ params[i] + params[i + 1])
    logits = h @ params[-2] + params[-1]
    F.binary_cross_entropy_with_logits(logits, torch.tensor(y).reshape(20, 1)).backward()
    for ours, theirs in zip(mlp.parameters(), params, strict=True):
        np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_planted_bug_differs_from_torch_but_not_in_the_forward():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(4, 3))
    ours = Tensor(a.copy())
    out = ours.tanh_missing_factor()
    out.sum().backward()
    theirs = torch.tensor(a, requires_grad=True)
    torch.tanh(theirs).sum().backward()
    np.testing.assert_allclose(out.data, np.tanh(a))
    assert not np.allclose(ours.grad, theirs.grad.numpy(), rtol=1e-3)


def test_gradient_check_on_a_function_with_a_known_gradient():
    # f(x, w) = sum((x * w)^3) + sum(exp(w)):  df/dx = 3 (x w)^2 w,  df/dw = 3 (x w)^2 x + exp(w)
    rng = np.random.default_rng(0)
    x0, w0 = rng.normal(size=(3, 4)), rng.normal(size=(4,))
    x, w = Tensor(x0.copy()), Tensor(w0.copy())
    result = gradient_check(lambda: ((x * w) ** 3).sum() + w.exp().sum(), [x, w], eps=1e-6)
    expected = np.concatenate([(3 * (x0 * w0) ** 2 * w0).ravel(), (3 * (x0 * w0) ** 2 * x0).sum(axis=0) + np.exp(w0)])
    np.testing.assert_allclose(result.analytic, expected, rtol=1e-12)
    np.testing.assert_allclose(result.numeric, expected, rtol=1e-6, atol=1e-8)
    assert result.max_rel_error < 1e-6
    # the check must leave the parameters where it found them
    np.testing.assert_array_equal(x.data, x0)
    np.testing.assert_array_equal(w.data, w0)


def test_gradient_check_flags_a_wrong_analytic_gradient():
    # a hand-made op with the right value but half the right gradient of x^2
    x = Tensor(np.array([1.0, -2.0, 3.0]))

    def loss_fn():
        out = Tensor((x.data**2).sum(), (x,), "bad square")

        def _backward():
            x.grad += out.grad * x.data  # should be 2 x

        out._backward = _backward
        return out

    result = gradient_check(loss_fn, [x])
    np.testing.assert_allclose(result.numeric, 2 * x.data, rtol=1e-8)
    assert result.max_rel_error == pytest.approx(0.5, rel=1e-6)  # |x - 2x| / |2x|


def test_mlp_check_passes_and_the_planted_bug_is_caught():
    comparison = check_mlp(GradCheckConfig(sizes=(2, 4, 3, 1), n_points=8))
    assert comparison.correct.max_rel_error < 1e-6
    assert comparison.buggy.max_rel_error > 1e-2
    # the output layer's gradients do not pass through tanh's backward, so they stay right
    n_last = 3 * 1 + 1
    assert comparison.buggy.rel_error[-n_last:].max() < 1e-6
