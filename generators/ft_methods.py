"""Fine-tuning track 1: full, last layer, LoRA ranks and EWC on the tiny GPT, adapted to vet notes."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from engine.contract import Result, RunContext
from engine.params import narrow
from generators._ft_charts import (
    curves_chart,
    fisher_chart,
    fisher_table,
    grad_chart,
    lora_charts,
    lr_chart,
    sweep_charts,
)
from generators._gpt_checkpoints import DATA_DIR, load_gpt
from generators._report_format import four_digits
from models.finetune import FinetuneConfig

UPSTREAM = ("gpt_pretrain",)
DATA_FILES = (
    "models/data/llm/corpus.txt",
    "models/data/llm/sft.jsonl",
    "models/data/llm/preferences.jsonl",
    "models/data/llm/cases.json",
)


@dataclass
class Params(FinetuneConfig):
    # The new text domain (a _path param: replacing the file re-runs this generator).
    domain_path: str = "models/data/finetune/vet_notes.txt"
    # Learning-rate grids, one per method; each method keeps the rate with the lowest
    # validation loss. Full and last-layer fine-tuning move pretrained weights, so their
    # rates sit below pretraining's; LoRA's adapters start from nothing and take larger steps.
    full_lrs: tuple[float, ...] = (3e-4, 1e-3, 3e-3)
    last_layer_lrs: tuple[float, ...] = (1e-3, 3e-3, 1e-2)
    lora_lrs: tuple[float, ...] = (1e-3, 3e-3, 1e-2, 3e-2)
    # The rate grid runs at this rank; the other ranks reuse its rate (alpha / r scaling
    # keeps the update's size independent of r).
    grid_rank: int = 8
    lora_ranks: tuple[int, ...] = (1, 2, 4, 8, 16)
    lora_alpha: float = 16.0
    lora_targets: tuple[str, ...] = ("attn.c_attn", "attn.c_proj")
    # EWC runs at full fine-tuning's chosen rate; lambda is the strongest of the grid that
    # keeps at least ewc_keep of full fine-tuning's drop in validation loss.
    ewc_lambdas: tuple[float, ...] = (10.0, 100.0, 1000.0, 10000.0)
    ewc_keep: float = 0.8


PARAMS = Params


@dataclass
class _Setup:
    """What every step reads: the pretrained base, the vet-notes domain and the base's losses."""

    ctx: RunContext
    config: Params
    ft: FinetuneConfig
    pre_config: Any  # PretrainConfig of the upstream run
    base: Any  # the pretrained GPT, never trained here
    domain: Any  # DomainData: vet-notes splits and pretraining's own splits
    domain_chars: int
    base_new: float  # base loss on the held-out vet notes
    base_val: float  # base loss on the vet-notes validation text
    base_pre: float  # base loss on pretraining's held-out text: forgetting is measured from it


@dataclass
class _Trained:
    """Every fine-tuning run, and the choices made among them."""

    grids: dict  # method -> its learning-rate grid, judged on validation text
    chosen: dict  # method -> the grid run with the lowest validation loss
    by_rank: dict  # LoRA rank -> its run at the chosen LoRA rate
    qlora: Any
    fisher: dict
    ewc_grid: list
    ewc: Any
    too_high: Any  # full fine-tuning at pretraining's peak rate


class _Runs:
    """Fine-tunes the base once per call and reports progress against the planned count."""

    def __init__(self, setup: _Setup) -> None:
        config = setup.config
        self.setup = setup
        self.done = 0
        self.planned = (
            len(config.full_lrs)
            + len(config.last_layer_lrs)
            + len(config.lora_lrs)
            + len(config.lora_ranks)
            + len(config.ewc_lambdas)
        )  # + QLoRA - the grid rank, which the rank sweep reuses

    def __call__(self, method, fisher=None):
        from models.finetune import finetune

        s = self.setup
        result = finetune(s.base, method, s.ft, s.domain, fisher)
        self.done += 1
        s.ctx.progress(
            self.done,
            self.planned,
            f"{method.label} at lr {method.learning_rate:g}: validation loss "
            f"{result.new_val_loss:.3f}, forgetting {result.pretrain_heldout_loss - s.base_pre:+.3f}",
        )
        return result


