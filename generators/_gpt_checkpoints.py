"""The LLM stages' hand-over: each stage saves its GPT, the next one loads it.

Checkpoints go through ``engine.checkpoints``, so a stage only ever loads the network
that belongs to the upstream outputs it reads; here they are also checked against the
data's vocabulary.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from engine import checkpoints
from engine.contract import GeneratorError, RunContext

DATA_DIR = "models/data/llm"


def gpt_payload(model: Any, tokens: list[str]) -> dict[str, Any]:
    return {"gpt_config": asdict(model.config), "state_dict": model.state_dict(), "tokens": tokens}


def load_stage(ctx: RunContext, stage: str, tokens: list[str]) -> dict[str, Any]:
    """``stage``'s checkpoint, checked against the data's vocabulary as well."""
    checkpoint = checkpoints.load(ctx, stage)
    if checkpoint["tokens"] != tokens:
        raise GeneratorError(
            f"{stage}'s vocabulary differs from the data's: {DATA_DIR} changed since; "
            f"re-run it: python -m generators --force {stage}"
        )
    return checkpoint


def load_gpt(ctx: RunContext, stage: str, tokens: list[str] | None = None) -> Any:
    """The GPT that ``stage`` trained, on ctx.device in eval mode. ``tokens`` defaults to
    the vocabulary the checkpoint was trained with."""
    from models.gpt import GPT, GPTConfig

    checkpoint = load_stage(ctx, stage, tokens) if tokens is not None else checkpoints.load(ctx, stage)
    model = GPT(GPTConfig(**checkpoint["gpt_config"])).to(ctx.device)
    model.load_state_dict(checkpoint["state_dict"])
    return model.eval()


def load_reward_model(ctx: RunContext, tokens: list[str]) -> Any:
    """The reward model gpt_reward saved, on ctx.device in eval mode."""
    from models.gpt import GPT, GPTConfig
    from models.gpt_reward import RewardModel

    checkpoint = load_stage(ctx, "gpt_reward", tokens)
    model = RewardModel(GPT(GPTConfig(**checkpoint["gpt_config"]))).to(ctx.device)
    model.load_state_dict(checkpoint["state_dict"])
    return model.eval()
