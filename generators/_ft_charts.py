"""Charts of the fine-tuning lecture's track 1 (generators/ft_methods.py): the LoRA picture,
the rank sweep, forgetting and learning-rate curves, gradient norms and the Fisher heatmap."""

from __future__ import annotations

from engine.charts import BarChart, BarPanel, HeatmapChart, HeatmapPanel, LineChart, ScatterChart, ScatterGroup, Series
from generators._report_format import four_digits

# The LoRA picture shows this corner of block 1's attention output matrix c_proj (96 x 96).
PICTURE = 16
# Singular values drawn for Delta W (a rank-r update has at most r that are not ~0).
SINGULAR_VALUES = 16


def lora_charts(base, lora_run, full_run, r: int, alpha: float) -> list:
    """W_0, Delta W = (alpha / r) B A and their sum on a corner of block 1's c_proj; and the
    singular values of Delta W beside those of full fine-tuning's change of the same matrix."""
    import torch

    w0 = base.h[0].attn.c_proj.weight.detach()  # (96, 96)
    adapter = lora_run.model.h[0].attn.c_proj
    delta = adapter.delta_weight().detach()  # (96, 96), rank <= r
    full_delta = full_run.model.h[0].attn.c_proj.weight.detach() - w0
    n = min(PICTURE, w0.shape[0])
    labels = [str(i + 1) for i in range(n)]

    def cells(m):
        return [[round(float(v), 4) for v in row[:n]] for row in m[:n]]

    picture = HeatmapChart(
        name="lora_picture",
        title=f"W_0 + (alpha / r) B A, r = {r}, alpha = {alpha:g}: block 1, attention output c_proj",
        panels=[
            HeatmapPanel("W_0 (pretrained, frozen)", cells(w0)),
            HeatmapPanel(f"Delta W = ({alpha:g} / {r}) B A (trained)", cells(delta)),
            HeatmapPanel("W_0 + Delta W (merged)", cells(w0 + delta)),
        ],
        x_labels=labels,
        y_labels=labels,
        x_title="input channel j",
        y_title="output channel i",
        value_label="weight",
        diverging=True,
        colorscale="RdBu",
        note=f"The top-left {n} x {n} corner of a 96 x 96 matrix. B is 96 x {r} and A is {r} x 96, "
        f"{r * 192} numbers in all against 9216 in W_0.",
    )
    k = min(SINGULAR_VALUES, w0.shape[0])
    sv_lora = torch.linalg.svdvals(delta)[:k].tolist()
    sv_full = torch.linalg.svdvals(full_delta)[:k].tolist()
    singular = BarChart(
        name="update_rank",
        title="Singular values of the update to block 1's c_proj",
        x_label="singular value, largest first",
        y_label="size",
        panels=[
            BarPanel(f"LoRA r = {r}", [f"s{i + 1}" for i in range(k)], [four_digits(v) for v in sv_lora]),
            BarPanel("full fine-tuning", [f"s{i + 1}" for i in range(k)], [four_digits(v) for v in sv_full]),
        ],
        note=f"A LoRA update B A has rank at most r: after the first {r} singular values the rest are zero "
        "(up to rounding). Full fine-tuning's change has no such limit.",
    )
    return [picture, singular]


def sweep_charts(by_rank: dict, finals: dict, base_pre: float, base_new: float) -> list:
    ranks = sorted(by_rank)
    cats = [f"r={r}" for r in ranks] + ["last layer", "EWC", "full"]
    runs = [by_rank[r] for r in ranks] + [finals["last_layer"], finals["ewc"], finals["full"]]
    sweep = BarChart(
        name="rank_sweep",
        title="LoRA rank sweep beside the other methods",
        x_label="method",
        y_label="value",
        panels=[
            BarPanel("trainable parameters", cats, [r.trainable_params for r in runs]),
            BarPanel("held-out vet-notes loss (lower: better adapted)", cats,
                     [four_digits(r.new_heldout_loss) for r in runs]),
            BarPanel(
                "forgetting: rise in pretraining held-out loss",
                cats,
                [four_digits(r.pretrain_heldout_loss - base_pre) for r in runs],
            ),
        ],
        note=f"Before fine-tuning the held-out vet-notes loss is {base_new:.3f}.",
    )

    def group(name, selected, labels):
        return ScatterGroup(
            name,
            [four_digits(r.pretrain_heldout_loss - base_pre) for r in selected],
            [four_digits(base_new - r.new_heldout_loss) for r in selected],
            labels,
        )

    tradeoff = ScatterChart(
        name="tradeoff",
        title="Adaptation against forgetting",
        x_label="forgetting (rise in pretraining held-out loss, nats)",
        y_label="adaptation (drop in vet-notes held-out loss, nats)",
        groups=[
            group(
                "LoRA", [by_rank[r] for r in ranks], [f"r={r}, {by_rank[r].trainable_params:,} params" for r in ranks]
            ),
            group("full", [finals["full"]], [f"full, {finals['full'].trainable_params:,} params"]),
            group(
                "last layer", [finals["last_layer"]], [f"last layer, {finals['last_layer'].trainable_params:,} params"]
            ),
            group("EWC", [finals["ewc"]], [f"EWC, {finals['ewc'].trainable_params:,} params"]),
        ],
        show_labels=True,
        note="Up and to the left is better: more learned, less forgotten.",
    )
    return [sweep, tradeoff]


