"""Gradient flow: the recorded norms are torch's own gradients; the sigmoid stack's first
layer gets a far smaller gradient than its last; the residual network's does not."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from models.boundaries import DataConfig, make_data
from models.gradient_flow import DeepSigmoid, GradFlowConfig, ResidualReLU, compare, train_and_record


@pytest.fixture(autouse=True)
def one_torch_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def split():
    return make_data("moons", DataConfig(n_samples=300))


def test_both_networks_have_depth_weight_layers_of_the_width():
    config = GradFlowConfig(depth=10, width=32)
    for cls in (DeepSigmoid, ResidualReLU):
        model = cls(config)
        assert len(model.layers) == 10
        assert [tuple(layer.weight.shape) for layer in model.layers] == [(32, 2)] + [(32, 32)] * 9
        assert model(torch.zeros(3, 2)).shape == (3,)


def test_recorded_norms_are_the_gradients_of_the_first_step(split):
    config = GradFlowConfig(steps=1, batch_size=16, ratio_steps=1)
    torch.manual_seed(0)
    model = DeepSigmoid(config)
    fresh = DeepSigmoid(config)
    fresh.load_state_dict(model.state_dict())
    run = train_and_record(model, "sigmoid", split, config)
    # recompute the first step's gradient by hand: the same batch from the same generator
    g = torch.Generator().manual_seed(config.seed)
    idx = torch.randint(0, len(split.x_train), (config.batch_size,), generator=g)
    x = torch.tensor(split.x_train, dtype=torch.float32)[idx]
    y = torch.tensor(split.y_train, dtype=torch.float32)[idx]
    F.binary_cross_entropy_with_logits(fresh(x), y).backward()
    expected = [layer.weight.grad.norm().item() for layer in fresh.layers]
    np.testing.assert_allclose(run.grad_norms[0], expected, rtol=1e-5)
    assert run.ratio == pytest.approx(expected[0] / expected[-1], rel=1e-5)


def test_sigmoid_gradient_vanishes_towards_the_input_and_residual_does_not(split):
    result = compare(split, GradFlowConfig(steps=20, ratio_steps=20))
    assert result.sigmoid.grad_norms.shape == (20, 10)
    # each sigmoid layer can pass on at most 1/4 of the gradient times |W|: the norms fall layer by layer
    first_step = result.sigmoid.grad_norms[0]
    assert np.all(np.diff(first_step) > 0)
    assert result.sigmoid.ratio < 1e-3
    assert 0.1 < result.residual.ratio < 100
    assert result.residual.ratio > 100 * result.sigmoid.ratio