def grid_edge(grid: tuple[float, ...] | list[float], chosen: float) -> str:
    """Where the chosen value sits in its grid: "lowest", "highest", "only" (a grid of one) or
    "inside". At an edge the grid cannot show whether a value beyond it would do better."""
    values = sorted(set(grid))
    if chosen not in values:
        raise ValueError(f"{chosen!r} is not in its grid {values}")
    if len(values) == 1:
        return "only"
    return "lowest" if chosen == values[0] else "highest" if chosen == values[-1] else "inside"


def _setup(ctx: RunContext) -> _Setup:
    from models.finetune import load_domain
    from models.gpt_pretrain import PretrainConfig, mean_loss
    from models.llm_data import covering_windows, load_llm_data

    config: Params = ctx.config
    ft = narrow(config, FinetuneConfig)
    data = load_llm_data(ctx.path(DATA_DIR))
    tokenizer = data.tokenizer()
    base = load_gpt(ctx, "gpt_pretrain", tokenizer.tokens)
    pre_config = PretrainConfig(**ctx.upstream["gpt_pretrain"]["config"])
    text = ctx.path(config.domain_path).read_text(encoding="ascii")
    domain = load_domain(text, tokenizer, data.corpus, pre_config.heldout_fraction, ft)

    def loss_on(ids) -> float:
        return mean_loss(base, covering_windows(ids, ft.seq_len), ctx.device)

    base_new, base_val, base_pre = loss_on(domain.heldout), loss_on(domain.val), loss_on(domain.pretrain_heldout)
    return _Setup(ctx, config, ft, pre_config, base, domain, len(text), base_new, base_val, base_pre)


def _train(s: _Setup, runs: _Runs, lora: dict) -> _Trained:
    from models.finetune import Method, choose_by_validation, choose_ewc, diagonal_fisher

    config = s.config
    # 1. A learning-rate grid per method, judged on validation text only.
    grids = {
        "full": [runs(Method("full", lr)) for lr in config.full_lrs],
        "last_layer": [runs(Method("last_layer", lr)) for lr in config.last_layer_lrs],
        "lora": [runs(Method("lora", lr, lora[config.grid_rank])) for lr in config.lora_lrs],
    }
    chosen = {kind: choose_by_validation(grid) for kind, grid in grids.items()}
    full, lora_grid_run = chosen["full"], chosen["lora"]

    # 2. The rank sweep at the chosen LoRA rate.
    by_rank = {config.grid_rank: lora_grid_run}
    for r in config.lora_ranks:
        if r not in by_rank:
            by_rank[r] = runs(Method("lora", lora_grid_run.method.learning_rate, lora[r]))

    # QLoRA: the same adapters and rate, over a base stored in 4-bit NF4.
    qlora = runs(Method("qlora", lora_grid_run.method.learning_rate, lora[config.grid_rank]))

    # 3. EWC: the Fisher of the pretraining data, then a lambda grid at full FT's rate.
    fisher = diagonal_fisher(s.base, s.domain.pretrain_train, s.ft)
    ewc_grid = [runs(Method("ewc", full.method.learning_rate, ewc_lambda=lam), fisher) for lam in config.ewc_lambdas]
    ewc = choose_ewc(ewc_grid, s.base_val, full.new_val_loss, config.ewc_keep)

    # 4. Too high a rate: full fine-tuning at pretraining's peak rate.
    too_high_lr = s.pre_config.learning_rate
    too_high = next((r for r in grids["full"] if r.method.learning_rate == too_high_lr), None)
    if too_high is None:
        runs.planned += 1
        too_high = runs(Method("full", too_high_lr))
    return _Trained(grids, chosen, by_rank, qlora, fisher, ewc_grid, ewc, too_high)


def _lora_checks(s: _Setup, lora_config, lora_run) -> dict:
    """5. LoRA's two exact claims: B = 0 gives the base back, and merging changes nothing."""
    import copy

    import torch

    from models.finetune import Method, prepare
    from models.llm_data import covering_windows
    from models.lora import set_merged

    probe = covering_windows(s.domain.pretrain_heldout, s.ft.seq_len)[0][0][:8].to(s.ctx.device)  # (8, T)
    with torch.no_grad():
        base_logits = s.base(probe)[0]
        init_diff = (prepare(s.base, Method("lora", 0.0, lora_config))(probe)[0] - base_logits).abs().max()
        # Merging is exact in real arithmetic; the check runs in float64 so that float32
        # rounding of the logits (about 1e-5 at their size) cannot hide a real error. The
        # float32 figure is reported beside it.
        merge_diff = {}
        for dtype in (torch.float64, torch.float32):
            adapted = copy.deepcopy(lora_run.model).to(dtype)
            unmerged = adapted(probe)[0]
            set_merged(adapted, True)
            merge_diff[dtype] = (adapted(probe)[0] - unmerged).abs().max()
    return {
        "lora_init_max_abs_diff": float(init_diff),
        "lora_merge_max_abs_diff": float(merge_diff[torch.float64]),
        "lora_merge_max_abs_diff_fp32": float(merge_diff[torch.float32]),
    }


