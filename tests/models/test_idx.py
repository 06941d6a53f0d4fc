"""The MNIST IDX reader: a round trip through files the test writes, the error messages, and
the 28x28 -> 8x8 average pooling against a hand computation."""

import gzip
import math
import struct

import numpy as np
import pytest

from models.digits import load_idx_images, load_split, read_idx


def idx_bytes(array: np.ndarray, type_byte: int, be_dtype: str) -> bytes:
    header = bytes([0, 0, type_byte, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(be_dtype).tobytes()


@pytest.fixture
def mnist_like(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(3, 28, 28), dtype=np.uint8)
    labels = np.array([7, 2, 1], dtype=np.uint8)
    images_path, labels_path = tmp_path / "images-idx3-ubyte", tmp_path / "labels-idx1-ubyte"
    images_path.write_bytes(idx_bytes(images, 0x08, ">u1"))
    labels_path.write_bytes(idx_bytes(labels, 0x08, ">u1"))
    return images, labels, images_path, labels_path


def test_round_trip_uint8(mnist_like):
    images, labels, images_path, labels_path = mnist_like
    read_images, read_labels = read_idx(images_path), read_idx(labels_path)
    assert read_images.dtype == np.uint8 and read_images.shape == (3, 28, 28)
    np.testing.assert_array_equal(read_images, images)
    np.testing.assert_array_equal(read_labels, labels)


def test_round_trip_gzip(mnist_like, tmp_path):
    images, _, images_path, _ = mnist_like
    gz = tmp_path / "images-idx3-ubyte.gz"
    gz.write_bytes(gzip.compress(images_path.read_bytes()))
    np.testing.assert_array_equal(read_idx(gz), images)


def test_big_endian_int32(tmp_path):
    values = np.array([[1, -2, 70000], [0, 2**31 - 1, -(2**31)]], dtype=np.int32)
    path = tmp_path / "ints.idx"
    path.write_bytes(idx_bytes(values, 0x0C, ">i4"))
    np.testing.assert_array_equal(read_idx(path), values)


def test_bad_magic_names_the_file(mnist_like, tmp_path):
    _, _, images_path, _ = mnist_like
    bad = tmp_path / "not-really-idx.bin"
    bad.write_bytes(b"\x1f\x8b" + images_path.read_bytes()[2:])  # e.g. a gzip without .gz
    with pytest.raises(ValueError, match=r"not-really-idx.bin.*magic"):
        read_idx(bad)


def test_truncated_file_names_the_file(mnist_like, tmp_path):
    _, _, images_path, _ = mnist_like
    short = tmp_path / "short-idx3-ubyte"
    short.write_bytes(images_path.read_bytes()[:-10])
    with pytest.raises(ValueError, match=r"short-idx3-ubyte.*truncated"):
        read_idx(short)
    header_only = tmp_path / "header-idx3-ubyte"
    header_only.write_bytes(images_path.read_bytes()[:6])
    with pytest.raises(ValueError, match=r"header-idx3-ubyte.*truncated"):
        read_idx(header_only)


def pooled_by_hand(image: np.ndarray, size: int) -> np.ndarray:
    # adaptive average pooling: output cell i covers input rows floor(i n / size) ..
    # ceil((i + 1) n / size) - 1, and the same for columns
    n = image.shape[0]
    bounds = [(math.floor(i * n / size), math.ceil((i + 1) * n / size)) for i in range(size)]
    return np.array([[image[r0:r1, c0:c1].mean() for c0, c1 in bounds] for r0, r1 in bounds])


def test_load_idx_images_pools_and_scales(mnist_like):
    images, labels, images_path, labels_path = mnist_like
    x, y = load_idx_images(images_path, labels_path, size=8)
    assert x.shape == (3, 8, 8) and x.dtype.is_floating_point
    np.testing.assert_array_equal(y.numpy(), labels)
    for i in range(3):
        expected = pooled_by_hand(images[i] / 255.0, 8)
        expected = expected / expected.max()  # brightest pixel -> 1, like the embedded digits
        np.testing.assert_allclose(x[i].numpy(), expected, rtol=1e-5, atol=1e-6)
    assert x.min() >= 0 and x.max() <= 1


def test_mismatched_counts_are_rejected(mnist_like, tmp_path):
    _, _, images_path, _ = mnist_like
    labels_path = tmp_path / "two-labels"
    labels_path.write_bytes(idx_bytes(np.array([1, 2], dtype=np.uint8), 0x08, ">u1"))
    with pytest.raises(ValueError, match="two-labels"):
        load_idx_images(images_path, labels_path)


def test_load_split_reads_idx_when_given_paths(tmp_path):
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, size=(20, 28, 28), dtype=np.uint8)
    labels = np.repeat(np.arange(2, dtype=np.uint8), 10)
    (tmp_path / "i").write_bytes(idx_bytes(images, 0x08, ">u1"))
    (tmp_path / "l").write_bytes(idx_bytes(labels, 0x08, ">u1"))
    split = load_split(str(tmp_path / "i"), str(tmp_path / "l"))
    assert split.train_images.shape == (16, 8, 8) and split.heldout_images.shape == (4, 8, 8)
    assert sorted(split.heldout_labels.tolist()) == [0, 0, 1, 1]
