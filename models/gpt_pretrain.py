"""Stage 1 of 4: pretraining. Learn to predict the next character of the corpus.

The model reads windows of the corpus and, at every position t, is scored on the
probability it gave to the character that actually came next:

    L(theta) = -1/N sum_t log p_theta(x_{t+1} | x_1 .. x_t)

Nothing here mentions questions, answers or safety: whatever the model knows about
metformin afterwards, it picked up from the statistics of the text.

Two reference points make the loss readable:
- log(V): the loss of a model that spreads its probability evenly over all V tokens;
- a bigram model: the next character predicted from the current one only, by counting.
  Beating it by a wide margin shows the transformer uses more than one character of
  context.
Both are measured on the same held-out tokens as the transformer: the last part of the
corpus, which is never trained on.
"""

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass

import torch

from models.gpt import GPT, GPTConfig
from models.llm_data import LLMData, covering_windows, sample_windows, split_corpus
from models.tokenizer import CharTokenizer, format_prompt

Progress = Callable[[int, int, str], None]


@dataclass
class PretrainConfig:
    # Model size: a few hundred thousand parameters, enough to learn the words and stock
    # phrases of a corpus of a few tens of kilobytes, and small enough that all four stages
    # train on a laptop CPU during a lecture break.
    n_layer: int = 3
    n_head: int = 4
    n_embd: int = 96
    # The longest sequence of the later stages: the longest templated prompt, an answer
    # of up to 200 characters and <eos>.
    block_size: int = 320
    # Pretraining reads shorter windows: a character model mostly needs the last few dozen
    # characters, and ALiBi carries what it learns over to the longer sequences later.
    seq_len: int = 64
    # Off. Dropout 0.1 helped the held-out corpus loss a little, but the later stages did
    # better from a model that memorised the corpus's stock phrases.
    dropout: float = 0.0
    # Optimisation: AdamW with a short linear warm-up, then cosine decay to min_lr. A model
    # this small tolerates a large learning rate.
    max_steps: int = 400
    batch_size: int = 32
    learning_rate: float = 1e-2
    min_lr: float = 1e-3
    warmup_steps: int = 20
    weight_decay: float = 0.1
    # Clipping the gradient norm stops one unlucky batch from wrecking the weights.
    grad_clip: float = 1.0
    # Measure train and held-out loss (and write a sample) every eval_interval steps.
    eval_interval: int = 40
    # The last 10% of the corpus is held out.
    heldout_fraction: float = 0.1
    seed: int = 1337
    # What the samples at checkpoints continue, and how.
    sample_prompt: str = "Before starting any new medicine, "
    sample_tokens: int = 120
    sample_temperature: float = 0.8
    # How many of the most likely next tokens to report for the metformin prompt.
    top_k: int = 10

    @classmethod
    def tiny(cls) -> "PretrainConfig":
        """A run of a couple of seconds for tests; it only has to run, not to learn."""
        return cls(
            n_layer=1,
            n_head=2,
            n_embd=16,
            seq_len=16,
            max_steps=4,
            batch_size=2,
            warmup_steps=1,
            eval_interval=2,
            sample_tokens=8,
        )

    def gpt_config(self, vocab_size: int) -> GPTConfig:
        return GPTConfig(
            vocab_size=vocab_size,
            block_size=self.block_size,
            n_layer=self.n_layer,
            n_head=self.n_head,
            n_embd=self.n_embd,
            dropout=self.dropout,
        )


def learning_rate(step: int, config: PretrainConfig) -> float:
    # Linear warm-up from 0, then cosine decay:
    # $\eta = \eta_{\text{min}} + \frac{1}{2}(\eta_{\text{max}} - \eta_{\text{min}})(1 + \cos \pi s)$
    # with $s$ the fraction of the decay phase done (Loshchilov & Hutter, 2017).
    if step < config.warmup_steps:
        return config.learning_rate * (step + 1) / config.warmup_steps
    s = (step - config.warmup_steps) / max(1, config.max_steps - config.warmup_steps)
    return config.min_lr + (config.learning_rate - config.min_lr) * 0.5 * (1 + math.cos(math.pi * s))


