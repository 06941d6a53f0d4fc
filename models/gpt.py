"""A tiny decoder-only transformer (GPT), small enough to train on a laptop CPU.

The shape of GPT-2 (Radford et al., 2019) in the layout of nanoGPT: token embeddings, a
stack of pre-norm blocks (masked self-attention, then an MLP), a final LayerNorm and a
linear layer that scores every token of the vocabulary. All four stages of the lecture
(pretraining, SFT, reward model, DPO) train this one network.

One change from GPT-2: word order comes from ALiBi (Press et al., 2022) instead of a
learned table of position embeddings. Each head subtracts m_h * (distance) from its
attention scores, so from the first step some heads look mostly at the last few
characters and others further back. A tiny character model then gets past "common
letters" to spelling words far sooner than with learned positions, and it can be
trained on short windows and still read the longer prompt + answer sequences of the
later stages.

Attention is written out by hand (q, k, v, a masked softmax) rather than calling
`F.scaled_dot_product_attention`, so the attention weights can be returned and drawn as a
heatmap. The tests check that both give the same answer.
"""

import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

# Targets equal to this are skipped by the cross-entropy (PyTorch's default ignore_index).
# SFT uses it to leave prompt tokens out of the loss.
IGNORE_INDEX = -100


@dataclass
class GPTConfig:
    # V: one row of the embedding table and one output score per token. Taken from the
    # tokenizer; a model that guesses uniformly has loss $\log V$.
    vocab_size: int = 64
    # The longest sequence the model reads; generation stops there. Every templated
    # prompt + response of the later stages must fit.
    block_size: int = 320
    # Depth: each block lets every position gather information from earlier ones once more.
    n_layer: int = 3
    # Heads split the C channels into n_head independent attention patterns.
    n_head: int = 4
    # C, the width of the residual stream. Must be divisible by n_head.
    n_embd: int = 96
    # Randomly zeroes activations while training, which slows memorisation. Off in this
    # lecture (see PretrainConfig); the layers stay so the idea can be tried.
    dropout: float = 0.0


def causal_mask(T_q: int, T_k: int, device: torch.device | str = "cpu") -> torch.Tensor:
    """(T_q, T_k): 0 where the query may look, -inf on keys in its future.

    The T_q queries are the last T_q of the T_k positions (T_q < T_k only when generating
    with a cache of earlier keys), so query i sits at position T_k - T_q + i.
    """
    future = torch.ones(T_q, T_k, dtype=torch.bool, device=device).triu(1 + T_k - T_q)
    return torch.zeros(T_q, T_k, device=device).masked_fill(future, float("-inf"))


def attention_bias(n_head: int, T_q: int, T_k: int, device: torch.device | str = "cpu") -> torch.Tensor:
    """What every layer adds to its attention scores, (n_head, T_q, T_k):

    bias[h, t, s] = -m_h * (t - s)   for s <= t   (ALiBi, Press et al., 2022)
                  = -inf             for s > t    (causal mask)
    """
    # The slopes form a geometric sequence $m_h = 2^{-8h / H}$, $h = 1, \dots, H$ heads: with 4
    # heads, 1/4, 1/16, 1/64 and 1/256. A steep head sees a few characters back; a
    # shallow one almost the whole sequence.
    h = torch.arange(1, n_head + 1, device=device, dtype=torch.float32)
    slopes = 2.0 ** (-8.0 * h / n_head)  # (nh,)
    t = torch.arange(T_k - T_q, T_k, device=device).view(T_q, 1)  # query positions
    s = torch.arange(T_k, device=device).view(1, T_k)  # key positions
    distance = (t - s).clamp(min=0)  # (T_q, T_k)
    return -slopes.view(n_head, 1, 1) * distance + causal_mask(T_q, T_k, device)  # (nh, T_q, T_k)


