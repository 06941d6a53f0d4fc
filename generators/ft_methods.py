"""Fine-tuning track 1: full, last layer, LoRA ranks and EWC on the tiny GPT, adapted to vet notes."""

from __future__ import annotations

import time
from dataclasses import dataclass

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
    lora_lrs: tuple[float, ...] = (1e-3, 3e-3, 1e-2)
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


def _f(x: float) -> float:
    return float(f"{x:.4g}")


def run(ctx: RunContext) -> Result:
    import copy

    import torch

    from models.finetune import (
        Method,
        choose_by_validation,
        choose_ewc,
        diagonal_fisher,
        finetune,
        layer_group,
        learning_rate,
        load_domain,
        param_group,
        prepare,
    )
    from models.gpt_pretrain import PretrainConfig, mean_loss
    from models.gpt_pretrain import learning_rate as pretrain_rate
    from models.llm_data import covering_windows, load_llm_data
    from models.lora import LoRAConfig, set_merged

    cpu_start = time.process_time()
    config: Params = ctx.config
    ft = narrow(config, FinetuneConfig)
    data = load_llm_data(ctx.path(DATA_DIR))
    tokenizer = data.tokenizer()
    base = load_gpt(ctx, "gpt_pretrain", tokenizer.tokens)
    pre_config = PretrainConfig(**ctx.upstream["gpt_pretrain"]["config"])
    text = ctx.path(config.domain_path).read_text(encoding="ascii")
    domain = load_domain(text, tokenizer, data.corpus, pre_config.heldout_fraction, ft)

    def loss_on(ids: torch.Tensor) -> float:
        return mean_loss(base, covering_windows(ids, ft.seq_len), ctx.device)

    base_new, base_val, base_pre = loss_on(domain.heldout), loss_on(domain.val), loss_on(domain.pretrain_heldout)
    lora = {r: LoRAConfig(r=r, alpha=config.lora_alpha, targets=tuple(config.lora_targets)) for r in config.lora_ranks}
    n_runs = (
        len(config.full_lrs)
        + len(config.last_layer_lrs)
        + len(config.lora_lrs)
        + len(config.lora_ranks)
        + len(config.ewc_lambdas)
    )  # + QLoRA - the grid rank, which the rank sweep reuses
    done = [0]

    def run_one(method: Method, fisher=None):
        result = finetune(base, method, ft, domain, fisher)
        done[0] += 1
        ctx.progress(
            done[0],
            n_runs,
            f"{method.label} at lr {method.learning_rate:g}: validation loss "
            f"{result.new_val_loss:.3f}, forgetting {result.pretrain_heldout_loss - base_pre:+.3f}",
        )
        return result

    # 1. A learning-rate grid per method, judged on validation text only.
    grids = {
        "full": [run_one(Method("full", lr)) for lr in config.full_lrs],
        "last_layer": [run_one(Method("last_layer", lr)) for lr in config.last_layer_lrs],
        "lora": [run_one(Method("lora", lr, lora[config.grid_rank])) for lr in config.lora_lrs],
    }
    chosen = {kind: choose_by_validation(runs) for kind, runs in grids.items()}
    full, lora_grid_run = chosen["full"], chosen["lora"]

    # 2. The rank sweep at the chosen LoRA rate.
    by_rank = {config.grid_rank: lora_grid_run}
    for r in config.lora_ranks:
        if r not in by_rank:
            by_rank[r] = run_one(Method("lora", lora_grid_run.method.learning_rate, lora[r]))

    # QLoRA: the same adapters and rate, over a base stored in 4-bit NF4.
    qlora = run_one(Method("qlora", lora_grid_run.method.learning_rate, lora[config.grid_rank]))

    # 3. EWC: the Fisher of the pretraining data, then a lambda grid at full FT's rate.
    fisher = diagonal_fisher(base, domain.pretrain_train, ft)
    ewc_grid = [run_one(Method("ewc", full.method.learning_rate, ewc_lambda=lam), fisher) for lam in config.ewc_lambdas]
    ewc = choose_ewc(ewc_grid, base_val, full.new_val_loss, config.ewc_keep)

    # 4. Too high a rate: full fine-tuning at pretraining's peak rate.
    too_high_lr = pre_config.learning_rate
    too_high = next((r for r in grids["full"] if r.method.learning_rate == too_high_lr), None)
    if too_high is None:
        n_runs += 1
        too_high = run_one(Method("full", too_high_lr))

    # 5. LoRA's two exact claims: B = 0 gives the base back, and merging changes nothing.
    probe = covering_windows(domain.pretrain_heldout, ft.seq_len)[0][0][:8].to(ctx.device)  # (8, T)
    with torch.no_grad():
        base_logits = base(probe)[0]
        init_diff = (prepare(base, Method("lora", 0.0, lora[config.grid_rank]))(probe)[0] - base_logits).abs().max()
        # Merging is exact in real arithmetic; the check runs in float64 so that float32
        # rounding of the logits (about 1e-5 at their size) cannot hide a real error. The
        # float32 figure is reported beside it.
        merge_diff = {}
        for dtype in (torch.float64, torch.float32):
            adapted = copy.deepcopy(lora_grid_run.model).to(dtype)
            unmerged = adapted(probe)[0]
            set_merged(adapted, True)
            merge_diff[dtype] = (adapted(probe)[0] - unmerged).abs().max()

    r8 = config.grid_rank
    finals = {"full": full, "last_layer": chosen["last_layer"], f"lora_r{r8}": lora_grid_run, "ewc": ewc}
    finals.update({f"lora_r{r}": run for r, run in by_rank.items()})
    finals[f"qlora_r{r8}"] = qlora
    summary = {
        # CPU seconds of this process: on a busy machine a better guide than wall time to the
        # time an idle one would take (with one thread, about equal to it).
        "cpu_seconds": time.process_time() - cpu_start,
        "base_new_loss": base_new,
        "base_val_loss": base_val,
        "base_pretrain_loss": base_pre,
        "lora_init_max_abs_diff": float(init_diff),
        "lora_merge_max_abs_diff": float(merge_diff[torch.float64]),
        "lora_merge_max_abs_diff_fp32": float(merge_diff[torch.float32]),
        "ewc_lambda": ewc.method.ewc_lambda,
        "ewc_keep_pct": round(100 * config.ewc_keep),
        "too_high_lr": too_high_lr,
        "too_high_forgetting": too_high.pretrain_heldout_loss - base_pre,
        "too_high_new_loss": too_high.new_heldout_loss,
        "pretrain_lr": pre_config.learning_rate,
        "pretrain_steps": pre_config.max_steps,
        "steps": ft.steps,
        "batch_size": ft.batch_size,
        "seq_len": ft.seq_len,
        "lora_alpha": config.lora_alpha,
        "grid_rank": r8,
        "lora_lr": lora_grid_run.method.learning_rate,
        "lora_scaling": config.lora_alpha / r8,
        "domain_chars": len(text),
        "domain_train_chars": len(domain.train),
        "domain_val_chars": len(domain.val),
        "domain_heldout_chars": len(domain.heldout),
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
    for key, run in finals.items():
        summary[f"{key}_new_loss"] = run.new_heldout_loss
        summary[f"{key}_val_loss"] = run.new_val_loss
        summary[f"{key}_forgetting"] = run.pretrain_heldout_loss - base_pre
        summary[f"{key}_trainable_params"] = run.trainable_params
        summary[f"{key}_lr"] = run.method.learning_rate
        summary[f"{key}_adaptation_fraction"] = (base_new - run.new_heldout_loss) / (base_new - full.new_heldout_loss)
        summary[f"{key}_params_fraction"] = run.trainable_params / full.trainable_params

    charts = [
        *lora_charts(base, lora_grid_run, full, r8, config.lora_alpha),
        *sweep_charts(by_rank, finals, base_pre, base_new),
        curves_chart(
            "forgetting_curves",
            "Forgetting during fine-tuning",
            {
                "full": full,
                f"LoRA r={r8}": lora_grid_run,
                f"QLoRA r={r8}": qlora,
                f"EWC, lambda = {ewc.method.ewc_lambda:g}": ewc,
                "last layer": chosen["last_layer"],
            },
            base_pre,
            pretrain=True,
        ),
        curves_chart(
            "adaptation_curves",
            "Adaptation: loss on the held-out vet notes",
            {
                "full": full,
                f"LoRA r={r8}": lora_grid_run,
                f"QLoRA r={r8}": qlora,
                f"EWC, lambda = {ewc.method.ewc_lambda:g}": ewc,
                "last layer": chosen["last_layer"],
            },
            base_new,
            pretrain=False,
        ),
        curves_chart(
            "lr_forgetting",
            "Full fine-tuning: forgetting at each learning rate",
            {
                f"lr {r.method.learning_rate:g}" + (" (pretraining's peak)" if r is too_high else ""): r
                for r in [*grids["full"], *([] if too_high in grids["full"] else [too_high])]
            },
            base_pre,
            pretrain=True,
        ),
        lr_chart(pre_config, ft, chosen, pretrain_rate, learning_rate),
        grad_chart(full),
        fisher_chart(fisher, layer_group, param_group),
    ]
    rows = [
        [
            key.replace("_", " "),
            run.trainable_params,
            f"{run.trainable_params / full.trainable_params:.1%}",
            f"{run.method.learning_rate:g}",
            _f(run.new_heldout_loss),
            _f(base_new - run.new_heldout_loss),
            _f(run.pretrain_heldout_loss - base_pre),
        ]
        for key, run in sorted(finals.items(), key=lambda kv: kv[1].trainable_params)
    ]
    grid_rows = [
        [
            kind.replace("_", " "),
            f"{r.method.learning_rate:g}",
            _f(r.new_val_loss),
            "chosen" if r is chosen[kind] else "",
        ]
        for kind, runs in grids.items()
        for r in runs
    ]
    grid_rows += [
        [
            "ewc",
            f"lambda {r.method.ewc_lambda:g} (lr {r.method.learning_rate:g})",
            _f(r.new_val_loss),
            "chosen" if r is ewc else "",
        ]
        for r in ewc_grid
    ]
    return Result(
        metrics={
            "summary": summary,
            "methods_table": {
                "columns": [
                    "method",
                    "trainable parameters",
                    "share of full FT",
                    "learning rate",
                    "held-out vet-notes loss",
                    "drop from base",
                    "forgetting",
                ],
                "rows": rows,
            },
            "grid_table": {"columns": ["method", "setting", "validation loss", ""], "rows": grid_rows},
            "fisher_table": fisher_table(fisher, layer_group),
        },
        charts=charts,
    )