def bigram_loss(train_ids: torch.Tensor, heldout_ids: torch.Tensor, vocab_size: int, k: float) -> float:
    """Held-out loss of a count-based bigram model with add-k smoothing.

    p(b | a) = (count(a, b) + k) / (count(a) + k V), counted on the training tokens;
    the loss is the mean of -log p(x_{t+1} | x_t) over the held-out pairs.
    """
    counts = torch.zeros(vocab_size, vocab_size, dtype=torch.float64)
    counts.index_put_(
        (train_ids[:-1], train_ids[1:]), torch.ones(len(train_ids) - 1, dtype=torch.float64), accumulate=True
    )
    probs = (counts + k) / (counts.sum(dim=1, keepdim=True) + k * vocab_size)
    return -probs[heldout_ids[:-1], heldout_ids[1:]].log().mean().item()


def best_bigram_loss(train_ids: torch.Tensor, heldout_ids: torch.Tensor, vocab_size: int) -> tuple[float, float]:
    # The smoothing k is picked on the held-out tokens themselves. That favours the bigram,
    # so "the transformer beats the bigram" is a conservative claim.
    losses = {k: bigram_loss(train_ids, heldout_ids, vocab_size, k) for k in (0.01, 0.03, 0.1, 0.3, 1.0)}
    k = min(losses, key=losses.get)
    return losses[k], k


@torch.no_grad()
def mean_loss(model: GPT, windows: list[tuple[torch.Tensor, torch.Tensor]], device: str) -> float:
    """Mean next-token loss over every target of the windows (eval mode: no dropout)."""
    model.eval()
    total, count = 0.0, 0
    for x, y in windows:
        _, loss = model(x.to(device), y.to(device))
        total += loss.item() * y.numel()
        count += y.numel()
    model.train()
    return total / count


@torch.no_grad()
def next_token_report(model: GPT, tokenizer: CharTokenizer, text: str, k: int, device: str) -> dict:
    """The k most likely next tokens after `text`, and their probabilities."""
    model.eval()
    idx = torch.tensor([tokenizer.encode(text)], device=device)  # (1, T)
    logits, _ = model(idx)
    probs = torch.softmax(logits[0, -1].float(), dim=-1)  # (V,)
    top = torch.topk(probs, k)
    return {
        "context": text,
        "tokens": [tokenizer.tokens[i] for i in top.indices.tolist()],
        "probs": top.values.tolist(),
    }


@torch.no_grad()
def sample_text(
    model: GPT, tokenizer: CharTokenizer, prompt: str, n_tokens: int, temperature: float, seed: int, device: str
) -> str:
    """A continuation of `prompt`; a fixed seed makes each checkpoint's sample reproducible."""
    model.eval()
    idx = torch.tensor([tokenizer.encode(prompt)], device=device)  # (1, T)
    generator = torch.Generator().manual_seed(seed)
    out = model.generate(idx, n_tokens, temperature=temperature, generator=generator)
    model.train()
    return tokenizer.decode(out[0].tolist())


@torch.no_grad()
def attention_report(model: GPT, tokenizer: CharTokenizer, sentence: str, device: str) -> dict:
    """Attention weights on one sentence: weights[layer][head] is a T x T matrix whose row t
    is where position t looked. Entries above the diagonal are 0 (the causal mask)."""
    model.eval()
    idx = torch.tensor([tokenizer.encode(sentence)], device=device)  # (1, T)
    maps = model.attention_maps(idx)  # n_layer x (1, nh, T, T)
    return {"tokens": list(sentence), "weights": [att[0].cpu().tolist() for att in maps]}