def causal_attention(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, bias: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Scaled dot-product attention with an additive bias; returns output and weights.

    q: (B, n_head, T_q, hs), k and v: (B, n_head, T_k, hs), bias: (n_head, T_q, T_k) from
    attention_bias (or (B, n_head, T_q, T_k) with padding hidden), whose -inf entries are
    the causal mask. Output (B, n_head, T_q, hs); weights (B, n_head, T_q, T_k), each row
    a probability distribution over the positions up to the query's own.
    """
    head_size = q.size(-1)
    # $s_{ts} = q_t \cdot k_s / \sqrt{d_k} + b_{ts}$ (Vaswani et al., 2017, eq. 1, plus the ALiBi bias)
    # Dividing by $\sqrt{d_k}$ keeps the scores at unit scale, so the softmax does not
    # saturate at initialisation. A future key has bias $-\infty$, so after the softmax its
    # weight is exactly 0: that is why the heatmap is empty above the diagonal.
    scores = (q / math.sqrt(head_size)) @ k.transpose(-2, -1) + bias  # (B, nh, T_q, T_k)
    # $a_{ts} = \operatorname{softmax}_s(s_{ts})$: each row sums to 1.
    att = F.softmax(scores, dim=-1)  # (B, nh, T_q, T_k)
    # $y_t = \sum_s a_{ts} v_s$: a weighted average of the values of the visible positions.
    y = att @ v  # (B, nh, T_q, hs)
    return y, att


# Keys and values of the tokens seen so far, one (k, v) pair per layer, each
# (B, n_head, T_past, head_size). Generation feeds one new token at a time and reuses them.
KVCache = list[tuple[torch.Tensor, torch.Tensor]]


class CausalSelfAttention(nn.Module):
    def __init__(self, config: GPTConfig):
        super().__init__()
        assert config.n_embd % config.n_head == 0, "n_embd must be divisible by n_head"
        self.n_head = config.n_head
        # One matrix computes $q = x W_Q$, $k = x W_K$ and $v = x W_V$ for all heads at once.
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd)
        # $W_O$ mixes the heads' outputs back into the residual stream.
        self.c_proj = nn.Linear(config.n_embd, config.n_embd)
        self.resid_dropout = nn.Dropout(config.dropout)

    def forward(
        self, x: torch.Tensor, bias: torch.Tensor, past: tuple[torch.Tensor, torch.Tensor] | None
    ) -> tuple[torch.Tensor, torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(C, dim=2)  # each (B, T, C)
        # Split the channels into heads: head h sees channels h*hs .. (h+1)*hs.
        hs = C // self.n_head
        q = q.view(B, T, self.n_head, hs).transpose(1, 2)  # (B, nh, T, hs)
        k = k.view(B, T, self.n_head, hs).transpose(1, 2)  # (B, nh, T, hs)
        v = v.view(B, T, self.n_head, hs).transpose(1, 2)  # (B, nh, T, hs)
        # KV cache: the keys and values of earlier tokens do not change when a token is
        # appended, so generation keeps them instead of recomputing the whole prefix.
        if past is not None:
            k = torch.cat([past[0], k], dim=2)  # (B, nh, T_past + T, hs)
            v = torch.cat([past[1], v], dim=2)
        y, att = causal_attention(q, k, v, bias)
        # Concatenate the heads again and project:
        # $\mathrm{MultiHead} = \mathrm{Concat}(\mathrm{head}_1, \dots, \mathrm{head}_H)\, W_O$.
        y = y.transpose(1, 2).contiguous().view(B, T, C)  # (B, T, C)
        return self.resid_dropout(self.c_proj(y)), att, (k, v)


class MLP(nn.Module):
    def __init__(self, config: GPTConfig):
        super().__init__()
        # $\mathrm{FFN}(x) = \mathrm{GELU}(x W_1)\, W_2$ with a hidden layer 4x wider, as in GPT-2. Attention moves
        # information between positions; the MLP then processes each position on its own.
        self.c_fc = nn.Linear(config.n_embd, 4 * config.n_embd)
        self.c_proj = nn.Linear(4 * config.n_embd, config.n_embd)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.dropout(self.c_proj(F.gelu(self.c_fc(x))))


class Block(nn.Module):
    def __init__(self, config: GPTConfig):
        super().__init__()
        self.ln_1 = nn.LayerNorm(config.n_embd)
        self.attn = CausalSelfAttention(config)
        self.ln_2 = nn.LayerNorm(config.n_embd)
        self.mlp = MLP(config)

    def forward(
        self, x: torch.Tensor, bias: torch.Tensor, past: tuple[torch.Tensor, torch.Tensor] | None
    ) -> tuple[torch.Tensor, torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        # Pre-norm residual block (GPT-2):
        #   x = x + Attn(LN(x))
        #   x = x + MLP(LN(x))
        # Each sub-layer adds a correction to the residual stream instead of replacing it,
        # which keeps gradients flowing through a deep stack.
        a, att, kv = self.attn(self.ln_1(x), bias, past)
        x = x + a
        x = x + self.mlp(self.ln_2(x))
        return x, att, kv


class GPT(nn.Module):
    def __init__(self, config: GPTConfig):
        super().__init__()
        self.config = config
        self.wte = nn.Embedding(config.vocab_size, config.n_embd)  # token embeddings
        self.drop = nn.Dropout(config.dropout)
        self.h = nn.ModuleList([Block(config) for _ in range(config.n_layer)])
        self.ln_f = nn.LayerNorm(config.n_embd)
        # $\text{logits} = h\, W_{\text{out}}$: one score per vocabulary token. GPT-2 ties $W_{\text{out}}$ to the
        # embedding table; this model keeps them separate, which made it learn much faster at this tiny size.
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)

        # GPT-2 initialisation: $\mathcal{N}(0, 0.02^2)$ everywhere, and the projections that write into
        # the residual stream scaled by $1/\sqrt{2 L}$ ($L$ layers), so the stream's variance does not
        # grow with depth.
        self.apply(self._init_weights)
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight"):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * config.n_layer))

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        if isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def num_params(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def hidden_states(
        self, idx: torch.Tensor, past: KVCache | None = None, pad_mask: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, list[torch.Tensor], KVCache]:
        """Final hidden states (B, T, C), each layer's attention weights (B, nh, T, T_k),
        and the keys and values up to now. `past` holds those of tokens before idx;
        pad_mask (B, T_k), if given, is True on left-padding that no token may attend to."""
        T = idx.size(1)
        T_past = 0 if past is None else past[0][0].size(2)
        assert T_past + T <= self.config.block_size, f"{T_past + T} tokens > block_size"
        # $h_0 = W_e[x_t]$: what the token is. Where it is enters each layer's attention
        # through the ALiBi bias, shared by all layers.
        x = self.drop(self.wte(idx))  # (B, T, C)
        bias = attention_bias(self.config.n_head, T, T_past + T, idx.device)  # (nh, T, T_k)
        if pad_mask is not None:
            # Generating for prompts of different lengths in one batch puts padding in front
            # of the shorter ones. Hiding the pads as keys gives each row exactly the result
            # it would get alone, since ALiBi depends only on the distance t - s. (-1e9, not
            # -inf: a pad's own row then stays finite; nothing reads it.)
            bias = bias + pad_mask[:, None, None, :] * -1e9  # (B, nh, T, T_k)
        attentions, present = [], []
        for i, block in enumerate(self.h):
            x, att, kv = block(x, bias, None if past is None else past[i])
            attentions.append(att)
            present.append(kv)
        return self.ln_f(x), attentions, present  # (B, T, C)

    def forward(
        self, idx: torch.Tensor, targets: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Logits (B, T, V) for the next token at every position, and the mean loss.

        loss = -1/N sum_t log p(x_{t+1} | x_{<=t}) over the N targets not equal to
        IGNORE_INDEX.
        """
        h, _, _ = self.hidden_states(idx)
        logits = self.lm_head(h)  # (B, T, V)
        if targets is None:
            return logits, None
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=IGNORE_INDEX)
        return logits, loss

    @torch.no_grad()
    def attention_maps(self, idx: torch.Tensor) -> list[torch.Tensor]:
        """One (B, n_head, T, T) tensor per layer: row t shows where position t looked."""
        return self.hidden_states(idx)[1]

    @torch.no_grad()
    def generate(
        self,
        idx: torch.Tensor,
        max_new_tokens: int,
        temperature: float = 0.0,
        generator: torch.Generator | None = None,
        eos_id: int | None = None,
        pad_mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Extend idx (B, T) one token at a time; returns (B, T + new tokens).

        temperature 0 is greedy decoding (always the most likely token). Otherwise sample
        from softmax(logits / temperature) with `generator`, so a seed fixes the text.
        Rows of different prompt lengths are left-padded, with pad_mask (B, T) True on the
        padding. Stops after block_size tokens in all, or once every row has produced eos_id.
        """
        B = idx.size(0)
        finished = torch.zeros(B, dtype=torch.bool, device=idx.device)
        if pad_mask is None:
            pad_mask = torch.zeros_like(idx, dtype=torch.bool)
        new_tokens, past = idx, None
        for _ in range(min(max_new_tokens, self.config.block_size - idx.size(1))):
            # Only the tokens not yet seen go through the model; the cache holds the rest.
            h, _, past = self.hidden_states(new_tokens, past, pad_mask)
            logits = self.lm_head(h[:, -1, :])  # (B, V) scores for the next token
            if temperature == 0.0:
                next_id = logits.argmax(dim=-1, keepdim=True)  # (B, 1)
            else:
                probs = F.softmax(logits / temperature, dim=-1).cpu()
                next_id = torch.multinomial(probs, 1, generator=generator).to(idx.device)
            idx = torch.cat([idx, next_id], dim=1)
            pad_mask = torch.cat([pad_mask, torch.zeros_like(next_id, dtype=torch.bool)], dim=1)
            new_tokens = next_id
            if eos_id is not None:
                finished |= next_id.squeeze(1) == eos_id
                if bool(finished.all()):
                    break
        return idx
