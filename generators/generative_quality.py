"""The measured comparison of the generative-models lecture.

A digit classifier trained on real digits (the digit_classifier generator) judges samples
from the VAE, the GAN and the diffusion model, alongside two references: real held-out
digits (what good looks like) and uniform noise (what nothing looks like). Mean
confidence stands for sample quality and coverage for diversity (models/digit_classifier.py
defines both). Training times come from the upstream runs' provenance; sampling times
are the upstream generators' timings for the same number of images.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from itertools import pairwise

from engine.charts import BarChart, BarPanel
from engine.contract import Result, RunContext
from generators._digit_checkpoints import load_classifier, load_samples
from generators._digits_data import DigitsSource, load_data

UPSTREAM = ("digit_classifier", "vae", "vae_beta_sweep", "gan", "gan_collapse", "ddpm")
DATA_FILES = ()

MODELS = {"vae": "VAE", "gan": "GAN", "ddpm": "diffusion (DDPM)"}


@dataclass
class Params(DigitsSource):
    # uniform-noise images scored as the "nothing" reference
    noise_images: int = 500
    # targets the page reports honestly, met or not
    target_confidence_ratio: float = 0.8
    target_coverage: int = 10
    target_wall_seconds: float = 150.0


PARAMS = Params


def significant(x: float) -> float:
    """Three significant figures: sampling times span milliseconds to seconds."""
    return float(f"{x:.3g}")


def confidence_bins(probs) -> tuple[list[str], list[float]]:
    """Share of images whose top probability falls in each tenth from 0.1 (the least a
    10-class softmax can give its top class) to 1."""
    import numpy as np

    edges = np.linspace(0.1, 1.0, 10)
    counts, _ = np.histogram(probs.max(axis=1), bins=edges)
    labels = [f"{a:.1f}–{b:.1f}" for a, b in pairwise(edges)]
    return labels, (counts / max(1, len(probs))).tolist()


def headline(scores: dict) -> dict:
    return {k: scores[k] for k in ("mean_confidence", "coverage", "confident_fraction")}


def targets(ctx: RunContext, summary: dict, wall: float) -> list[dict]:
    ratio_goal = ctx.config.target_confidence_ratio
    coverage_goal = ctx.config.target_coverage
    wall_goal = ctx.config.target_wall_seconds
    ratio = summary["ddpm"]["mean_confidence"] / summary["real"]["mean_confidence"]
    return [
        {"target": f"diffusion mean confidence at least {ratio_goal:g} × that of real held-out digits",
         "figure": f"{ratio:.2f} × real", "met": ratio >= ratio_goal},
        {"target": f"diffusion coverage of {coverage_goal} of 10 digits",
         "figure": f"{summary['ddpm']['coverage']} of 10", "met": summary["ddpm"]["coverage"] >= coverage_goal},
        {"target": f"the whole lecture's generators within {wall_goal:g} s of wall time",
         "figure": f"{wall:.0f} s", "met": wall <= wall_goal},
    ]


def tables(summary: dict, samplers: list[dict]) -> dict:
    """The comparison, the sampler sweep and the wall times as {"columns", "rows"} tables."""

    def row(name: str, label: str) -> list:
        s = summary[name]
        cells = [label, round(s["mean_confidence"], 3), f"{s['coverage']} of 10"]
        if name in MODELS:
            return [*cells, round(s["train_seconds"], 1), significant(s["sampling_seconds"])]
        return [*cells, "", ""]

    n = summary["samples_per_model"]["ddpm"]
    wall = summary["wall_seconds"]
    return {
        "comparison": {
            "columns": ["model", "sample quality (mean confidence)", "diversity (coverage)", "training time (s)",
                        f"time to sample {n} images (s)"],
            "rows": [row(name, label) for name, label in MODELS.items()]
            + [row("real", "reference: real held-out digits"), row("noise", "reference: uniform noise")],
        },
        "samplers": {
            "columns": ["sampler", "network evaluations", "mean confidence", "coverage", "seconds"],
            "rows": [[s["name"], s["steps"], round(s["mean_confidence"], 3), f"{s['coverage']} of 10",
                      significant(s["seconds"])] for s in samplers],
        },
        "wall_table": {
            "columns": ["generator", "wall time (s)"],
            "rows": [[name, round(seconds, 1)] for name, seconds in wall.items() if name in UPSTREAM]
            + [["generative_quality (scoring, before its charts are drawn)", round(wall["generative_quality"], 1)],
               ["all of this lecture", round(wall["total"], 1)]],
        },
    }


def charts(scores: dict, probs: dict, samplers: list[dict]) -> list:
    labels = {"real": "real digits", **MODELS, "noise": "uniform noise"}
    order = ["real", "vae", "gan", "ddpm", "noise"]
    sources = [labels[n] for n in order]
    digits = [str(d) for d in range(10)]
    steps = [s["label"] for s in samplers]
    return [
        BarChart(
            name="quality",
            title="Sample quality and diversity, judged by the digit classifier",
            x_label="source of the images",
            y_label="score",
            panels=[
                BarPanel("mean confidence", sources, [scores[n]["mean_confidence"] for n in order]),
                BarPanel("coverage (digits of 10)", sources, [scores[n]["coverage"] for n in order]),
            ],
        ),
        BarChart(
            name="confidence",
            title="How sure the classifier is about each image",
            x_label="top softmax probability",
            y_label="share of the images",
            panels=[BarPanel(labels[n], *confidence_bins(probs[n])) for n in order],
            note="Each panel is one source of images; the bars of a panel add up to 1.",
        ),
        BarChart(
            name="class_counts",
            title="Which digit the classifier sees, per source",
            x_label="digit (the classifier's top guess)",
            y_label="images",
            panels=[BarPanel(labels[n], digits, scores[n]["class_counts"]) for n in order],
        ),
        BarChart(
            name="samplers",
            title="Diffusion: fewer sampling steps, measured",
            x_label="sampler",
            y_label="score",
            panels=[
                BarPanel("mean confidence", steps, [s["mean_confidence"] for s in samplers]),
                BarPanel("coverage (digits of 10)", steps, [s["coverage"] for s in samplers]),
                BarPanel("seconds to sample", steps, [s["seconds"] for s in samplers]),
            ],
            note="DDPM T is the full ancestral sampler with T steps; DDIM n takes n steps.",
        ),
    ]


def _noise(ctx: RunContext, data):
    """Uniform-noise images shaped like the digits: the "nothing" reference."""
    import torch

    generator = torch.Generator().manual_seed(ctx.seed)
    return torch.rand(ctx.config.noise_images, *data.heldout_images.shape[1:], generator=generator)


def _score(classifier, data, noise, saved: dict) -> tuple[dict, dict, list[dict]]:
    """Class probabilities of real digits, uniform noise, each model's samples and each diffusion sampler's."""
    from models.digit_classifier import predict_proba, score_probs

    probs = {"real": predict_proba(classifier, data.heldout_images), "noise": predict_proba(classifier, noise)}
    probs.update({name: predict_proba(classifier, saved[name]["samples"]) for name in MODELS})
    scores = {name: score_probs(p) for name, p in probs.items()}
    samplers = [
        {**s, **headline(score_probs(predict_proba(classifier, s["samples"])))} for s in saved["ddpm"]["settings"]
    ]
    return probs, scores, samplers


def _summary(ctx: RunContext, data, saved: dict, scores: dict, samplers: list[dict]) -> dict:
    summary: dict = {
        "classifier_heldout_accuracy": ctx.upstream["digit_classifier"]["summary"]["heldout_accuracy"],
        **{name: headline(s) for name, s in scores.items()},
        "samples_per_model": {name: len(saved[name]["samples"]) for name in MODELS},
        "noise_images": ctx.config.noise_images,
        "real_images": len(data.heldout_labels),
    }
    for name in MODELS:
        summary[name]["train_seconds"] = ctx.upstream[name]["provenance"]["wall_seconds"]
        summary[name]["sampling_seconds"] = saved[name]["sampling_seconds"]
        summary[name]["confidence_vs_real"] = scores[name]["mean_confidence"] / scores["real"]["mean_confidence"]
    summary["best_quality"] = MODELS[max(MODELS, key=lambda n: scores[n]["mean_confidence"])]
    summary["slowest_to_train"] = MODELS[max(MODELS, key=lambda n: summary[n]["train_seconds"])]
    summary["fastest_sampler"] = MODELS[min(MODELS, key=lambda n: saved[n]["sampling_seconds"])]
    summary["slowest_sampler"] = MODELS[max(MODELS, key=lambda n: saved[n]["sampling_seconds"])]
    fewest = min(samplers, key=lambda s: s["steps"])
    summary["fewest_steps"] = {"steps": fewest["steps"], **headline(fewest),
                               "seconds": fewest["seconds"], "speedup": samplers[0]["seconds"] / fewest["seconds"]}
    return summary


def run(ctx: RunContext) -> Result:
    started = time.perf_counter()
    classifier = load_classifier(ctx)
    data = load_data(ctx)
    noise = _noise(ctx, data)
    saved = {name: load_samples(ctx, name) for name in MODELS}
    probs, scores, samplers = _score(classifier, data, noise, saved)
    ctx.progress(1, 2, "scored real digits, noise, the three models and the diffusion samplers")
    summary = _summary(ctx, data, saved, scores, samplers)

    # the lecture's wall time: every upstream run's provenance, plus this run so far (the
    # runner adds chart drawing to this generator's own provenance afterwards)
    upstream_wall = {name: ctx.upstream[name]["provenance"]["wall_seconds"] for name in UPSTREAM}
    own = time.perf_counter() - started
    wall = sum(upstream_wall.values()) + own
    summary["wall_seconds"] = {**upstream_wall, "generative_quality": own, "total": wall}
    goals = targets(ctx, summary, wall)
    summary["targets_met"] = sum(g["met"] for g in goals)
    summary["targets_total"] = len(goals)
    summary["ddpm_target_ratio"] = ctx.config.target_confidence_ratio
    ctx.progress(2, 2, f"{summary['targets_met']} of {len(goals)} targets met")
    return Result(
        metrics={
            "summary": summary,
            **tables(summary, samplers),
            "targets": goals,
            "targets_table": {"columns": ["target", "figure reached", "met"],
                              "rows": [[g["target"], g["figure"], "yes" if g["met"] else "no"] for g in goals]},
            "class_counts": {name: scores[name]["class_counts"] for name in scores},
        },
        charts=charts(scores, probs, samplers),
    )
