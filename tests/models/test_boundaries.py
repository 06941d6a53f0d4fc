"""Decision boundaries: the data split, logistic regression on our engine against
scikit-learn's, the probability grid's orientation, and an MLP that beats the straight line."""

import numpy as np
import pytest
from sklearn.datasets import make_moons
from sklearn.linear_model import LogisticRegression

from models.autograd import MLP, MLPConfig
from models.boundaries import DataConfig, TrainConfig, accuracy, make_data, proba_grid, train


@pytest.fixture(scope="module")
def moons():
    return make_data("moons", DataConfig(n_samples=400, seed=0))


def test_split_is_stratified_and_holds_every_point_once():
    split = make_data("circles", DataConfig(n_samples=1000, test_fraction=0.3, seed=1))
    assert len(split.x_train) == 700 and len(split.x_test) == 300
    assert split.y_test.mean() == pytest.approx(0.5)  # stratified: 150 of each class held out
    together = np.concatenate([split.x_train, split.x_test])
    assert len(np.unique(together, axis=0)) == 1000
    x_ref, _ = make_moons(n_samples=400, noise=0.2, random_state=0)
    moons = make_data("moons", DataConfig(n_samples=400, seed=0))
    assert np.isin(moons.x_test[:, 0], x_ref[:, 0]).all()


def test_logistic_regression_on_our_engine_matches_scikit_learn(moons):
    ours = train(moons, TrainConfig(hidden=(), epochs=60, lr=0.05, snapshot_epochs=()))
    ref = LogisticRegression(C=1e6).fit(moons.x_train, moons.y_train)
    assert ours.test_accuracy == pytest.approx(ref.score(moons.x_test, moons.y_test), abs=0.02)
    w = np.concatenate([ours.model.layers[0].W.data[:, 0], ours.model.layers[0].b.data])
    w_ref = np.concatenate([ref.coef_[0], ref.intercept_])
    cosine = w @ w_ref / np.linalg.norm(w) / np.linalg.norm(w_ref)
    assert cosine > 0.98  # the same straight line, up to how far each was pushed to scale it up


def test_probability_grid_rows_follow_y_and_columns_follow_x():
    model = MLP(MLPConfig(sizes=(2, 1)))
    model.layers[0].W.data[:] = np.array([[0.0], [2.0]])  # logit = 2 y: depends on y only
    model.layers[0].b.data[:] = 0.0
    gx, gy = np.linspace(-1, 1, 5), np.linspace(-1, 1, 7)
    p = proba_grid(model, gx, gy)
    assert p.shape == (7, 5)
    np.testing.assert_allclose(p[:, 0], 1 / (1 + np.exp(-2 * gy)))
    np.testing.assert_allclose(p, np.repeat(p[:, :1], 5, axis=1))


def test_mlp_beats_the_straight_line_on_moons_and_snapshots_follow_training(moons):
    config = TrainConfig(hidden=(16, 16), epochs=40, lr=0.02, snapshot_epochs=(0, 5, 40), grid_size=10)
    mlp = train(moons, config)
    line = train(moons, TrainConfig(hidden=(), epochs=40, lr=0.02, snapshot_epochs=()))
    assert [s.epoch for s in mlp.snapshots] == [0, 5, 40]
    assert mlp.snapshots[-1].proba.shape == (10, 10)
    assert mlp.test_accuracy == accuracy(mlp.model, moons.x_test, moons.y_test)
    assert mlp.test_accuracy > 0.93
    assert mlp.test_accuracy > line.test_accuracy + 0.04
    assert mlp.epoch_loss[-1] < mlp.epoch_loss[0]
    assert mlp.snapshots[-1].train_loss < mlp.snapshots[0].train_loss


def test_training_is_deterministic(moons):
    config = TrainConfig(hidden=(4,), epochs=3, snapshot_epochs=(), grid_size=4)
    a, b = train(moons, config), train(moons, config)
    np.testing.assert_array_equal(a.snapshots[-1].proba, b.snapshots[-1].proba)