def _finals(config: Params, t: _Trained) -> dict:
    """The run each method ends with, keyed as the summary names it."""
    r8 = config.grid_rank
    finals = {
        "full": t.chosen["full"],
        "last_layer": t.chosen["last_layer"],
        f"lora_r{r8}": t.chosen["lora"],
        "ewc": t.ewc,
    }
    finals.update({f"lora_r{r}": run for r, run in t.by_rank.items()})
    finals[f"qlora_r{r8}"] = t.qlora
    return finals


def _summary(s: _Setup, t: _Trained, finals: dict, checks: dict, n_runs: int, cpu_start: float) -> dict:
    config, ft, pre_config, base = s.config, s.ft, s.pre_config, s.base
    r8 = config.grid_rank
    lora_grid_run = t.chosen["lora"]
    summary = {
        # CPU seconds of this process: on a busy machine a better guide than wall time to the
        # time an idle one would take (with one thread, about equal to it).
        "cpu_seconds": time.process_time() - cpu_start,
        "base_new_loss": s.base_new,
        "base_val_loss": s.base_val,
        "base_pretrain_loss": s.base_pre,
        **checks,
        "ewc_lambda": t.ewc.method.ewc_lambda,
        "ewc_keep_pct": round(100 * config.ewc_keep),
        "too_high_lr": pre_config.learning_rate,
        "too_high_forgetting": t.too_high.pretrain_heldout_loss - s.base_pre,
        "too_high_new_loss": t.too_high.new_heldout_loss,
        "pretrain_lr": pre_config.learning_rate,
        "pretrain_steps": pre_config.max_steps,
        "steps": ft.steps,
        "batch_size": ft.batch_size,
        "seq_len": ft.seq_len,
        "lora_alpha": config.lora_alpha,
        "grid_rank": r8,
        "lora_lr": lora_grid_run.method.learning_rate,
        "lora_rank_count": len(config.lora_ranks),
        "lora_scaling": config.lora_alpha / r8,
        "domain_chars": s.domain_chars,
        "domain_train_chars": len(s.domain.train),
        "domain_val_chars": len(s.domain.val),
        "domain_heldout_chars": len(s.domain.heldout),
        "fisher_windows": ft.fisher_windows,
        "runs": n_runs,
        "c_attn_in": base.h[0].attn.c_attn.in_features,
        "c_attn_out": base.h[0].attn.c_attn.out_features,
        "c_proj_in": base.h[0].attn.c_proj.in_features,
        "c_proj_out": base.h[0].attn.c_proj.out_features,
        "n_layer": len(base.h),
        "lora_params_per_block_per_rank": sum(
            m.in_features + m.out_features for m in (base.h[0].attn.c_attn, base.h[0].attn.c_proj)
        ),
    }
    # Each grid's choice against the grid's edges (the page says when a choice is at one).
    for kind, grid in t.grids.items():
        summary[f"{kind}_lr_edge"] = grid_edge(
            [r.method.learning_rate for r in grid], t.chosen[kind].method.learning_rate
        )
    summary["lr_choices_at_edge"] = sum(summary[f"{kind}_lr_edge"] != "inside" for kind in t.grids)
    summary["ewc_lambda_edge"] = grid_edge(config.ewc_lambdas, t.ewc.method.ewc_lambda)
    full = t.chosen["full"]
    for key, run in finals.items():
        summary[f"{key}_new_loss"] = run.new_heldout_loss
        summary[f"{key}_val_loss"] = run.new_val_loss
        summary[f"{key}_forgetting"] = run.pretrain_heldout_loss - s.base_pre
        summary[f"{key}_trainable_params"] = run.trainable_params
        summary[f"{key}_lr"] = run.method.learning_rate
        summary[f"{key}_adaptation_fraction"] = (s.base_new - run.new_heldout_loss) / (
            s.base_new - full.new_heldout_loss
        )
        summary[f"{key}_params_fraction"] = run.trainable_params / full.trainable_params
    return summary


