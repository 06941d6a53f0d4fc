"""The same ideas with the real libraries: fine-tune a pretrained sentence encoder
(all-MiniLM-L6-v2, 6 BERT layers, 384 wide) to sort short messages into classes, three ways:

    lora   transformers + peft: LoraConfig on the attention's query and value matrices;
           the encoder is frozen, the adapters and the new classification head train
    head   the encoder frozen, only the new classification head trains
    full   every parameter trains

All three see the same training sentences for the same number of epochs and are scored
on the same held-out sentences, with a bootstrap 95% interval on the accuracy.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch

Progress = Callable[[int, int, str], None]
PEFT_METHODS = ("lora", "head", "full")


@dataclass
class PeftTrackConfig:
    # LoRA on query and value, as in the LoRA paper's experiments. alpha / r = 2.
    lora_r: int = 8
    lora_alpha: int = 16
    # Every method gets the same data budget: epochs x (training sentences / batch_size) steps.
    epochs: int = 6
    batch_size: int = 16
    # Messages are one or two sentences; 48 word pieces is more than the longest.
    max_length: int = 48
    # Peak learning rates (AdamW, linear decay to 0). Adapters and a fresh head take much
    # larger steps than the pretrained weights in full fine-tuning.
    lr_lora: float = 1e-3
    lr_head: float = 1e-2
    lr_full: float = 1e-4
    # Resamples of the held-out predictions for the 95% interval.
    bootstrap_samples: int = 2000
    seed: int = 0


@dataclass(frozen=True)
class Sentence:
    text: str
    label: str
    split: str  # "train" or "heldout"


@dataclass
class PeftResult:
    method: str
    accuracy: float
    ci_low: float
    ci_high: float
    # What the optimiser updates; for lora also the adapters alone (PEFT's count minus the head).
    trainable_params: int
    lora_params: int
    head_params: int
    wall_seconds: float
    predictions: list[int] = field(repr=False)


def load_sentences(path: str | Path) -> list[Sentence]:
    """Lines of `split<TAB>label<TAB>text`; blank lines and lines starting with # are skipped."""
    rows = []
    for number, line in enumerate(Path(path).read_text(encoding="ascii").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 3 or parts[0] not in ("train", "heldout") or not parts[2].strip():
            raise ValueError(f"{path}:{number}: expected split<TAB>label<TAB>text with split train or heldout")
        rows.append(Sentence(text=parts[2].strip(), label=parts[1], split=parts[0]))
    return rows


def bootstrap_ci(correct: torch.Tensor, n_samples: int, seed: int) -> tuple[float, float]:
    """95% percentile bootstrap interval of the mean of `correct` (0/1 per example):
    resample the held-out examples with replacement, take the 2.5th and 97.5th percentiles."""
    generator = torch.Generator().manual_seed(seed)
    n = correct.numel()
    idx = torch.randint(n, (n_samples, n), generator=generator)  # (S, n)
    means = correct.double()[idx].mean(dim=1)  # (S,)
    return torch.quantile(means, 0.025).item(), torch.quantile(means, 0.975).item()


def build(model_path: str, n_labels: int, method: str, config: PeftTrackConfig) -> torch.nn.Module:
    """The pretrained encoder with a new head, and the method's parameters left trainable."""
    from peft import LoraConfig, TaskType, get_peft_model
    from transformers import AutoModelForSequenceClassification

    torch.manual_seed(config.seed)
    model = AutoModelForSequenceClassification.from_pretrained(model_path, num_labels=n_labels)
    if method == "lora":
        # task_type SEQ_CLS makes PEFT also train (and save) the new head, "classifier".
        lora = LoraConfig(
            task_type=TaskType.SEQ_CLS,
            r=config.lora_r,
            lora_alpha=config.lora_alpha,
            lora_dropout=0.0,
            target_modules=["query", "value"],
        )
        return get_peft_model(model, lora)
    if method == "head":
        for name, p in model.named_parameters():
            p.requires_grad_(name.startswith("classifier."))
        return model
    if method == "full":
        return model
    raise ValueError(f"unknown method {method!r}; expected one of {PEFT_METHODS}")


def head_param_count(model: torch.nn.Module) -> int:
    return sum(p.numel() for n, p in model.named_parameters() if p.requires_grad and ".classifier." in f".{n}")


def run_method(
    method: str,
    sentences: list[Sentence],
    model_path: str,
    config: PeftTrackConfig,
    progress: Progress | None = None,
) -> PeftResult:
    from transformers import AutoTokenizer

    start = time.perf_counter()
    labels = sorted({s.label for s in sentences})
    train = [s for s in sentences if s.split == "train"]
    heldout = [s for s in sentences if s.split == "heldout"]
    tokenizer = AutoTokenizer.from_pretrained(model_path)
    model = build(model_path, len(labels), method, config)
    params = [p for p in model.parameters() if p.requires_grad]
    n_trainable = sum(p.numel() for p in params)
    n_head = head_param_count(model)

    def encode(batch: list[Sentence]) -> dict:
        return tokenizer(
            [s.text for s in batch], padding=True, truncation=True, max_length=config.max_length, return_tensors="pt"
        )

    target = {label: i for i, label in enumerate(labels)}
    if method == "head":
        # The encoder is frozen, so its output for a sentence never changes: compute the
        # pooled features of every sentence once, then train only the head on them. Same
        # model, same steps, a fraction of the time; this is why feature extraction is cheap.
        model.eval()
        with torch.no_grad():
            chunks = [sentences[b : b + 64] for b in range(0, len(sentences), 64)]
            pooled = torch.cat([model.bert(**encode(chunk)).pooler_output for chunk in chunks])  # (N, 384)
        features = dict(zip([s.text for s in sentences], pooled, strict=True))
        model.train()

        def logits_of(batch: list[Sentence]) -> torch.Tensor:
            return model.classifier(model.dropout(torch.stack([features[s.text] for s in batch])))  # (B, n_labels)
    else:

        def logits_of(batch: list[Sentence]) -> torch.Tensor:
            return model(**encode(batch)).logits  # (B, n_labels)

    lr = {"lora": config.lr_lora, "head": config.lr_head, "full": config.lr_full}[method]
    optimizer = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
    steps_per_epoch = -(-len(train) // config.batch_size)
    total = config.epochs * steps_per_epoch
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: 1.0 - s / total)
    generator = torch.Generator().manual_seed(config.seed)
    model.train()
    for epoch in range(config.epochs):
        order = torch.randperm(len(train), generator=generator).tolist()
        for b in range(steps_per_epoch):
            batch = [train[i] for i in order[b * config.batch_size : (b + 1) * config.batch_size]]
            y = torch.tensor([target[s.label] for s in batch])
            # Cross-entropy over the classes, on the head's logits (B, n_labels).
            loss = torch.nn.functional.cross_entropy(logits_of(batch), y)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
        if progress is not None:
            progress(epoch + 1, config.epochs, f"{method}: epoch {epoch + 1}, last batch loss {loss.item():.3f}")

    model.eval()
    predictions = []
    with torch.no_grad():
        for b in range(0, len(heldout), 64):
            predictions += logits_of(heldout[b : b + 64]).argmax(dim=-1).tolist()
    correct = torch.tensor([p == target[s.label] for p, s in zip(predictions, heldout, strict=True)])
    low, high = bootstrap_ci(correct, config.bootstrap_samples, config.seed)
    return PeftResult(
        method=method,
        accuracy=correct.double().mean().item(),
        ci_low=low,
        ci_high=high,
        trainable_params=n_trainable,
        lora_params=n_trainable - n_head if method == "lora" else 0,
        head_params=n_head,
        wall_seconds=time.perf_counter() - start,
        predictions=predictions,
    )