def curves_chart(name: str, title: str, runs: dict, baseline: float, pretrain: bool) -> LineChart:
    series = [
        Series(
            label,
            run.steps,
            [
                four_digits((c - baseline) if pretrain else c)
                for c in (run.pretrain_heldout_curve if pretrain else run.new_heldout_curve)
            ],
        )
        for label, run in runs.items()
    ]
    return LineChart(
        name=name,
        title=title,
        x_label="fine-tuning step",
        y_label="rise in pretraining held-out loss (nats)" if pretrain else "held-out vet-notes loss (nats)",
        series=series,
        note="Forgetting is the pretraining held-out loss minus the base model's, measured every few steps."
        if pretrain
        else f"The base model starts at {baseline:.3f}.",
    )


def lr_chart(pre_config, ft, chosen: dict, pretrain_rate, finetune_rate) -> LineChart:
    pre_steps = list(range(0, pre_config.max_steps, 4))
    series = [
        Series(
            f"pretraining (peak {pre_config.learning_rate:g})",
            pre_steps,
            [pretrain_rate(s, pre_config) for s in pre_steps],
        )
    ]
    ft_steps = list(range(ft.steps))
    for kind, run in chosen.items():
        peak = run.method.learning_rate
        series.append(
            Series(
                f"fine-tuning: {kind.replace('_', ' ')} (peak {peak:g})",
                ft_steps,
                [finetune_rate(s, peak, ft) for s in ft_steps],
                dash=True,
            )
        )
    return LineChart(
        name="learning_rates",
        title="Learning rates: pretraining against fine-tuning",
        x_label="step of its own run",
        y_label="learning rate (log scale)",
        series=series,
        y_log=True,
        note="Each schedule warms up, then decays along a cosine. The fine-tuning peaks are the ones "
        "the validation grid chose.",
    )


def grad_chart(full) -> LineChart:
    order = ["embedding", *sorted(k for k in full.grad_norms if k.startswith("block")), "output"]
    return LineChart(
        name="grad_norms",
        title="Gradient norm per layer during full fine-tuning",
        x_label="fine-tuning step",
        y_label="gradient L2 norm (log scale, before clipping)",
        series=[
            Series(g, list(range(len(full.grad_norms[g]))), [four_digits(v) for v in full.grad_norms[g]])
            for g in order
            if g in full.grad_norms
        ],
        y_log=True,
    )


BLOCK_GROUPS = (
    "attn.c_attn.weight",
    "attn.c_attn.bias",
    "attn.c_proj.weight",
    "attn.c_proj.bias",
    "mlp.c_fc.weight",
    "mlp.c_fc.bias",
    "mlp.c_proj.weight",
    "mlp.c_proj.bias",
    "layernorm",
)


def _fisher_means(fisher: dict, layer_group, param_group) -> dict[tuple[str, str], float]:
    sums: dict[tuple[str, str], list[float]] = {}
    for name, f in fisher.items():
        key = (layer_group(name), param_group(name))
        s = sums.setdefault(key, [0.0, 0])
        s[0] += float(f.sum())
        s[1] += f.numel()
    return {k: total / count for k, (total, count) in sums.items()}


def fisher_chart(fisher: dict, layer_group, param_group) -> HeatmapChart:
    import math

    means = _fisher_means(fisher, layer_group, param_group)
    blocks = sorted({layer for layer, _ in means if layer.startswith("block")})
    z = [[round(math.log10(means[(b, g)]), 3) for g in BLOCK_GROUPS] for b in blocks]
    return HeatmapChart(
        name="fisher",
        title="Diagonal Fisher information of the pretraining data, per layer and weight group",
        panels=[HeatmapPanel("mean F_i per weight (log10)", z)],
        x_labels=list(BLOCK_GROUPS),
        y_labels=blocks,
        x_title="weight group",
        y_title="layer",
        value_label="log10 mean Fisher",
        note="Bright cells hold the weights whose change costs the pretraining loss most; EWC pulls those back "
        "hardest. The embedding and output layer are in the table below the chart.",
    )


def fisher_table(fisher: dict, layer_group) -> dict:
    import math

    rows = []
    for name, f in fisher.items():
        rows.append(
            [
                name,
                layer_group(name),
                f.numel(),
                f"{float(f.mean()):.3g}",
                round(math.log10(float(f.mean()) + 1e-30), 2),
            ]
        )
    return {"columns": ["parameter", "layer", "numbers", "mean Fisher", "log10"], "rows": rows}
