"""Fine-tuning: NF4 against int4, FP4 and int8 on the tiny GPT's weights, and the 7B/13B/70B memory calculator."""

from __future__ import annotations

import time
from dataclasses import dataclass

from engine.charts import BarChart, BarPanel, HistogramChart, ReferenceLine
from engine.contract import Result, RunContext
from generators._gpt_checkpoints import DATA_DIR, load_gpt
from generators._report_format import four_digits

UPSTREAM = ("gpt_pretrain",)
DATA_FILES = (
    "models/data/llm/corpus.txt",
    "models/data/llm/sft.jsonl",
    "models/data/llm/preferences.jsonl",
    "models/data/llm/cases.json",
)
SCHEMES = ("nf4", "int4", "fp4", "int8")
NAMES = {"nf4": "NF4", "int4": "int4 absmax", "fp4": "FP4 (E2M1)", "int8": "int8 absmax"}


@dataclass
class Params:
    # QLoRA's block size: one absmax per 64 weights. All four formats use the same blocks.
    block_size: int = 64
    # The histogram draws this many weights, sampled at random from all linear layers.
    histogram_weights: int = 3000
    # LoRA rank for the memory calculator (adapters on W_q and W_v, as in the LoRA paper)
    # and for the check of the formula against our own model's tensors.
    lora_r: int = 8
    lora_alpha: float = 16.0
    seed: int = 0


PARAMS = Params


def _base(ctx: RunContext):
    """The pretrained model, pretraining's token split, and its loss on the held-out windows."""
    import torch

    from models.gpt_pretrain import PretrainConfig, mean_loss
    from models.llm_data import covering_windows, load_llm_data, split_corpus

    data = load_llm_data(ctx.path(DATA_DIR))
    tokenizer = data.tokenizer()
    base = load_gpt(ctx, "gpt_pretrain", tokenizer.tokens)
    pre = PretrainConfig(**ctx.upstream["gpt_pretrain"]["config"])
    train_ids, heldout_ids = split_corpus(torch.tensor(tokenizer.encode(data.corpus)), pre.heldout_fraction)
    heldout = covering_windows(heldout_ids, pre.seq_len)
    return base, pre, train_ids, heldout, mean_loss(base, heldout, ctx.device)


def _quantize_all(ctx: RunContext, config: Params, base, heldout, linear: list) -> tuple[dict, dict]:
    """1. Every linear weight quantized and dequantized in each format; the loss on
    pretraining's held-out text before and after."""
    import copy

    from models.gpt_pretrain import mean_loss
    from models.nf4 import quantization_error, quantize_linears

    numel = sum(w.numel() for w in linear)
    losses, errors = {}, {}
    for i, scheme in enumerate(SCHEMES):
        ctx.progress(i + 1, len(SCHEMES) + 2, f"quantizing every linear layer to {NAMES[scheme]}")
        losses[scheme] = mean_loss(
            quantize_linears(copy.deepcopy(base), scheme, config.block_size), heldout, ctx.device
        )
        per_layer = [quantization_error(w, scheme, config.block_size) for w in linear]
        sq = sum(e["rmse"] ** 2 * w.numel() for e, w in zip(per_layer, linear, strict=True))
        errors[scheme] = {"rmse": (sq / numel) ** 0.5, "max_abs": max(e["max_abs"] for e in per_layer)}
    return losses, errors


