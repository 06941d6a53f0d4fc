"""The sample judge: mean confidence and coverage on hand-made probability arrays, and a tiny
classifier run."""

import numpy as np
import pytest
import torch

from models.digit_classifier import (
    ClassifierConfig,
    coverage,
    mean_confidence,
    predict_proba,
    score_probs,
    score_samples,
    train,
)
from models.digits import load_embedded_digits


@pytest.fixture(autouse=True)
def one_torch_thread():
    # tiny tensors: a second thread only adds contention when other jobs share the CPU
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def one_hot_ish(classes, confidence: float) -> np.ndarray:
    """Rows that put `confidence` on the given class and spread the rest evenly."""
    probs = np.full((len(classes), 10), (1 - confidence) / 9)
    probs[np.arange(len(classes)), classes] = confidence
    return probs


def test_mean_confidence_is_mean_top_probability():
    probs = np.array([[0.9, 0.1] + [0] * 8, [0.2, 0.3, 0.5] + [0] * 7, [0.1] * 10])
    assert mean_confidence(probs) == pytest.approx((0.9 + 0.5 + 0.1) / 3)
    assert mean_confidence(np.full((4, 10), 0.1)) == pytest.approx(0.1)


def test_coverage_counts_classes_with_two_percent_of_confident_samples():
    # 100 confident samples: classes 0..3 with 40/30/28/2, class 4 with a single one (1%)
    confident = one_hot_ish([0] * 40 + [1] * 30 + [2] * 27 + [3] * 2 + [4], 0.95)
    assert coverage(confident) == 4


def test_coverage_ignores_unconfident_samples():
    confident = one_hot_ish([5] * 50, 0.9)
    unsure = one_hot_ish(list(range(10)) * 50, 0.5)  # every class, but never >= 0.7
    assert coverage(np.concatenate([confident, unsure])) == 1
    assert coverage(unsure) == 0


def test_coverage_threshold_is_inclusive():
    at, below = one_hot_ish([1], 0.7), one_hot_ish([2], 0.69)
    assert coverage(np.concatenate([at, below])) == 1


def test_balanced_confident_samples_cover_all_ten():
    probs = one_hot_ish(list(range(10)) * 10, 0.99)
    assert coverage(probs) == 10
    scores = score_probs(probs)
    assert scores["coverage"] == 10 and scores["confident_fraction"] == 1.0
    assert scores["mean_confidence"] == pytest.approx(0.99)


def test_collapsed_samples_cover_one_class():
    probs = one_hot_ish([3] * 500, 0.99)
    assert coverage(probs) == 1
    assert score_probs(probs)["class_counts"] == [0, 0, 0, 500, 0, 0, 0, 0, 0, 0]


def test_tiny_classifier_run():
    data = load_embedded_digits()
    calls = []
    result = train(ClassifierConfig.tiny(), data, progress=lambda step, total, msg: calls.append(step))
    assert calls == [1, 2]
    assert 0.0 <= result.heldout_accuracy <= 1.0
    assert result.history["heldout_accuracy"][-1] == result.heldout_accuracy
    probs = predict_proba(result.model, data.heldout_images[:5])
    assert probs.shape == (5, 10)
    np.testing.assert_allclose(probs.sum(1), 1.0, rtol=1e-5)
    scores = score_samples(result.model, data.heldout_images.numpy())
    assert set(scores) >= {"mean_confidence", "coverage"}
    assert 0.1 <= scores["mean_confidence"] <= 1.0 and 0 <= scores["coverage"] <= 10


def test_default_classifier_beats_chance_by_far():
    # the judge must be good before it can judge; this is the full default config (~1 s)
    data = load_embedded_digits()
    result = train(ClassifierConfig(), data)
    assert result.heldout_accuracy > 0.93
    real = score_samples(result.model, data.heldout_images)
    noise = score_samples(result.model, torch.rand(300, 8, 8, generator=torch.Generator().manual_seed(0)))
    assert real["coverage"] == 10
    assert real["mean_confidence"] > noise["mean_confidence"] + 0.2
