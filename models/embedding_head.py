r"""A small projection head on top of frozen MiniLM, trained with in-batch-negatives InfoNCE.

Fine-tuning a whole embedding model needs many labelled pairs. With about a hundred training
questions we keep MiniLM frozen and learn one residual linear map on its 384-d outputs:

    $g(x) = \mathrm{normalise}(x + W x + b)$

W and b start at zero, so before training the head is the identity and retrieval is exactly
frozen MiniLM's; training can only move it from there. The same head maps questions and
chunks, so the chunk index is re-embedded by one matrix multiply, not by MiniLM.

The loss is InfoNCE with in-batch negatives (van den Oord et al., 2018; as in DPR, Karpukhin
et al., 2020): each question in a batch should score its own gold chunk above the gold chunks
of the other questions in the batch,

    $L = -\frac{1}{B} \sum_i \log \frac{\exp(s_{i,p(i)} / \tau)}{\sum_j \exp(s_{i,j} / \tau)}$

where $s_{i,j}$ is the cosine of question i with chunk j and $\tau$ is the temperature. When
two questions in a batch share a gold chunk, that chunk appears once, so it is never counted
as a negative for a question it answers.
"""

from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class HeadConfig:
    dim: int = 384  # MiniLM's output width; the head keeps it
    temperature: float = 0.05  # tau: small values sharpen the softmax over the batch's chunks
    batch_size: int = 32  # questions per batch; their gold chunks are each other's negatives
    epochs: int = 30  # passes over the training questions (about a hundred, so each pass is 3-4 steps)
    lr: float = 1e-3  # AdamW step size
    weight_decay: float = 0.01  # pulls W towards zero, i.e. the head towards the identity
    seed: int = 0  # batches and nothing else are random: W starts at zero


class ProjectionHead(nn.Module):
    def __init__(self, config: HeadConfig):
        super().__init__()
        self.proj = nn.Linear(config.dim, config.dim)
        nn.init.zeros_(self.proj.weight)  # identity at the start: g(x) = normalise(x)
        nn.init.zeros_(self.proj.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # $g(x) = \mathrm{normalise}(x + W x + b)$   (N, 384) -> (N, 384)
        return F.normalize(x + self.proj(x), dim=-1)


def info_nce(queries: torch.Tensor, docs: torch.Tensor, targets: torch.Tensor, temperature: float) -> torch.Tensor:
    """InfoNCE of unit-length queries (B, D) against candidate docs (M, D); targets[i] indexes docs."""
    # $s_{i,j} / \tau$: every question against every chunk in the batch   (B, M)
    logits = queries @ docs.T / temperature
    # $-\log \mathrm{softmax}$ at the gold column = logsumexp over the row minus the gold logit
    gold = logits.gather(1, targets[:, None]).squeeze(1)
    return (torch.logsumexp(logits, dim=1) - gold).mean()


@dataclass
class HeadTrainResult:
    head: ProjectionHead
    losses: list[float] = field(default_factory=list)  # mean training loss per epoch


def train_head(
    config: HeadConfig, question_emb: np.ndarray, chunk_emb: np.ndarray, gold: list[int]
) -> HeadTrainResult:
    """Train the head on (question, gold chunk) pairs; chunk_emb holds every chunk, gold indexes it."""
    torch.manual_seed(config.seed)
    generator = torch.Generator().manual_seed(config.seed)
    head = ProjectionHead(config)
    optimizer = torch.optim.AdamW(head.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    q_all = torch.as_tensor(question_emb, dtype=torch.float32)
    c_all = torch.as_tensor(chunk_emb, dtype=torch.float32)
    gold_t = torch.as_tensor(gold, dtype=torch.long)
    losses = []
    for _ in range(config.epochs):
        order = torch.randperm(len(gold_t), generator=generator)
        epoch_losses = []
        for start in range(0, len(order), config.batch_size):
            batch = order[start : start + config.batch_size]
            # The batch's distinct gold chunks are the candidates; targets point into them.
            candidates, targets = torch.unique(gold_t[batch], return_inverse=True)
            loss = info_nce(head(q_all[batch]), head(c_all[candidates]), targets, config.temperature)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            epoch_losses.append(loss.item())
        losses.append(float(np.mean(epoch_losses)))
    return HeadTrainResult(head=head.eval(), losses=losses)


@torch.no_grad()
def project(head: ProjectionHead, emb: np.ndarray) -> np.ndarray:
    """Apply a trained head to stored embeddings (N, 384) -> (N, 384), unit length."""
    return head(torch.as_tensor(emb, dtype=torch.float32)).numpy()