@dataclass
class PretrainResult:
    """What ``train`` returns: plain data for the lecture, and the trained model."""

    config: dict
    vocab_size: int
    # $\log V$: the loss of guessing uniformly, the curve's starting point
    log_vocab_size: float
    n_params: int
    train_tokens: int
    heldout_tokens: int
    # one entry per evaluation at ``steps``; samples are {"step", "text"}
    steps: list[int]
    train_loss: list[float]
    heldout_loss: list[float]
    heldout_perplexity: list[float]
    samples: list[dict]
    # the bigram baseline (counts of character pairs, add-k smoothed) on the held-out text
    bigram_heldout_loss: float
    bigram_smoothing_k: float
    sample_prompt: str
    # top-k next characters after the metformin prompt
    next_token: dict
    # per layer, per head, a T x T matrix on the probe sentence
    attention: dict
    # the GPT in eval mode, and the tokenizer it reads with
    model: GPT
    tokenizer: CharTokenizer


def train(
    config: PretrainConfig, data: LLMData, device: str = "cpu", progress: Progress | None = None
) -> PretrainResult:
    """Pretrain a GPT on data.corpus; progress(step, max_steps, message) at every evaluation."""
    torch.manual_seed(config.seed)
    generator = torch.Generator().manual_seed(config.seed)

    # 1. Tokenize the corpus and hold out its end.
    tokenizer = data.tokenizer()
    ids = torch.tensor(tokenizer.encode(data.corpus))
    train_ids, heldout_ids = split_corpus(ids, config.heldout_fraction)
    heldout_windows = covering_windows(heldout_ids, config.seq_len)
    # Train loss is measured on fixed random windows, as many as the held-out set fills,
    # so the two curves are estimated from about the same number of tokens.
    eval_gen = torch.Generator().manual_seed(config.seed + 1)
    n_windows = max(1, (len(heldout_ids) - 1) // config.seq_len)
    train_windows = [sample_windows(train_ids, config.seq_len, n_windows, eval_gen)]

    # 2. Baselines on the same held-out targets.
    log_v = math.log(tokenizer.vocab_size)
    bigram, bigram_k = best_bigram_loss(train_ids, heldout_ids, tokenizer.vocab_size)

    # 3. The model and its optimiser. Following GPT-2/nanoGPT, weight decay applies to
    # matrices only, not to biases and LayerNorm gains.
    model = GPT(config.gpt_config(tokenizer.vocab_size)).to(device)
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": config.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=config.learning_rate,
        betas=(0.9, 0.95),
    )

    history: dict[str, list] = {
        "steps": [],
        "train_loss": [],
        "heldout_loss": [],
        "heldout_perplexity": [],
        "samples": [],
    }

    def evaluate(step: int) -> None:
        heldout = mean_loss(model, heldout_windows, device)
        history["steps"].append(step)
        history["train_loss"].append(mean_loss(model, train_windows, device))
        history["heldout_loss"].append(heldout)
        # Perplexity $= e^{\mathcal{L}}$: the model is as unsure as a uniform choice among this many.
        history["heldout_perplexity"].append(math.exp(heldout))
        history["samples"].append(
            {
                "step": step,
                "text": sample_text(
                    model,
                    tokenizer,
                    config.sample_prompt,
                    config.sample_tokens,
                    config.sample_temperature,
                    config.seed,
                    device,
                ),
            }
        )
        if progress is not None:
            progress(step, config.max_steps, f"pretrain held-out loss {heldout:.3f}")

    # 4. The training loop: sample windows, predict every next token, step downhill.
    model.train()
    for step in range(config.max_steps):
        if step % config.eval_interval == 0:
            evaluate(step)
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(step, config)
        x, y = sample_windows(train_ids, config.seq_len, config.batch_size, generator)
        _, loss = model(x.to(device), y.to(device))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
        optimizer.step()
    evaluate(config.max_steps)
    model.eval()

    return PretrainResult(
        config=asdict(config),
        vocab_size=tokenizer.vocab_size,
        log_vocab_size=log_v,
        n_params=model.num_params(),
        train_tokens=len(train_ids),
        heldout_tokens=len(heldout_ids) - 1,
        **history,
        bigram_heldout_loss=bigram,
        bigram_smoothing_k=bigram_k,
        sample_prompt=config.sample_prompt,
        next_token=next_token_report(model, tokenizer, format_prompt(data.metformin.prompt), config.top_k, device),
        attention=attention_report(model, tokenizer, data.probe_sentence, device),
        model=model,
        tokenizer=tokenizer,
    )
