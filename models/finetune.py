r"""Fine-tuning the pretrained tiny GPT on a new text domain, five ways.

Starting from the same pretrained weights $\theta^*$, each method minimises the same
next-character loss on the new domain, with the same number of steps and batch size:

    full        every parameter trains
    last_layer  only the last transformer block, the final LayerNorm and the output layer
    lora        the base is frozen; low-rank adapters on attention (models/lora.py)
    qlora       as lora, with the frozen base stored in 4-bit NF4 (models/nf4.py)
    ewc         full fine-tuning plus a pull back towards $\theta^*$, strongest on the
                weights that mattered for pretraining (elastic weight consolidation)

Two losses score a run. Adaptation: the loss on the held-out part of the new domain.
Forgetting: how much the loss on pretraining's own held-out text rose over the base model.
"""

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
import torch.nn as nn

from models.gpt import GPT
from models.gpt_pretrain import mean_loss
from models.llm_data import covering_windows, sample_windows, split_corpus
from models.lora import LoRAConfig, apply_lora, trainable_params
from models.nf4 import to_nf4
from models.tokenizer import CharTokenizer

Progress = Callable[[int, int, str], None]
Windows = list[tuple[torch.Tensor, torch.Tensor]]
METHODS = ("full", "last_layer", "lora", "qlora", "ewc")


@dataclass
class FinetuneConfig:
    # Every method gets the same budget: steps x batch_size windows of seq_len characters.
    # About 120 steps of 16 windows is a dozen passes over a 10 KB domain, enough for the
    # loss on it to settle, short enough to run a grid of learning rates per method.
    steps: int = 120
    batch_size: int = 16
    # Same window length as pretraining, so the two losses are measured alike.
    seq_len: int = 64
    # A short linear warm-up, then cosine decay to a tenth of the peak rate.
    warmup_steps: int = 10
    grad_clip: float = 1.0
    # The domain text is cut in three in reading order: train, then validation (for
    # choosing learning rates and lambda), then held-out (only for the reported losses).
    val_fraction: float = 0.1
    heldout_fraction: float = 0.1
    # Losses on both held-out texts are measured every eval_interval steps (forgetting curves).
    eval_interval: int = 20
    # The diagonal Fisher is averaged over this many pretraining windows, one gradient each.
    fisher_windows: int = 64
    seed: int = 0


@dataclass
class Method:
    kind: str  # one of METHODS
    learning_rate: float
    # The adapters, for lora and qlora.
    lora: LoRAConfig | None = None
    # EWC's lambda: how hard the weights are pulled back to the pretrained ones.
    ewc_lambda: float = 0.0

    @property
    def label(self) -> str:
        if self.kind in ("lora", "qlora"):
            return f"{self.kind} r={self.lora.r}"
        return self.kind if self.kind != "ewc" else f"ewc lambda={self.ewc_lambda:g}"


@dataclass
class DomainData:
    """Token ids of the new domain's three parts, and pretraining's own texts."""

    train: torch.Tensor
    val: torch.Tensor
    heldout: torch.Tensor
    pretrain_train: torch.Tensor
    pretrain_heldout: torch.Tensor


@dataclass
class FinetuneResult:
    method: Method
    trainable_params: int
    # Curves, one entry per evaluation at `steps`.
    steps: list[int]
    new_heldout_curve: list[float]
    pretrain_heldout_curve: list[float]
    # Losses after the last step.
    new_val_loss: float
    new_heldout_loss: float
    pretrain_heldout_loss: float
    # Gradient norm of each layer group at every step, before clipping.
    grad_norms: dict[str, list[float]]
    model: nn.Module = field(repr=False)