def _charts(s: _Setup, t: _Trained, finals: dict) -> list:
    from models.finetune import layer_group, learning_rate, param_group
    from models.gpt_pretrain import learning_rate as pretrain_rate

    config = s.config
    r8 = config.grid_rank
    full, lora_grid_run = t.chosen["full"], t.chosen["lora"]
    compared = {
        "full": full,
        f"LoRA r={r8}": lora_grid_run,
        f"QLoRA r={r8}": t.qlora,
        f"EWC, lambda = {t.ewc.method.ewc_lambda:g}": t.ewc,
        "last layer": t.chosen["last_layer"],
    }
    return [
        *lora_charts(s.base, lora_grid_run, full, r8, config.lora_alpha),
        *sweep_charts(t.by_rank, finals, s.base_pre, s.base_new),
        curves_chart("forgetting_curves", "Forgetting during fine-tuning", compared, s.base_pre, pretrain=True),
        curves_chart(
            "adaptation_curves", "Adaptation: loss on the held-out vet notes", compared, s.base_new, pretrain=False
        ),
        curves_chart(
            "lr_forgetting",
            "Full fine-tuning: forgetting at each learning rate",
            {
                f"lr {r.method.learning_rate:g}" + (" (pretraining's peak)" if r is t.too_high else ""): r
                for r in [*t.grids["full"], *([] if t.too_high in t.grids["full"] else [t.too_high])]
            },
            s.base_pre,
            pretrain=True,
        ),
        lr_chart(s.pre_config, s.ft, t.chosen, pretrain_rate, learning_rate),
        grad_chart(full),
        fisher_chart(t.fisher, layer_group, param_group),
    ]


def _methods_table(s: _Setup, finals: dict) -> dict:
    full = finals["full"]
    rows = [
        [
            key.replace("_", " "),
            run.trainable_params,
            f"{run.trainable_params / full.trainable_params:.1%}",
            f"{run.method.learning_rate:g}",
            four_digits(run.new_heldout_loss),
            four_digits(s.base_new - run.new_heldout_loss),
            four_digits(run.pretrain_heldout_loss - s.base_pre),
        ]
        for key, run in sorted(finals.items(), key=lambda kv: kv[1].trainable_params)
    ]
    columns = [
        "method",
        "trainable parameters",
        "share of full FT",
        "learning rate",
        "held-out vet-notes loss",
        "drop from base",
        "forgetting",
    ]
    return {"columns": columns, "rows": rows}


_CHOSEN = {
    "inside": "chosen",
    "lowest": "chosen: lowest of the grid",
    "highest": "chosen: highest of the grid",
    "only": "the only value tried",
}


def _grid_table(t: _Trained, summary: dict) -> dict:
    rows = [
        [
            kind.replace("_", " "),
            f"{r.method.learning_rate:g}",
            four_digits(r.new_val_loss),
            _CHOSEN[summary[f"{kind}_lr_edge"]] if r is t.chosen[kind] else "",
        ]
        for kind, runs in t.grids.items()
        for r in runs
    ]
    rows += [
        [
            "ewc",
            f"lambda {r.method.ewc_lambda:g} (lr {r.method.learning_rate:g})",
            four_digits(r.new_val_loss),
            _CHOSEN[summary["ewc_lambda_edge"]] if r is t.ewc else "",
        ]
        for r in t.ewc_grid
    ]
    return {"columns": ["method", "setting", "validation loss", ""], "rows": rows}


def run(ctx: RunContext) -> Result:
    from models.finetune import layer_group
    from models.lora import LoRAConfig

    cpu_start = time.process_time()
    s = _setup(ctx)
    config = s.config
    lora = {r: LoRAConfig(r=r, alpha=config.lora_alpha, targets=tuple(config.lora_targets)) for r in config.lora_ranks}
    runs = _Runs(s)
    t = _train(s, runs, lora)
    checks = _lora_checks(s, lora[config.grid_rank], t.chosen["lora"])
    finals = _finals(config, t)
    summary = _summary(s, t, finals, checks, runs.planned, cpu_start)
    charts = _charts(s, t, finals)
    return Result(
        metrics={
            "summary": summary,
            "methods_table": _methods_table(s, finals),
            "grid_table": _grid_table(t, summary),
            "fisher_table": fisher_table(t.fisher, layer_group),
        },
        charts=charts,
    )