def _nf4_view(config: Params, flat, generator):
    """2. The weights as NF4 sees them: each divided by its block's absmax. Returns a random
    sample of them and how often each of the 16 codes is used."""
    import torch

    from models.nf4 import nf4_levels, quantize

    q = quantize(flat[: flat.numel() // config.block_size * config.block_size], nf4_levels(), config.block_size)
    normalized = (flat[: q.codes.numel()].view(-1, config.block_size) / q.absmax[:, None]).flatten()
    sample = normalized[torch.randperm(normalized.numel(), generator=generator)[: config.histogram_weights]]
    return sample, torch.bincount(q.codes.flatten().long(), minlength=16)


def _measure_memory(ctx: RunContext, base, lora, train_ids, seq_len: int, generator) -> tuple[dict, dict]:
    """3. The memory formula checked against the bytes of our model's tensors, after one
    AdamW step (when Adam's m and v exist)."""
    import torch

    from models import memory_calc
    from models.finetune import Method, prepare
    from models.llm_data import sample_windows

    ctx.progress(len(SCHEMES) + 1, len(SCHEMES) + 2, "measuring tensor bytes of full, LoRA and QLoRA training")
    rows, measured = [], {}
    x, y = sample_windows(train_ids, seq_len, 2, generator)
    for kind in ("full", "lora", "qlora"):
        model = prepare(base, Method(kind, 1e-3, lora))
        optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-3)
        model(x.to(ctx.device), y.to(ctx.device))[1].backward()
        optimizer.step()
        parts = memory_calc.measured_training_bytes(model, optimizer)
        predicted = memory_calc.predicted_fp32_bytes(model)
        total = sum(parts.values())
        measured[kind] = (total, predicted)
        rows.append(
            [kind, parts["weights"], parts["gradients"], parts["optimizer"], total, predicted,
             "yes" if total == predicted else "NO"]
        )
    columns = [
        "training",
        "weight bytes",
        "gradient bytes",
        "Adam m + v bytes",
        "measured total",
        "formula",
        "equal",
    ]
    return measured, {"columns": columns, "rows": rows}


def _summary(config: Params, base_loss: float, quantized: tuple[dict, dict], sizes: dict, measured: dict,
             table: list, cpu_start: float) -> dict:
    losses, errors = quantized
    summary = {
        # CPU seconds of this process: on a busy machine a better guide than wall time to the
        # time an idle one would take (with one thread, about equal to it).
        "cpu_seconds": time.process_time() - cpu_start,
        "base_pretrain_loss": base_loss,
        "block_size": config.block_size,
        **sizes,
        "memory_lora_r": config.lora_r,
        "memory_checks_met": sum(m == p for m, p in measured.values()),
        "memory_checks_total": len(measured),
    }
    for scheme in SCHEMES:
        summary[f"{scheme}_loss"] = losses[scheme]
        summary[f"{scheme}_loss_increase"] = losses[scheme] - base_loss
        summary[f"{scheme}_rmse"] = errors[scheme]["rmse"]
        summary[f"{scheme}_max_abs_error"] = errors[scheme]["max_abs"]
    for kind, (m, p) in measured.items():
        summary[f"measured_{kind}_bytes"] = m
        summary[f"predicted_{kind}_bytes"] = p
    for row in table:
        for key in ("full_gb", "lora_gb", "qlora_gb", "qlora_dq_gb"):
            summary[f"llama{row['model'].lower()}_{key}"] = round(row[key], 1)
        summary[f"llama{row['model'].lower()}_lora_params"] = row["lora_params"]
    return summary


def _quant_charts(config: Params, base_loss: float, quantized: tuple[dict, dict], sample, levels: list) -> list:
    losses, errors = quantized
    names = [NAMES[s] for s in SCHEMES]
    return [
        HistogramChart(
            name="weights_nf4",
            title="The tiny GPT's weights, each divided by its block's absmax, with the 16 NF4 levels",
            x_label="weight / block absmax",
            groups={
                f"{config.histogram_weights} weights of the linear layers": [four_digits(v) for v in sample.tolist()]
            },
            bins=64,
            reference_lines=[ReferenceLine(f"NF4 level {k}", round(v, 4)) for k, v in enumerate(levels)],
            note="Every block has one weight at -1 or +1 (its absmax); the rest crowd around 0, where NF4 puts "
            "most of its levels.",
        ),
        BarChart(
            name="quant_error",
            title=f"Quantization error at block size {config.block_size}",
            x_label="format",
            y_label="value",
            panels=[
                BarPanel("RMS error of the weights", names, [four_digits(errors[s]["rmse"]) for s in SCHEMES],
                         highlight=[0]),
                BarPanel(
                    "rise in held-out pretraining loss (nats)",
                    names,
                    [four_digits(losses[s] - base_loss) for s in SCHEMES],
                    highlight=[0],
                ),
            ],
            note="int8 (255 levels) is the 8-bit reference; the three others have 16 codes (15 distinct values "
            "for int4 and FP4).",
        ),
        BarChart(
            name="quant_loss",
            title="Held-out pretraining loss of the base model, before and after quantization",
            x_label="weights stored as",
            y_label="loss (nats per character)",
            panels=[
                BarPanel(
                    "held-out loss",
                    ["float32 (base)", *names],
                    [four_digits(base_loss), *[four_digits(losses[s]) for s in SCHEMES]],
                    highlight=[1],
                )
            ],
        ),
    ]


def _memory_chart(config: Params, table: list) -> BarChart:
    return BarChart(
        name="memory",
        title="Memory for the model state while fine-tuning (GB, activations not included)",
        x_label="method",
        y_label="GB",
        panels=[
            BarPanel(
                f"Llama 2 {row['model']}",
                ["full FT", f"LoRA r={config.lora_r}", "QLoRA", "QLoRA + double quant."],
                [round(row[k], 1) for k in ("full_gb", "lora_gb", "qlora_gb", "qlora_dq_gb")],
            )
            for row in table
        ],
    )


def _memory_table(config: Params, table: list) -> dict:
    rows = [
        [
            f"Llama 2 {row['model']}",
            f"{row['n_params']:,}",
            f"{row['lora_params']:,}",
            round(row["full_gb"], 1),
            round(row["lora_gb"], 1),
            round(row["qlora_gb"], 1),
            round(row["qlora_dq_gb"], 1),
        ]
        for row in table
    ]
    columns = [
        "model",
        "parameters",
        f"LoRA r={config.lora_r} parameters",
        "full FT GB",
        "LoRA GB",
        "QLoRA GB",
        "QLoRA + DQ GB",
    ]
    return {"columns": columns, "rows": rows}


def _quant_table(base_loss: float, quantized: tuple[dict, dict]) -> dict:
    from models.nf4 import levels_of

    losses, errors = quantized
    rows = [
        [
            NAMES[s],
            len(levels_of(s)),
            four_digits(errors[s]["rmse"]),
            four_digits(errors[s]["max_abs"]),
            four_digits(losses[s]),
            four_digits(losses[s] - base_loss),
        ]
        for s in SCHEMES
    ]
    columns = ["format", "distinct levels", "RMS error", "largest error", "held-out loss", "rise over float32"]
    return {"columns": columns, "rows": rows}


def run(ctx: RunContext) -> Result:
    import torch

    from models import memory_calc
    from models.finetune import Method, prepare
    from models.lora import LoRAConfig
    from models.nf4 import NF4Linear, nf4_levels

    cpu_start = time.process_time()
    config: Params = ctx.config
    base, pre, train_ids, heldout, base_loss = _base(ctx)
    linear = [m.weight.detach() for m in base.modules() if isinstance(m, torch.nn.Linear)]
    flat = torch.cat([w.flatten() for w in linear])
    quantized = _quantize_all(ctx, config, base, heldout, linear)
    # One generator, in this order: the histogram's sample, then the memory check's batch.
    generator = torch.Generator().manual_seed(config.seed)
    sample, codes_used = _nf4_view(config, flat, generator)
    lora = LoRAConfig(r=config.lora_r, alpha=config.lora_alpha)
    measured, measured_table = _measure_memory(ctx, base, lora, train_ids, pre.seq_len, generator)
    nf4_model = prepare(base, Method("qlora", 1e-3, lora))
    nf4_bytes = sum(m.storage_bytes() for m in nf4_model.modules() if isinstance(m, NF4Linear))
    fp32_linear_bytes = sum(w.numel() * 4 for w in linear)
    sizes = {
        "linear_weights": flat.numel(),
        "nf4_bytes": nf4_bytes,
        "fp32_linear_bytes": fp32_linear_bytes,
        "nf4_compression": fp32_linear_bytes / nf4_bytes,
        "nf4_bits_per_weight": 8 * nf4_bytes / flat.numel(),
        "nf4_levels_used": int((codes_used > 0).sum()),
    }

    table = memory_calc.table(config.lora_r)
    summary = _summary(config, base_loss, quantized, sizes, measured, table, cpu_start)
    levels = nf4_levels().tolist()
    return Result(
        metrics={
            "summary": summary,
            "memory_table": _memory_table(config, table),
            "measured_table": measured_table,
            "quant_table": _quant_table(base_loss, quantized),
            "nf4_levels": levels,
        },
        charts=[*_quant_charts(config, base_loss, quantized, sample, levels), _memory_chart(config, table)],
    )