def split_domain(ids: torch.Tensor, config: FinetuneConfig) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Train, validation, held-out: consecutive pieces in reading order."""
    n_heldout = int(len(ids) * config.heldout_fraction)
    n_val = int(len(ids) * config.val_fraction)
    n_train = len(ids) - n_val - n_heldout
    return ids[:n_train], ids[n_train : n_train + n_val], ids[n_train + n_val :]


def load_domain(
    text: str, tokenizer: CharTokenizer, pretrain_corpus: str, pretrain_heldout_fraction: float, config: FinetuneConfig
) -> DomainData:
    """The new domain in three parts, and pretraining's corpus split exactly as pretraining
    split it (so "forgetting" is measured on text the base model never trained on)."""
    pretrain_ids = torch.tensor(tokenizer.encode(pretrain_corpus))
    pretrain_train, pretrain_heldout = split_corpus(pretrain_ids, pretrain_heldout_fraction)
    return DomainData(*split_domain(torch.tensor(tokenizer.encode(text)), config), pretrain_train, pretrain_heldout)


def prepare(base: GPT, method: Method) -> nn.Module:
    """A copy of the base with exactly the method's parameters left trainable."""
    model = copy.deepcopy(base)
    model.train()
    if method.kind in ("full", "ewc"):
        for p in model.parameters():
            p.requires_grad_(True)
    elif method.kind == "last_layer":
        for p in model.parameters():
            p.requires_grad_(False)
        for module in (model.h[-1], model.ln_f, model.lm_head):
            for p in module.parameters():
                p.requires_grad_(True)
    elif method.kind == "lora":
        apply_lora(model, method.lora)
    elif method.kind == "qlora":
        # QLoRA: the base lives in 4 bits and is frozen; the adapters train in float32.
        apply_lora(to_nf4(model), method.lora)
    else:
        raise ValueError(f"unknown method {method.kind!r}; expected one of {METHODS}")
    return model


def learning_rate(step: int, peak: float, config: FinetuneConfig) -> float:
    if step < config.warmup_steps:
        return peak * (step + 1) / config.warmup_steps
    s = (step - config.warmup_steps) / max(1, config.steps - config.warmup_steps)
    return peak * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * s)))


def diagonal_fisher(model: GPT, ids: torch.Tensor, config: FinetuneConfig) -> dict[str, torch.Tensor]:
    r"""The diagonal of the (empirical) Fisher information at the pretrained weights.

    $F_i = \mathbb{E}_x [ (\partial L(x) / \partial \theta_i)^2 ]$, averaged over
    config.fisher_windows windows x of pretraining text, each its own backward pass (the
    square of a batch's mean gradient would underestimate it). A large $F_i$ means the
    pretraining loss is sharply curved along $\theta_i$: moving it costs a lot.
    """
    generator = torch.Generator().manual_seed(config.seed + 7)
    model = copy.deepcopy(model).eval()
    fisher = {name: torch.zeros_like(p) for name, p in model.named_parameters()}
    device = next(model.parameters()).device
    for _ in range(config.fisher_windows):
        x, y = sample_windows(ids, config.seq_len, 1, generator)  # (1, T)
        model.zero_grad(set_to_none=True)
        _, loss = model(x.to(device), y.to(device))
        loss.backward()
        for name, p in model.named_parameters():
            fisher[name] += p.grad.detach() ** 2 / config.fisher_windows
    return fisher


def ewc_penalty(
    model: nn.Module, fisher: dict[str, torch.Tensor], anchor: dict[str, torch.Tensor], lam: float
) -> torch.Tensor:
    # $\Omega(\theta) = \frac{\lambda}{2} \sum_i F_i (\theta_i - \theta^*_i)^2$ (Kirkpatrick et al., 2017, eq. 3)
    total = sum((fisher[n] * (p - anchor[n]) ** 2).sum() for n, p in model.named_parameters() if n in fisher)
    return 0.5 * lam * total


def layer_group(name: str) -> str:
    """Which layer a parameter belongs to, for the gradient-norm and Fisher charts."""
    if name.startswith("h."):
        return f"block {int(name.split('.')[1]) + 1}"
    return "embedding" if name.startswith("wte") else "output"


