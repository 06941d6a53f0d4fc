"""A tiny decoder-only transformer (GPT), small enough to train on a laptop CPU.

The shape of GPT-2 (Radford et al., 2019) in the layout of nanoGPT: token and position
embeddings, a stack of pre-norm blocks (masked self-attention, then an MLP), a final
LayerNorm and a linear layer that scores every token of the vocabulary. All four stages of
the lecture (pretraining, SFT, reward model, DPO) train this one network.

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
    # tokenizer; a model that guesses uniformly has loss log(V).
    vocab_size: int = 64
    # The longest context the model can see. The position table has this many rows, so
    # every prompt + response must fit in it.
    block_size: int = 256
    # Depth: each block lets every position gather information from earlier ones once more.
    n_layer: int = 3
    # Heads split the C channels into n_head independent attention patterns.
    n_head: int = 4
    # C, the width of the residual stream. Must be divisible by n_head.
    n_embd: int = 96
    # Randomly zeroes activations while training. With a corpus of a few tens of kilobytes
    # the model memorises quickly; dropout slows that down.
    dropout: float = 0.1


def causal_attention(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Masked scaled dot-product attention; returns the output and the attention weights.

    q, k, v: (B, n_head, T, head_size). Output (B, n_head, T, head_size), weights
    (B, n_head, T, T) where row t is a probability distribution over positions 0..t.
    """
    T, head_size = q.size(-2), q.size(-1)
    # scores_ts = q_t . k_s / sqrt(d_k)   (Vaswani et al., 2017, eq. 1)
    # Dividing by sqrt(d_k) keeps the scores at unit scale, so the softmax does not
    # saturate at initialisation.
    scores = q @ k.transpose(-2, -1) / math.sqrt(head_size)  # (B, nh, T, T)
    # Causal mask: position t may only look at s <= t. Setting the future to -inf makes its
    # softmax weight exactly 0, which is why the heatmap is empty above the diagonal.
    future = torch.ones(T, T, dtype=torch.bool, device=q.device).triu(diagonal=1)
    scores = scores.masked_fill(future, float("-inf"))
    # a_ts = softmax_s(scores_ts): each row sums to 1.
    att = F.softmax(scores, dim=-1)  # (B, nh, T, T)
    # y_t = sum_s a_ts v_s: a weighted average of the values of the visible positions.
    y = att @ v  # (B, nh, T, head_size)
    return y, att


class CausalSelfAttention(nn.Module):
    def __init__(self, config: GPTConfig):
        super().__init__()
        assert config.n_embd % config.n_head == 0, "n_embd must be divisible by n_head"
        self.n_head = config.n_head
        # One matrix computes q = x W_q, k = x W_k and v = x W_v for all heads at once.
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd)
        # W_O mixes the heads' outputs back into the residual stream.
        self.c_proj = nn.Linear(config.n_embd, config.n_embd)
        self.resid_dropout = nn.Dropout(config.dropout)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(C, dim=2)  # each (B, T, C)
        # Split the channels into heads: head h sees channels h*hs .. (h+1)*hs.
        hs = C // self.n_head
        q = q.view(B, T, self.n_head, hs).transpose(1, 2)  # (B, nh, T, hs)
        k = k.view(B, T, self.n_head, hs).transpose(1, 2)  # (B, nh, T, hs)
        v = v.view(B, T, self.n_head, hs).transpose(1, 2)  # (B, nh, T, hs)
        y, att = causal_attention(q, k, v)
        # Concatenate the heads again and project: MultiHead = Concat(head_1..head_h) W_O.
        y = y.transpose(1, 2).contiguous().view(B, T, C)  # (B, T, C)
        return self.resid_dropout(self.c_proj(y)), att


class MLP(nn.Module):
    def __init__(self, config: GPTConfig):
        super().__init__()
        # FFN(x) = GELU(x W_1) W_2 with a hidden layer 4x wider, as in GPT-2. Attention moves
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

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        # Pre-norm residual block (GPT-2):
        #   x = x + Attn(LN(x))
        #   x = x + MLP(LN(x))
        # Each sub-layer adds a correction to the residual stream instead of replacing it,
        # which keeps gradients flowing through a deep stack.
        a, att = self.attn(self.ln_1(x))
        x = x + a
        x = x + self.mlp(self.ln_2(x))
        return x, att


class GPT(nn.Module):
    def __init__(self, config: GPTConfig):
        super().__init__()
        self.config = config
        self.wte = nn.Embedding(config.vocab_size, config.n_embd)  # token embeddings
        self.wpe = nn.Embedding(config.block_size, config.n_embd)  # position embeddings
        self.drop = nn.Dropout(config.dropout)
        self.h = nn.ModuleList([Block(config) for _ in range(config.n_layer)])
        self.ln_f = nn.LayerNorm(config.n_embd)
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        # Weight tying (Press & Wolf, 2017): the output layer reuses the embedding table, so
        # a token's score is the dot product of the final hidden state with its embedding.
        self.lm_head.weight = self.wte.weight

        # GPT-2 initialisation: N(0, 0.02) everywhere, and the projections that write into
        # the residual stream scaled by 1/sqrt(2 n_layer), so the stream's variance does not
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

    def hidden_states(self, idx: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Final hidden states (B, T, C) and each layer's attention weights (B, nh, T, T)."""
        B, T = idx.size()
        assert T <= self.config.block_size, f"sequence of {T} tokens > block_size"
        # h_0 = W_e[x_t] + W_p[t]: what the token is, plus where it is.
        pos = torch.arange(T, device=idx.device)
        x = self.drop(self.wte(idx) + self.wpe(pos))  # (B, T, C)
        attentions = []
        for block in self.h:
            x, att = block(x)
            attentions.append(att)
        return self.ln_f(x), attentions  # (B, T, C)

    def forward(
        self, idx: torch.Tensor, targets: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Logits (B, T, V) for the next token at every position, and the mean loss.

        loss = -1/N sum_t log p(x_{t+1} | x_{<=t}) over the N targets not equal to
        IGNORE_INDEX.
        """
        h, _ = self.hidden_states(idx)
        logits = self.lm_head(h)  # (B, T, V)
        if targets is None:
            return logits, None
        loss = F.cross_entropy(
            logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=IGNORE_INDEX
        )
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
    ) -> torch.Tensor:
        """Extend idx (B, T) one token at a time; returns (B, T + new tokens).

        temperature 0 is greedy decoding (always the most likely token). Otherwise sample
        from softmax(logits / temperature) with `generator`, so a seed fixes the text.
        Stops early once every row has produced eos_id.
        """
        finished = torch.zeros(idx.size(0), dtype=torch.bool, device=idx.device)
        for _ in range(max_new_tokens):
            # The position table has block_size rows: keep only the latest tokens.
            context = idx[:, -self.config.block_size :]
            logits, _ = self(context)
            logits = logits[:, -1, :]  # (B, V) scores for the next token
            if temperature == 0.0:
                next_id = logits.argmax(dim=-1, keepdim=True)  # (B, 1)
            else:
                probs = F.softmax(logits / temperature, dim=-1).cpu()
                next_id = torch.multinomial(probs, 1, generator=generator).to(idx.device)
            idx = torch.cat([idx, next_id], dim=1)
            if eos_id is not None:
                finished |= next_id.squeeze(1) == eos_id
                if bool(finished.all()):
                    break
        return idx
