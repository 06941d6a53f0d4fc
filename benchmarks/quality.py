"""Model quality and training time against the targets in the lecture issues.

Reads the generated ``metrics.json`` of the lecturer's last build (run ``make site``
first); every figure here comes from a run, with that run's provenance.
"""

from __future__ import annotations

import json
import math

from engine.layout import generated_dir

from .record import ROOT, write

GENERATED = generated_dir(ROOT)
LLM = ("gpt_pretrain", "gpt_sft", "gpt_reward", "gpt_align")
GENERATIVE_TRAINING = ("vae", "vae_beta_sweep", "gan", "gan_collapse", "ddpm", "generative_quality")


def _metrics(name: str) -> dict | None:
    path = GENERATED / name / "metrics.json"
    return json.loads(path.read_text()) if path.is_file() else None


def _check(label: str, value, target: str, met: bool) -> dict:
    return {"check": label, "value": value, "target": target, "met": bool(met)}


def llm_checks() -> list[dict]:
    m = {name: _metrics(name) for name in LLM}
    if any(v is None for v in m.values()):
        return [_check("LLM generators have run", False, "all four present", False)]
    pre, sft, rm, align = (m[n]["summary"] for n in LLM)
    wall = sum(m[n]["provenance"]["wall_seconds"] for n in LLM)
    return [
        _check("pretraining held-out loss / log V", round(pre["heldout_loss"] / pre["log_vocab"], 3), "<= 0.6",
               pre["heldout_loss"] <= 0.6 * pre["log_vocab"]),
        _check("pretraining held-out loss below bigram", round(1 - pre["heldout_loss"] / pre["bigram_heldout_loss"], 3),
               ">= 0.20 relative", pre["heldout_loss"] <= 0.8 * pre["bigram_heldout_loss"]),
        _check("SFT response loss below base", [sft["heldout_response_loss"], sft["base_heldout_response_loss"]],
               "SFT < base", sft["heldout_response_loss"] < sft["base_heldout_response_loss"]),
        _check("reward model held-out accuracy", rm["heldout_accuracy"], ">= 0.85", rm["heldout_accuracy"] >= 0.85),
        _check("reward model mean margin", rm["heldout_mean_margin"], "> 0", rm["heldout_mean_margin"] > 0),
        _check("reward model over length baseline", round(rm["heldout_accuracy"] - rm["length_baseline_accuracy"], 3),
               ">= 0.15", rm["heldout_accuracy"] - rm["length_baseline_accuracy"] >= 0.15),
        _check("alignment raises mean reward", [align["mean_reward_sft"], align["mean_reward_aligned"]],
               "aligned > SFT", align["mean_reward_aligned"] > align["mean_reward_sft"]),
        _check("alignment KL to reference (nats/token)", align["kl_to_reference"], "<= 1",
               align["kl_to_reference"] <= 1),
        _check("four LLM stages wall time (s)", round(wall, 1), "<= 120", wall <= 120),
    ]


def generative_checks() -> list[dict]:
    quality = _metrics("generative_quality")
    if quality is None:
        return [_check("generative_quality has run", False, "present", False)]
    s = quality["summary"]
    ratio = s["ddpm"]["mean_confidence"] / s["real"]["mean_confidence"]
    checks = [
        _check("diffusion confidence / real", round(ratio, 3), ">= 0.8", ratio >= 0.8),
        _check("diffusion coverage", s["ddpm"]["coverage"], "10/10", s["ddpm"]["coverage"] == 10),
    ]
    for name in ("real", "noise", "vae", "gan", "ddpm"):
        checks.append(_check(f"{name} mean confidence / coverage", [s[name]["mean_confidence"], s[name]["coverage"]],
                             "reported", True))
    runs = {n: _metrics(n) for n in GENERATIVE_TRAINING}
    wall = sum(v["provenance"]["wall_seconds"] for v in runs.values() if v)
    missing = [n for n, v in runs.items() if v is None]
    checks.append(_check("generative lecture summed wall time (s)", round(wall, 1), "<= 150",
                         wall <= 150 and not missing))
    return checks


def main() -> None:
    checks = llm_checks() + generative_checks()
    write("quality", {"checks": checks})
    for c in checks:
        value = c["value"] if not isinstance(c["value"], float) or math.isfinite(c["value"]) else "n/a"
        print(f"  {'ok ' if c['met'] else 'MISS'} {c['check']}: {value} (target {c['target']})")