def param_group(name: str) -> str:
    """Which kind of weight it is, e.g. attn.c_attn.weight or layernorm."""
    if ".ln_" in name or name.startswith("ln_f"):
        return "layernorm"
    if name.startswith("h."):
        return ".".join(name.split(".")[2:])
    return name


def finetune(
    base: GPT,
    method: Method,
    config: FinetuneConfig,
    data: DomainData,
    fisher: dict[str, torch.Tensor] | None = None,
    progress: Progress | None = None,
) -> FinetuneResult:
    """Adapt a copy of `base` to data.train with `method`; base itself is not changed."""
    torch.manual_seed(config.seed)
    generator = torch.Generator().manual_seed(config.seed)
    device = next(base.parameters()).device
    new_val = covering_windows(data.val, config.seq_len)
    new_heldout = covering_windows(data.heldout, config.seq_len)
    pre_heldout = covering_windows(data.pretrain_heldout, config.seq_len)

    model = prepare(base, method)
    params = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    # No weight decay: it would pull the weights towards zero, not towards the base.
    optimizer = torch.optim.AdamW([p for _, p in params], lr=method.learning_rate, weight_decay=0.0)
    if method.kind == "ewc":
        assert fisher is not None, "EWC needs the Fisher information of the pretraining data"
        anchor = {n: p.detach().clone() for n, p in base.named_parameters()}

    steps, new_curve, pre_curve = [], [], []
    grad_norms: dict[str, list[float]] = {}

    def evaluate(step: int) -> None:
        steps.append(step)
        new_curve.append(mean_loss(model, new_heldout, device))
        pre_curve.append(mean_loss(model, pre_heldout, device))
        if progress is not None:
            progress(step, config.steps, f"{method.label}: new-domain loss {new_curve[-1]:.3f}")

    for step in range(config.steps):
        if step % config.eval_interval == 0:
            evaluate(step)
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(step, method.learning_rate, config)
        x, y = sample_windows(data.train, config.seq_len, config.batch_size, generator)  # (B, T)
        _, loss = model(x.to(device), y.to(device))
        if method.kind == "ewc":
            # $L(\theta) = L_{new}(\theta) + \frac{\lambda}{2} \sum_i F_i (\theta_i - \theta^*_i)^2$
            loss = loss + ewc_penalty(model, fisher, anchor, method.ewc_lambda)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        # $\|g_\ell\|_2$ of each layer's gradient: which layers the new domain pushes hardest.
        norms: dict[str, float] = {}
        for n, p in params:
            g = layer_group(n)
            norms[g] = norms.get(g, 0.0) + p.grad.detach().pow(2).sum().item()
        for g, sq in norms.items():
            grad_norms.setdefault(g, []).append(math.sqrt(sq))
        torch.nn.utils.clip_grad_norm_([p for _, p in params], config.grad_clip)
        optimizer.step()
    evaluate(config.steps)
    model.eval()
    return FinetuneResult(
        method=method,
        trainable_params=trainable_params(model),
        steps=steps,
        new_heldout_curve=new_curve,
        pretrain_heldout_curve=pre_curve,
        new_val_loss=mean_loss(model, new_val, device),
        new_heldout_loss=new_curve[-1],
        pretrain_heldout_loss=pre_curve[-1],
        grad_norms=grad_norms,
        model=model,
    )


def choose_by_validation(runs: list[FinetuneResult]) -> FinetuneResult:
    """The run with the lowest new-domain validation loss (the held-out part is never looked at)."""
    return min(runs, key=lambda r: r.new_val_loss)


def choose_ewc(runs: list[FinetuneResult], base_val: float, full_val: float, keep: float) -> FinetuneResult:
    """The strongest lambda that keeps at least `keep` of full fine-tuning's drop in
    validation loss; if none does, the weakest lambda."""
    kept = [r for r in runs if base_val - r.new_val_loss >= keep * (base_val - full_val)]
    if kept:
        return max(kept, key=lambda r: r.method.ewc_lambda)
    return min(runs, key=lambda r: r.method.ewc_lambda)
