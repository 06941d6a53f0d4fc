"""Image data for the generative-models lecture: 8x8 handwritten digits.

The default is scikit-learn's embedded digits (1,797 images, 8x8, values 0..16), so the
lecture trains with no download. A lecturer who has the MNIST IDX files can point the
config at them instead: `load_idx_images` reads them and average-pools 28x28 down to the
model size, so every model in this lecture runs unchanged on either source.

All images come back as float tensors in [0, 1], shape (N, size, size).
"""

import gzip
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split


@dataclass
class DigitsSplit:
    """A fixed train / held-out split. Every model of the lecture trains on the same one."""

    train_images: torch.Tensor  # (N_train, 8, 8) float in [0, 1]
    train_labels: torch.Tensor  # (N_train,) int64 digit class 0..9
    heldout_images: torch.Tensor  # (N_heldout, 8, 8)
    heldout_labels: torch.Tensor  # (N_heldout,)


def split_images(
    images: torch.Tensor, labels: torch.Tensor, heldout_fraction: float = 0.2, seed: int = 0
) -> DigitsSplit:
    # Stratified: each digit keeps its share in both halves, so held-out accuracy and
    # class coverage are not skewed by an unlucky draw of one class.
    idx = np.arange(len(labels))
    train_idx, heldout_idx = train_test_split(
        idx, test_size=heldout_fraction, random_state=seed, stratify=labels.numpy()
    )
    train_idx, heldout_idx = np.sort(train_idx), np.sort(heldout_idx)
    return DigitsSplit(
        train_images=images[train_idx],
        train_labels=labels[train_idx],
        heldout_images=images[heldout_idx],
        heldout_labels=labels[heldout_idx],
    )


def load_embedded_digits(heldout_fraction: float = 0.2, seed: int = 0) -> DigitsSplit:
    # scikit-learn stores intensities as integers 0..16; dividing by 16 gives [0, 1].
    bunch = load_digits()
    images = torch.tensor(bunch.images / 16.0, dtype=torch.float32)  # (1797, 8, 8)
    labels = torch.tensor(bunch.target, dtype=torch.int64)  # (1797,)
    return split_images(images, labels, heldout_fraction, seed)


# IDX type byte -> big-endian numpy dtype (the table on Yann LeCun's MNIST page).
IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def read_idx(path: str | Path) -> np.ndarray:
    """Read one IDX file (MNIST's format); files ending in .gz are decompressed first.

    Layout: two zero bytes, a type byte, a byte with the number of dimensions n, then n
    big-endian uint32 sizes, then the values in row-major order, big-endian.
    """
    path = Path(path)
    raw = gzip.open(path, "rb").read() if path.suffix == ".gz" else path.read_bytes()

    # 1. The magic number: 0x00 0x00 <type> <ndim>.
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in IDX_DTYPES:
        raise ValueError(
            f"{path}: not an IDX file (bad magic number {raw[:4].hex() or 'empty'}; "
            "expected 0000 then a type byte 08/09/0b/0c/0d/0e and a dimension count)"
        )
    dtype, ndim = IDX_DTYPES[raw[2]], raw[3]

    # 2. The sizes: ndim big-endian uint32 values.
    header_end = 4 + 4 * ndim
    if len(raw) < header_end:
        raise ValueError(f"{path}: truncated IDX header ({len(raw)} bytes, {ndim} dimensions)")
    dims = tuple(int(d) for d in np.frombuffer(raw[4:header_end], dtype=">u4"))

    # 3. The values: exactly prod(dims) items must follow.
    expected = int(np.prod(dims)) * dtype.itemsize
    found = len(raw) - header_end
    if found != expected:
        raise ValueError(
            f"{path}: IDX payload has {found} bytes but dimensions {dims} need {expected} (file truncated or corrupt)"
        )
    data = np.frombuffer(raw, dtype=dtype, offset=header_end).reshape(dims)
    return data.astype(dtype.newbyteorder("="))


def load_idx_images(
    images_path: str | Path, labels_path: str | Path, size: int = 8
) -> tuple[torch.Tensor, torch.Tensor]:
    """MNIST-style IDX images and labels, scaled to [0, 1] and pooled to (N, size, size)."""
    images = read_idx(images_path)  # (N, 28, 28) uint8
    labels = read_idx(labels_path)  # (N,)
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise ValueError(
            f"{images_path} / {labels_path}: expected images (N, H, W) and labels (N,), "
            f"got {images.shape} and {labels.shape}"
        )
    # Adaptive average pooling averages each output pixel over its patch of the input
    # (28 -> 8 uses patches of 3 or 4 pixels), like viewing the digit from far away.
    x = torch.tensor(images, dtype=torch.float32) / 255.0
    x = F.adaptive_avg_pool2d(x.unsqueeze(1), size).squeeze(1)  # (N, size, size)
    # Pooling dims thin strokes; rescale so each image's brightest pixel is 1, like the
    # embedded digits whose strokes reach 16/16.
    x = x / x.amax(dim=(1, 2), keepdim=True).clamp_min(1e-8)
    return x, torch.tensor(labels, dtype=torch.int64)


def load_split(
    idx_images: str | None = None,
    idx_labels: str | None = None,
    heldout_fraction: float = 0.2,
    seed: int = 0,
) -> DigitsSplit:
    """The lecture's data: the embedded digits, or MNIST IDX files when both paths are given."""
    if idx_images is None or idx_labels is None:
        return load_embedded_digits(heldout_fraction, seed)
    images, labels = load_idx_images(idx_images, idx_labels)
    return split_images(images, labels, heldout_fraction, seed)
