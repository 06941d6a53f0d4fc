"""A small digit classifier that acts as the judge of generated samples.

Generative models have no accuracy to report, so we borrow one: train a classifier on real
digits, then ask it about generated ones. Two numbers come out (the idea behind the
Inception Score, Salimans et al. 2016, shrunk to 8x8 digits):

- mean confidence: how sure the classifier is, on average, about its top guess. Crisp,
  digit-like samples score high; blurry or noisy ones score low.
- coverage: how many of the 10 classes show up among the samples it is sure about. A model
  that draws only a few digits (mode collapse) has low coverage however crisp they are.
"""

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from models.digits import DigitsSplit

Progress = Callable[[int, int, str], None]


@dataclass
class ClassifierConfig:
    hidden: int = 256  # one hidden layer of this width already reaches ~97% on 8x8 digits
    epochs: int = 40  # the train split is only ~1,400 images: an epoch takes milliseconds
    batch_size: int = 64  # small batches give more updates per epoch on a tiny data set
    lr: float = 1e-3  # Adam's usual default
    weight_decay: float = 1e-4  # mild, keeps the softmax from becoming overconfident
    label_smoothing: float = 0.1  # softer targets: confidence on odd inputs means more
    seed: int = 0  # fixes initialisation and batch order, so the judge is reproducible

    @classmethod
    def tiny(cls) -> "ClassifierConfig":
        return cls(hidden=32, epochs=2)


class DigitClassifier(nn.Module):
    def __init__(self, config: ClassifierConfig, image_size: int = 8):
        super().__init__()
        self.net = nn.Sequential(
            nn.Flatten(),  # (B, 8, 8) -> (B, 64)
            nn.Linear(image_size * image_size, config.hidden),
            nn.ReLU(),
            nn.Linear(config.hidden, 10),  # logits over the digit classes
        )

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.net(images)


def predict_proba(classifier: DigitClassifier, images) -> np.ndarray:
    """Softmax probabilities (N, 10) for images (N, 8, 8) in [0, 1]."""
    device = next(classifier.parameters()).device
    x = torch.as_tensor(np.asarray(images), dtype=torch.float32, device=device)
    with torch.no_grad():
        return F.softmax(classifier.eval()(x), dim=-1).cpu().numpy()


def mean_confidence(probs: np.ndarray) -> float:
    # mean over samples of max_c p(c | x)
    return float(np.asarray(probs).max(axis=1).mean())


def coverage(probs: np.ndarray, confidence_threshold: float = 0.7, min_share: float = 0.02) -> int:
    """Classes (of 10) that make up >= min_share of the confidently classified samples."""
    probs = np.asarray(probs)
    confident = probs.max(axis=1) >= confidence_threshold
    if not confident.any():
        return 0
    counts = np.bincount(probs[confident].argmax(axis=1), minlength=probs.shape[1])
    return int((counts / confident.sum() >= min_share).sum())


def score_probs(probs: np.ndarray) -> dict:
    probs = np.asarray(probs)
    return {
        "mean_confidence": mean_confidence(probs),
        "coverage": coverage(probs),
        # how many samples the coverage count is based on
        "confident_fraction": float((probs.max(axis=1) >= 0.7).mean()),
        # the classifier's top guess for every sample: a histogram that shows mode collapse
        "class_counts": np.bincount(probs.argmax(axis=1), minlength=probs.shape[1]).tolist(),
    }


def score_samples(classifier: DigitClassifier, images) -> dict:
    """{"mean_confidence", "coverage", "confident_fraction", "class_counts"} for images
    (N, 8, 8) in [0, 1]."""
    return score_probs(predict_proba(classifier, images))


@dataclass
class ClassifierResult:
    """What ``train`` returns: the curves, the judge's own scores and the trained model."""

    config: dict
    # per epoch: training loss and held-out accuracy
    history: dict[str, list]
    heldout_accuracy: float
    # mean confidence and coverage of the real held-out digits: what good samples look like
    heldout_scores: dict
    model: DigitClassifier
    wall_seconds: float


def train(
    config: ClassifierConfig,
    data: DigitsSplit,
    device: str = "cpu",
    progress: Progress | None = None,
) -> ClassifierResult:
    start = time.perf_counter()
    torch.manual_seed(config.seed)
    shuffle = torch.Generator().manual_seed(config.seed)
    model = DigitClassifier(config, data.train_images.shape[-1]).to(device)
    # fused: the whole Adam update in one kernel; the same math with less overhead
    opt = torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay, fused=True)
    x, y = data.train_images.to(device), data.train_labels.to(device)
    x_held, y_held = data.heldout_images.to(device), data.heldout_labels.to(device)

    history: dict[str, list] = {"epoch": [], "train_loss": [], "heldout_accuracy": []}
    for epoch in range(1, config.epochs + 1):
        model.train()
        total, n = 0.0, 0
        for idx in torch.randperm(len(x), generator=shuffle).split(config.batch_size):
            # cross-entropy -sum_c y_c log p(c | x), with label-smoothed targets y
            logits = model(x[idx])
            loss = F.cross_entropy(logits, y[idx], label_smoothing=config.label_smoothing)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total, n = total + loss.item() * len(idx), n + len(idx)
        model.eval()
        with torch.no_grad():
            accuracy = (model(x_held).argmax(-1) == y_held).float().mean().item()
        history["epoch"].append(epoch)
        history["train_loss"].append(total / n)
        history["heldout_accuracy"].append(accuracy)
        if progress:
            progress(epoch, config.epochs, f"classifier loss {total / n:.3f} acc {accuracy:.3f}")

    return ClassifierResult(
        config=asdict(config),
        history=history,
        heldout_accuracy=history["heldout_accuracy"][-1],
        heldout_scores=score_samples(model, data.heldout_images),
        model=model,
        wall_seconds=time.perf_counter() - start,
    )
