"""The embedded digits split: range, shapes, stratification, determinism."""

import numpy as np
import torch
from sklearn.datasets import load_digits

from models.digits import load_embedded_digits, load_split


def test_images_are_unit_range_floats():
    split = load_embedded_digits()
    for images in (split.train_images, split.heldout_images):
        assert images.dtype == torch.float32 and images.shape[1:] == (8, 8)
        assert images.min() == 0 and images.max() == 1


def test_split_is_a_stratified_80_20_partition():
    split = load_embedded_digits()
    n_train, n_held = len(split.train_labels), len(split.heldout_labels)
    assert n_train + n_held == 1797
    assert abs(n_held / 1797 - 0.2) < 0.01
    train_counts = np.bincount(split.train_labels.numpy(), minlength=10)
    held_counts = np.bincount(split.heldout_labels.numpy(), minlength=10)
    all_counts = np.bincount(load_digits().target, minlength=10)
    np.testing.assert_array_equal(train_counts + held_counts, all_counts)
    # each class keeps its share in the held-out part, to within one image
    assert np.all(np.abs(held_counts - 0.2 * all_counts) <= 1)


def test_split_keeps_images_with_their_labels_and_no_image_twice():
    bunch = load_digits()
    split = load_embedded_digits()
    images = torch.cat([split.train_images, split.heldout_images]).reshape(1797, -1).numpy() * 16
    labels = torch.cat([split.train_labels, split.heldout_labels]).numpy()
    originals = {row.tobytes(): label for row, label in zip(bunch.data.astype(np.float32), bunch.target, strict=True)}
    assert len({row.astype(np.float32).tobytes() for row in images}) == len(set(originals))
    for row, label in zip(images.astype(np.float32), labels, strict=True):
        assert originals[row.tobytes()] == label


def test_split_is_deterministic_and_seeded():
    a, b, c = load_embedded_digits(seed=0), load_embedded_digits(seed=0), load_embedded_digits(seed=1)
    torch.testing.assert_close(a.heldout_images, b.heldout_images)
    assert not torch.equal(a.heldout_labels, c.heldout_labels)


def test_load_split_defaults_to_embedded():
    torch.testing.assert_close(load_split().heldout_images, load_embedded_digits().heldout_images)
